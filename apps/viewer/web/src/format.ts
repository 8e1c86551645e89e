/** Display helpers (no PHI: dates, stages, numbers). */
export const pct = (p: number | null | undefined) =>
  p === null || p === undefined ? '–' : `${Math.round(p * 100)}%`;
export const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '–');
export const eyeName = (l: string) => (l === 'R' ? 'Right eye' : l === 'L' ? 'Left eye' : 'Eye unknown');
export const stageName = (s: string | null | undefined) =>
  !s ? '–' : /^stage\d+$/.test(s) ? `Stage ${s.slice(5)}` : s.charAt(0).toUpperCase() + s.slice(1);
