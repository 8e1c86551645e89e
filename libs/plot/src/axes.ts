import { niceTicks, num, scale, text, tickLabel } from './svg.js';

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Axes {
  x: (v: number) => number;
  y: (v: number) => number;
  svg: string[];
}

/** Title, grid, ticks and axis labels for an x/y plot; returns the data -> pixel maps. */
export function drawAxes(
  f: Frame,
  opts: {
    title: string;
    xLabel: string;
    yLabel: string;
    xDomain: [number, number];
    yDomain: [number, number];
  },
): Axes {
  const xt = niceTicks(opts.xDomain[0], opts.xDomain[1], 6);
  const yt = niceTicks(opts.yDomain[0], opts.yDomain[1], 5);
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  const x = scale(xt.min, xt.max, x0, x1);
  const y = scale(yt.min, yt.max, y0, y1);
  const svg: string[] = [
    text(f.width / 2, 28, opts.title, { 'font-size': 16, 'font-weight': 'bold', 'text-anchor': 'middle' }),
  ];
  for (const t of yt.ticks) {
    svg.push(
      `<line x1="${x0}" y1="${num(y(t))}" x2="${x1}" y2="${num(y(t))}" stroke="#e5e5e5" stroke-width="1"/>`,
    );
    svg.push(text(x0 - 8, y(t) + 4, tickLabel(t), { 'text-anchor': 'end', 'font-size': 11 }));
  }
  for (const t of xt.ticks) {
    svg.push(
      `<line x1="${num(x(t))}" y1="${y1}" x2="${num(x(t))}" y2="${y0}" stroke="#f0f0f0" stroke-width="1"/>`,
    );
    svg.push(`<line x1="${num(x(t))}" y1="${y0}" x2="${num(x(t))}" y2="${y0 + 5}" stroke="#444"/>`);
    svg.push(text(x(t), y0 + 19, tickLabel(t), { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  svg.push(
    `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#444" stroke-width="1"/>`,
  );
  svg.push(text((x0 + x1) / 2, f.height - 14, opts.xLabel, { 'text-anchor': 'middle', 'font-size': 13 }));
  const cy = (y0 + y1) / 2;
  svg.push(
    text(18, cy, opts.yLabel, {
      'text-anchor': 'middle',
      'font-size': 13,
      transform: `rotate(-90 18 ${num(cy)})`,
    }),
  );
  return { x, y, svg };
}

/** Legend at the right of the plot: a swatch line and a name per entry. */
export function drawLegend(f: Frame, entries: { name: string; color: string; dash?: string }[]): string[] {
  const lx = f.width - f.right + 16;
  return entries.flatMap((e, i) => {
    const ly = f.top + 10 + i * 22;
    const dash = e.dash ? ` stroke-dasharray="${e.dash}"` : '';
    return [
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${e.color}" stroke-width="3"${dash}/>`,
      text(lx + 30, ly + 4, clipLabel(e.name, 28), { 'font-size': 12 }),
    ];
  });
}

/** Long legend names end in an ellipsis instead of running off the image. */
export function clipLabel(name: string, max: number): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}
