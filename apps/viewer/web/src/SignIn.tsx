import { useState, type FormEvent } from 'react';
import { api, ApiError, tokenStore } from './api';
import type { Me } from './api.types';

/** Paste a bearer token; it is checked with /api/review/me and kept in sessionStorage only. */
export function SignIn({ error, onSignedIn }: { error?: string; onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [message, setMessage] = useState(error ?? '');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const me = await api.me(token.trim());
      tokenStore.set(token.trim());
      onSignedIn(me);
    } catch (err) {
      setMessage(
        err instanceof ApiError && err.status === 401
          ? 'This token is not known to the viewer. Check it and try again.'
          : 'Could not reach the viewer. Try again.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>ROPline review</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" className="help">
          Paste the bearer token your administrator gave you. It is kept for this browser tab only.
        </p>
        {message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
