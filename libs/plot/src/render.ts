import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';

/** resvg with the system fonts; DejaVu Sans is the default (Debian fonts-dejavu-core). */
function resvg(svg: string, width?: number): Resvg {
  return new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    ...(width ? { fitTo: { mode: 'width' as const, value: width } } : {}),
  });
}

/** SVG -> PNG bytes; `width` scales the chart (keeping its aspect ratio), default its own size. */
export function renderPng(svg: string, options: { width?: number } = {}): Buffer {
  return resvg(svg, options.width).render().asPng();
}

/** SVG -> RGBA pixels (row-major, 4 bytes per pixel), for tests and image checks. */
export function renderPixels(
  svg: string,
  options: { width?: number } = {},
): { width: number; height: number; data: Uint8Array } {
  const img = resvg(svg, options.width).render();
  return { width: img.width, height: img.height, data: new Uint8Array(img.pixels) };
}

/** Renders and writes a PNG atomically: a temp file in the same folder, then rename. */
export async function writeChartPng(
  file: string,
  svg: string,
  options: { width?: number } = {},
): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, renderPng(svg, options));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
