/** Shared SVG pieces: escaping, scales, "nice" ticks and colour-blind-safe palettes. */

export const FONT = 'DejaVu Sans, sans-serif';

/** Okabe-Ito qualitative palette (colour-blind safe), black left out for series. */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442'];

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Number to at most 6 significant digits, without "-0" or exponent noise. */
export function num(v: number): string {
  const r = Number(v.toFixed(2));
  return Object.is(r, -0) ? '0' : String(r);
}

export function text(
  x: number,
  y: number,
  content: string,
  attrs: Record<string, string | number> = {},
): string {
  const a = Object.entries({ 'font-family': FONT, 'font-size': 12, fill: '#222', ...attrs })
    .map(([k, v]) => `${k}="${escapeXml(String(v))}"`)
    .join(' ');
  return `<text x="${num(x)}" y="${num(y)}" ${a}>${escapeXml(content)}</text>`;
}

/** Linear map from [d0, d1] to [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** "Nice" ticks covering [min, max] with steps of 1, 2 or 5 x 10^k (Heckbert's labels). */
export function niceTicks(
  min: number,
  max: number,
  count = 5,
): { ticks: number[]; min: number; max: number } {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return { ticks: [0, 1], min: 0, max: 1 };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-6; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, min: lo, max: hi };
}

/** Tick label: trims float noise (0.30000000000000004 -> 0.3). */
export function tickLabel(v: number): string {
  return String(Number(v.toPrecision(6)));
}

// Viridis (matplotlib) sampled at 9 even stops; interpolated linearly in sRGB.
const VIRIDIS = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
];

/** Viridis colour for t in [0, 1] as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => Math.round(VIRIDIS[i][c] + (VIRIDIS[i + 1][c] - VIRIDIS[i][c]) * f)) as [
    number,
    number,
    number,
  ];
}

export const hex = (rgb: readonly number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** Black or white, whichever reads better on `rgb` (WCAG relative luminance). */
export function textColorOn(rgb: readonly number[]): string {
  const lin = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return l > 0.179 ? '#000000' : '#ffffff';
}

export function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}
