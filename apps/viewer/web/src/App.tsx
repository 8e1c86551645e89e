import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, setUnauthorizedHandler, tokenStore } from './api';
import type { Me } from './api.types';
import { useRoute } from './route';
import { SignIn } from './SignIn';
import { StudyPage } from './study/StudyPage';
import { Worklist } from './Worklist';
import { Retraining } from './Retraining';

type Session = { state: 'loading' } | { state: 'signed-out'; error?: string } | { state: 'in'; me: Me };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const route = useRoute();

  const signOut = useCallback((error?: string) => {
    tokenStore.clear();
    setSession({ state: 'signed-out', error });
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => signOut('Your session is no longer valid. Sign in again.'));
    // With no tokens configured (loopback dev) /me answers without one: no sign-in screen.
    api.me().then(
      (me) => setSession({ state: 'in', me }),
      (e: unknown) =>
        setSession({
          state: 'signed-out',
          error: e instanceof ApiError && e.status !== 401 ? `The server answered: ${e.message}` : undefined,
        }),
    );
  }, [signOut]);

  if (session.state === 'loading') return <p className="page-status">Loading…</p>;
  if (session.state === 'signed-out')
    return <SignIn error={session.error} onSignedIn={(me) => setSession({ state: 'in', me })} />;
  const { me } = session;
  return (
    <>
      <header className="app-header">
        <a className="brand" href="#/">
          ROPline review
        </a>
        {(me.roles.includes('data-scientist') || me.roles.includes('admin')) && (
          <a href="#/retraining" className="nav-link">
            Retraining
          </a>
        )}
        <span className="not-diagnostic">Model results are decision support, not a diagnosis.</span>
        <span className="who" data-testid="who">
          Signed in as <strong>{me.name}</strong>
        </span>
        {me.authRequired && (
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {route.page === 'study' ? (
          <StudyPage key={route.id} id={route.id} me={me} />
        ) : route.page === 'retraining' ? (
          <Retraining />
        ) : (
          <Worklist />
        )}
      </main>
    </>
  );
}
