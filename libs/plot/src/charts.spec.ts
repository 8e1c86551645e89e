import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { barChart, confusionMatrixChart, lineChart, prCurveChart } from './charts.js';
import { renderPixels, renderPng, writeChartPng } from './render.js';
import { escapeXml, niceTicks, viridis } from './svg.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rop-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parse-level check: one root <svg>, every tag closed in order, no raw "<" or "&" in text. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  const tags = svg.match(/<[^>]*>/g) ?? [];
  for (const tag of tags) {
    const name = /^<\/?([a-zA-Z]+)/.exec(tag)?.[1];
    expect(name, tag).toBeTruthy();
    if (tag.startsWith('</')) expect(stack.pop()).toBe(name);
    else if (!tag.endsWith('/>')) stack.push(name as string);
  }
  expect(stack).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const textOnly = svg.replace(/<[^>]*>/g, '');
  expect(textOnly).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
}

function pngSize(png: Buffer): [number, number] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

const line = lineChart({
  title: 'Loss <train> & "val"',
  xLabel: 'Epoch',
  yLabel: 'Loss',
  series: [
    {
      name: 'train',
      points: [
        [1, 1],
        [2, 0.6],
        [3, 0.4],
      ],
    },
    {
      name: 'val',
      points: [
        [1, 1.1],
        [2, NaN],
        [3, 0.5],
      ],
    },
  ],
});

describe('helpers', () => {
  it('escapes XML text', () => expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;'));
  it.each([
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.13, 0.87, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [1, 27, [0, 10, 20, 30]], // 26 / 5 = 5.2 -> step 10
  ])('nice ticks for [%s, %s]', (lo, hi, ticks) => expect(niceTicks(lo, hi, 5).ticks).toEqual(ticks));
  it('samples viridis at its ends', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
  });
});

describe('charts', () => {
  const pr = prCurveChart({
    title: 'PR',
    curves: [{ name: 'stage 1', precision: [1, 0.5, 2 / 3], recall: [1 / 3, 1 / 3, 2 / 3], ap: 0.556 }],
  });
  const bars = barChart({
    title: 'F1',
    yLabel: 'F1',
    categories: ['normal', 'stage 1'],
    series: [
      { name: 'A', values: [0.9, 0.7] },
      { name: 'B', values: [0.95, 0.8] },
    ],
  });
  const cm = confusionMatrixChart({
    title: 'CM',
    labels: ['0', '1'],
    matrix: [
      [9, 1],
      [0, 5],
    ],
    cell: 60,
  });

  it.each([
    ['line', line],
    ['pr', pr],
    ['bar', bars],
    ['confusion', cm],
  ])('%s chart is well-formed SVG', (_name, svg) => expectWellFormed(svg));

  it('escapes the title and shows AP in the PR legend', () => {
    expect(line).toContain('Loss &lt;train&gt; &amp; &quot;val&quot;');
    expect(pr).toContain('stage 1 (AP 0.556)');
  });

  it('renders a PNG of the chart size, deterministically', () => {
    const a = renderPng(line);
    expect(pngSize(a)).toEqual([800, 460]);
    expect(renderPng(line).equals(a)).toBe(true);
    expect(pngSize(renderPng(line, { width: 400 }))).toEqual([400, 230]);
  });

  it('colours heat-map cells with viridis and picks a readable count colour', () => {
    // Layout: left 110, top 70, cell 60. Cell (0,0) = max count -> viridis(1); (1,0) = 0 -> viridis(0).
    const px = renderPixels(cm);
    const at = (x: number, y: number) => [
      ...px.data.subarray((y * px.width + x) * 4, (y * px.width + x) * 4 + 3),
    ];
    expect(at(110 + 5, 70 + 5)).toEqual([253, 231, 37]);
    expect(at(110 + 5, 70 + 60 + 5)).toEqual([68, 1, 84]);
    expect(cm).toMatch(/fill="#000000"[^>]*>9</); // dark text on yellow
    expect(cm).toMatch(/fill="#ffffff"[^>]*>0</); // light text on purple
  });

  it('rejects malformed input', () => {
    expect(() => lineChart({ title: '', xLabel: '', yLabel: '', series: [] })).toThrow(/no series/);
    expect(() => confusionMatrixChart({ title: '', labels: ['a'], matrix: [[1, 2]] })).toThrow(
      /labels x labels/,
    );
    expect(() =>
      barChart({ title: '', yLabel: '', categories: ['a'], series: [{ name: 'x', values: [] }] }),
    ).toThrow();
  });

  it('writes the PNG atomically (no temp file left)', async () => {
    const file = path.join(dir, 'cm.png');
    await writeChartPng(file, cm);
    expect(pngSize(readFileSync(file))).toEqual([110 + 120 + 110, 70 + 120 + 70]);
    expect(readdirSync(dir)).toEqual(['cm.png']);
  });
});
