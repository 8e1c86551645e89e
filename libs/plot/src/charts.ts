import { RopError } from '@ropline/core';
import { drawAxes, drawLegend, type Frame } from './axes.js';
import {
  SERIES_COLORS,
  escapeXml,
  hex,
  niceTicks,
  num,
  scale,
  svgDocument,
  text,
  textColorOn,
  tickLabel,
  viridis,
} from './svg.js';

export interface Series {
  name: string;
  /** [x, y] in data units; non-finite points are skipped (a gap in the line). */
  points: [number, number][];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yRange?: [number, number];
  xRange?: [number, number];
  width?: number;
  height?: number;
  /** 'step' draws a post-step curve (precision-recall). */
  curve?: 'linear' | 'step';
}

const bad = (message: string) => new RopError('PLOT.INVALID_INPUT', message);

function frame(width = 800, height = 460, legendWidth = 230): Frame {
  return { width, height, left: 64, right: legendWidth, top: 48, bottom: 56 };
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  return finite.length ? [Math.min(...finite), Math.max(...finite)] : fallback;
}

function pathOf(
  points: [number, number][],
  x: (v: number) => number,
  y: (v: number) => number,
  step: boolean,
): string {
  let d = '';
  let pen = false;
  for (const [px, py] of points) {
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      pen = false;
      continue;
    }
    if (pen && step) d += `H${num(x(px))}V${num(y(py))}`;
    else d += `${pen ? 'L' : 'M'}${num(x(px))} ${num(y(py))}`;
    pen = true;
  }
  return d;
}

/** Line chart (training curves): nice ticks, grid, legend at the right, Okabe-Ito colours. */
export function lineChart(o: LineChartOptions): string {
  if (o.series.length === 0) throw bad('lineChart: no series');
  const f = frame(o.width, o.height);
  const all = o.series.flatMap((s) => s.points);
  const axes = drawAxes(f, {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xDomain:
      o.xRange ??
      extent(
        all.map((p) => p[0]),
        [0, 1],
      ),
    yDomain:
      o.yRange ??
      extent(
        all.map((p) => p[1]),
        [0, 1],
      ),
  });
  const color = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length];
  const dash = (i: number) => (i >= SERIES_COLORS.length ? '6 3' : undefined);
  const lines = o.series.map((s, i) => {
    const d = pathOf(s.points, axes.x, axes.y, o.curve === 'step');
    const dashAttr = dash(i) ? ` stroke-dasharray="${dash(i)}"` : '';
    return `<path d="${d}" fill="none" stroke="${color(i)}" stroke-width="2" stroke-linejoin="round"${dashAttr}/>`;
  });
  // Clip 2 px outside the frame so a line along y = 1 keeps its full width.
  const clip = `<clipPath id="plot"><rect x="${f.left - 2}" y="${f.top - 2}" width="${f.width - f.left - f.right + 4}" height="${f.height - f.top - f.bottom + 4}"/></clipPath>`;
  const legend = drawLegend(
    f,
    o.series.map((s, i) => ({ name: s.name, color: color(i), dash: dash(i) })),
  );
  return svgDocument(f.width, f.height, [
    clip,
    ...axes.svg,
    `<g clip-path="url(#plot)">`,
    ...lines,
    '</g>',
    ...legend,
  ]);
}

export interface PrCurve {
  name: string;
  /** Cumulative precision / recall in confidence order (as `averagePrecision` returns them). */
  precision: number[];
  recall: number[];
  ap: number;
}

/**
 * Precision-recall step curves with AP in the legend (like the paper's Figure 5). Draws the VOC
 * interpolated envelope (precision made monotone from the right), i.e. the area AP measures.
 */
export function prCurveChart(o: {
  title: string;
  curves: PrCurve[];
  width?: number;
  height?: number;
}): string {
  return lineChart({
    title: o.title,
    xLabel: 'Recall',
    yLabel: 'Precision',
    xRange: [0, 1],
    yRange: [0, 1],
    width: o.width,
    height: o.height,
    curve: 'step',
    series: o.curves.map((c) => {
      if (c.precision.length !== c.recall.length)
        throw bad(`prCurveChart: "${c.name}" precision/recall lengths differ`);
      const envelope = [...c.precision];
      for (let i = envelope.length - 2; i >= 0; i--) envelope[i] = Math.max(envelope[i], envelope[i + 1]);
      const points: [number, number][] = c.recall.map((r, i) => [r, envelope[i]]);
      return { name: `${c.name} (AP ${c.ap.toFixed(3)})`, points: [[0, envelope[0] ?? 1], ...points] };
    }),
  });
}

/**
 * Confusion-matrix heat map (rows = truth, columns = prediction) in viridis, counts in the cells
 * in black or white by contrast. `normalize: 'true'` colours by row share (recall) and prints it.
 */
