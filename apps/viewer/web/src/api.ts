import type { LabelInput, LabelView, Me, RetrainingRun, StudyView, WorklistRow } from './api.types';

const TOKEN_KEY = 'ropline.review.token';

/** The bearer token lives in sessionStorage only (gone when the tab closes). */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called on any 401 so the app can return to sign-in. */
let onUnauthorized: () => void = () => undefined;
export const setUnauthorizedHandler = (f: () => void) => void (onUnauthorized = f);

async function request(path: string, init: RequestInit = {}, token = tokenStore.get()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (res.ok) return res;
  let code = `HTTP_${res.status}`;
  let message = res.statusText || 'request failed';
  try {
    const body = (await res.json()) as { code?: string; message?: string };
    code = body.code ?? code;
    message = body.message ?? message;
  } catch {
    // not JSON: keep the status text
  }
  if (res.status === 401) onUnauthorized();
  throw new ApiError(res.status, code, message);
}

const json = async <T>(path: string, init?: RequestInit): Promise<T> =>
  (await request(path, init)).json() as Promise<T>;

export const api = {
  me: async (token?: string | null): Promise<Me> =>
    (
      await request('/api/review/me', {}, token === undefined ? tokenStore.get() : token)
    ).json() as Promise<Me>,
  worklist: (q: { status?: string; minStage?: string }) => {
    const p = new URLSearchParams();
    if (q.status) p.set('status', q.status);
    if (q.minStage) p.set('minStage', q.minStage);
    return json<WorklistRow[]>(`/api/review/worklist?${p.toString()}`);
  },
  study: (id: string) => json<StudyView>(`/api/review/studies/${encodeURIComponent(id)}`),
  addLabel: (id: string, label: LabelInput) =>
    json<LabelView>(`/api/review/studies/${encodeURIComponent(id)}/labels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(label),
    }),
  republish: (id: string) =>
    json<{ queued: number }>(`/api/review/studies/${encodeURIComponent(id)}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
  retrainingRuns: () => json<RetrainingRun[]>('/api/review/retraining'),
  startRetraining: (body: { from?: 'active' | 'scratch' }) =>
    json<RetrainingRun>('/api/review/retraining', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  promoteRun: (id: string, body: { force?: boolean; reason?: string }) =>
    json<{ name: string; version: string; status: string }>(
      `/api/review/retraining/${encodeURIComponent(id)}/promote`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    ),
  /** Image bytes behind the bearer token, as a Blob (for object URLs and canvases). */
  blob: async (path: string): Promise<Blob> => (await request(path)).blob(),
};

export const frameUrl = (instanceId: string, frame: number, max: number) =>
  `/api/review/images/${encodeURIComponent(instanceId)}/frames/${frame}.png?max=${max}`;
export const maskUrl = (instanceId: string, frame: number) =>
  `/api/review/images/${encodeURIComponent(instanceId)}/frames/${frame}/mask.png`;
