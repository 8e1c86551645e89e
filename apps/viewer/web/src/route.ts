import { useEffect, useState } from 'react';

/** Hash routes: `#/` (worklist) and `#/studies/<uuid>` (internal ids only, never DICOM UIDs). */
export type Route = { page: 'worklist' } | { page: 'study'; id: string } | { page: 'retraining' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(hash: string): Route {
  if (hash === '#/retraining') return { page: 'retraining' };
  const m = /^#\/studies\/([^/]+)$/.exec(hash);
  return m && UUID.test(m[1]) ? { page: 'study', id: m[1] } : { page: 'worklist' };
}

export const studyHref = (id: string) => `#/studies/${id}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
