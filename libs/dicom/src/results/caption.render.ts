import { escapeXml, renderPixels } from '@ropline/plot';
import type { CaptionFacts, StageLabel } from './results.types.js';

export const DISCLAIMER = 'AI result \u2014 not for diagnostic use';

const STAGE_TEXT: Record<StageLabel, string> = {
  none: 'No ROP',
  stage1: 'ROP stage 1',
  stage2: 'ROP stage 2',
  stage3: 'ROP stage 3',
  indeterminate: 'ROP stage indeterminate',
};

/** The two caption lines (also used as the SC's DerivationDescription-adjacent text in tests). */
export function captionLines(c: CaptionFacts): [string, string] {
  const eye =
    c.laterality === 'R' ? 'OD (right eye)' : c.laterality === 'L' ? 'OS (left eye)' : 'eye unknown';
  const pct = `${Math.round(Math.min(1, Math.max(0, c.confidence)) * 100)}%`;
  return [
    `${STAGE_TEXT[c.stage]} \u00b7 confidence ${pct} \u00b7 ${eye}`,
    `${c.model.name} ${c.model.version} \u00b7 ${DISCLAIMER}`,
  ];
}

/** Band height for an image `columns` wide: two text lines at a size that scales with the width. */
export function captionGeometry(columns: number): { height: number; fontSize: number } {
  const fontSize = Math.max(11, Math.min(36, Math.round(columns / 42)));
  return { fontSize, height: Math.ceil(fontSize * 3.4) };
}

/**
 * Renders the caption band (white DejaVu Sans on black, via resvg) as RGB, columns x height.
 * Text is shrunk to fit the width (textLength) so nothing is clipped on narrow images.
 */
export function renderCaption(c: CaptionFacts, columns: number): { rgb: Uint8Array; height: number } {
  const { fontSize, height } = captionGeometry(columns);
  const [line1, line2] = captionLines(c);
  const pad = Math.round(fontSize * 0.5);
  const fit = (text: string) => {
    const estimate = text.length * fontSize * 0.6; // DejaVu Sans average advance ~0.6 em
    return estimate > columns - 2 * pad
      ? ` textLength="${columns - 2 * pad}" lengthAdjust="spacingAndGlyphs"`
      : '';
  };
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${columns}" height="${height}" viewBox="0 0 ${columns} ${height}">` +
    `<rect width="${columns}" height="${height}" fill="#000000"/>` +
    `<text x="${pad}" y="${Math.round(fontSize * 1.3)}" font-family="DejaVu Sans" font-size="${fontSize}" font-weight="bold" fill="#ffffff"${fit(line1)}>${escapeXml(line1)}</text>` +
    `<text x="${pad}" y="${Math.round(fontSize * 2.8)}" font-family="DejaVu Sans" font-size="${fontSize}" fill="#ffffff"${fit(line2)}>${escapeXml(line2)}</text>` +
    `</svg>`;
  const img = renderPixels(svg);
  if (img.width !== columns || img.height !== height)
    throw new Error('caption rendered at an unexpected size');
  const rgb = new Uint8Array(columns * height * 3);
  for (let i = 0, j = 0; i < img.data.length; i += 4, j += 3) {
    rgb[j] = img.data[i];
    rgb[j + 1] = img.data[i + 1];
    rgb[j + 2] = img.data[i + 2];
  }
  return { rgb, height };
}
