import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { ModelsWasm } from './models-wasm.js';

/** Conv geometry shared by ROPline's conv kernels, and the zero-padded input copy they run on. */

export type ConvInfo = backend_util.Conv2DInfo;

/** tfjs's conv geometry for an NHWC/NCHW input shape, filter and conv attributes. */
export function convInfo(
  xShape: number[],
  filter: TensorInfo,
  attrs: { strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown; dilations?: unknown },
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): ConvInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
}

/** Where and how `copyPadded` places an NHWC tensor: rows `hp` x `wp`, channels `cp`, offsets `top`/`left`. */
export interface PaddedLayout {
  hp: number;
  wp: number;
  cp: number;
  top: number;
  left: number;
}

/**
 * Copies `src` [B, H, W, C] into the kernel arena at `dst` as [B, hp, wp, cp] with zeros around
 * (pixel (y, x) lands at (y + top, x + left); channels C..cp are zero). `srcScratch` is arena room
 * for B*H*W*C floats, used only when channels are padded (the strided copy runs in wasm).
 */
export function copyPadded(
  k: ModelsWasm,
  dst: number,
  srcScratch: number,
  src: Float32Array,
  [b, h, w, c]: number[],
  { hp, wp, cp, top, left }: PaddedLayout,
): void {
  const out = k.f32(dst, b * hp * wp * cp);
  if (hp === h && wp === w && cp === c) {
    out.set(src);
    return;
  }
  out.fill(0);
  if (cp !== c) k.f32(srcScratch, src.length).set(src);
  const row = w * c;
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < h; y++) {
      const s = (n * h + y) * row;
      const d = ((n * hp + y + top) * wp + left) * cp;
      if (cp === c) out.set(src.subarray(s, s + row), d);
      else k.fn.strided_copy_f32(dst + 4 * d, cp, srcScratch + 4 * s, c, c, w);
    }
  }
}