export function confusionMatrixChart(o: {
  title: string;
  labels: string[];
  matrix: number[][];
  normalize?: boolean;
  cell?: number;
}): string {
  const n = o.labels.length;
  if (n === 0 || o.matrix.length !== n || o.matrix.some((r) => r.length !== n)) {
    throw bad('confusionMatrixChart: matrix must be labels x labels');
  }
  const cell = o.cell ?? Math.max(48, Math.min(96, Math.floor(480 / n)));
  const left = 110;
  const top = 70;
  const width = left + n * cell + 110;
  const height = top + n * cell + 70;
  const rowSums = o.matrix.map((r) => r.reduce((a, b) => a + b, 0));
  const shown = o.matrix.map((r, i) => r.map((v) => (o.normalize ? (rowSums[i] ? v / rowSums[i] : 0) : v)));
  const max = Math.max(...shown.flat(), o.normalize ? 1 : 1e-12);
  const body: string[] = [
    text(width / 2, 30, o.title, { 'font-size': 16, 'font-weight': 'bold', 'text-anchor': 'middle' }),
  ];
  shown.forEach((row, i) =>
    row.forEach((v, j) => {
      const rgb = viridis(v / max);
      const x = left + j * cell;
      const y = top + i * cell;
      body.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${hex(rgb)}" stroke="#ffffff" stroke-width="1"/>`,
      );
      const label = o.normalize ? v.toFixed(2) : String(v);
      body.push(
        text(x + cell / 2, y + cell / 2 + 5, label, {
          'text-anchor': 'middle',
          'font-size': 14,
          fill: textColorOn(rgb),
        }),
      );
    }),
  );
  o.labels.forEach((l, k) => {
    body.push(text(left - 8, top + k * cell + cell / 2 + 4, l, { 'text-anchor': 'end', 'font-size': 12 }));
    body.push(
      text(left + k * cell + cell / 2, top + n * cell + 18, l, { 'text-anchor': 'middle', 'font-size': 12 }),
    );
  });
  body.push(
    text(left + (n * cell) / 2, top + n * cell + 44, 'Predicted', {
      'text-anchor': 'middle',
      'font-size': 13,
    }),
  );
  const cy = top + (n * cell) / 2;
  body.push(
    text(20, cy, 'True', {
      'text-anchor': 'middle',
      'font-size': 13,
      transform: `rotate(-90 20 ${num(cy)})`,
    }),
  );
  // Colour bar: 20 bands from 0 to max.
  const bx = left + n * cell + 24;
  const bh = n * cell;
  for (let k = 0; k < 20; k++) {
    const y = top + bh - ((k + 1) * bh) / 20;
    body.push(
      `<rect x="${bx}" y="${num(y)}" width="16" height="${num(bh / 20 + 0.5)}" fill="${hex(viridis((k + 0.5) / 20))}"/>`,
    );
  }
  body.push(`<rect x="${bx}" y="${top}" width="16" height="${bh}" fill="none" stroke="#444"/>`);
  body.push(text(bx + 22, top + bh + 4, '0', { 'font-size': 11 }));
  body.push(text(bx + 22, top + 8, o.normalize ? '1' : tickLabel(max), { 'font-size': 11 }));
  return svgDocument(width, height, body);
}

/** Grouped bars: one group per category, one bar per series (e.g. per-stage F1 per architecture). */
export function barChart(o: {
  title: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: number[] }[];
  yRange?: [number, number];
  width?: number;
  height?: number;
}): string {
  if (o.series.some((s) => s.values.length !== o.categories.length)) {
    throw bad('barChart: every series needs one value per category');
  }
  const f = frame(o.width, o.height);
  const values = o.series.flatMap((s) => s.values).filter(Number.isFinite);
  const yt = niceTicks(o.yRange?.[0] ?? Math.min(0, ...values), o.yRange?.[1] ?? Math.max(0, ...values), 5);
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y = scale(yt.min, yt.max, y0, f.top);
  const body: string[] = [
    text(f.width / 2, 28, o.title, { 'font-size': 16, 'font-weight': 'bold', 'text-anchor': 'middle' }),
  ];
  for (const t of yt.ticks) {
    body.push(`<line x1="${x0}" y1="${num(y(t))}" x2="${x1}" y2="${num(y(t))}" stroke="#e5e5e5"/>`);
    body.push(text(x0 - 8, y(t) + 4, tickLabel(t), { 'text-anchor': 'end', 'font-size': 11 }));
  }
  const groupW = (x1 - x0) / Math.max(1, o.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, o.series.length);
  o.categories.forEach((c, ci) => {
    const gx = x0 + ci * groupW + groupW * 0.1;
    o.series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v)) return;
      const top = Math.min(y(v), y(0));
      const h = Math.abs(y(v) - y(0));
      body.push(
        `<rect x="${num(gx + si * barW)}" y="${num(top)}" width="${num(barW - 2)}" height="${num(h)}" fill="${SERIES_COLORS[si % SERIES_COLORS.length]}"><title>${escapeXml(`${s.name}, ${c}: ${v}`)}</title></rect>`,
      );
    });
    body.push(text(x0 + ci * groupW + groupW / 2, y0 + 19, c, { 'text-anchor': 'middle', 'font-size': 12 }));
  });
  body.push(
    `<rect x="${x0}" y="${f.top}" width="${x1 - x0}" height="${y0 - f.top}" fill="none" stroke="#444"/>`,
  );
  const cy = (y0 + f.top) / 2;
  body.push(
    text(18, cy, o.yLabel, {
      'text-anchor': 'middle',
      'font-size': 13,
      transform: `rotate(-90 18 ${num(cy)})`,
    }),
  );
  const lx = x1 + 16;
  o.series.forEach((s, i) => {
    const ly = f.top + 4 + i * 22;
    body.push(
      `<rect x="${lx}" y="${ly}" width="14" height="14" fill="${SERIES_COLORS[i % SERIES_COLORS.length]}"/>`,
    );
    body.push(text(lx + 20, ly + 11, s.name, { 'font-size': 12 }));
  });
  return svgDocument(f.width, f.height, body);
}
