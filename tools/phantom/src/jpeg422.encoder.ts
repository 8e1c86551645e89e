import type { Image8 } from '@ropline/core';
import {
  AC_CHROMA_BITS,
  AC_CHROMA_VALS,
  AC_LUMA_BITS,
  AC_LUMA_VALS,
  CHROMA_QUANT,
  DC_CHROMA_BITS,
  DC_CHROMA_VALS,
  DC_LUMA_BITS,
  DC_LUMA_VALS,
  LUMA_QUANT,
  ZIGZAG,
} from './jpeg-tables.js';

/**
 * A small baseline (SOF0) JPEG encoder for RGB images with 4:2:2 chroma subsampling (Y sampled
 * 2x1, Cb and Cr 1x1: one MCU = 16x8 pixels), JFIF full-range YCbCr, the standard Annex K tables
 * scaled by quality as libjpeg does. jpeg-js only writes 4:4:4, but a DICOM header that says
 * YBR_FULL_422 (the only lossy-JPEG YCbCr value the OP 8-bit IOD allows) promises a
 * horizontally subsampled stream, as RetCam cameras write. Pure arithmetic, so deterministic.
 */
export function encodeJpeg422(img: Image8, quality = 90): Uint8Array {
  if (img.channels !== 3) throw new Error('encodeJpeg422: RGB input expected');
  const { width: W, height: H, data } = img;
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const qtab = (base: number[]) =>
    base.map((b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
  const qY = qtab(LUMA_QUANT);
  const qC = qtab(CHROMA_QUANT);
  const out = new ByteWriter(W * H);
  out.bytes([0xff, 0xd8]);
  // APP0 JFIF 1.01, no thumbnail.
  out.bytes([0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  // DQT: tables 0 (luma) and 1 (chroma), 8-bit, in zig-zag order.
  for (const [id, t] of [
    [0, qY],
    [1, qC],
  ] as const) {
    out.bytes([0xff, 0xdb, 0, 67, id]);
    const zz = new Array<number>(64);
    for (let k = 0; k < 64; k++) zz[ZIGZAG[k]] = t[k];
    out.bytes(zz);
  }
  // SOF0: 8-bit, 3 components; Y 2x1, Cb 1x1, Cr 1x1.
  out.bytes([0xff, 0xc0, 0, 17, 8, H >> 8, H & 255, W >> 8, W & 255, 3, 1, 0x21, 0, 2, 0x11, 1, 3, 0x11, 1]);
  // DHT: DC0, AC0 (luma), DC1, AC1 (chroma).
  for (const [cls, bits, vals] of [
    [0x00, DC_LUMA_BITS, DC_LUMA_VALS],
    [0x10, AC_LUMA_BITS, AC_LUMA_VALS],
    [0x01, DC_CHROMA_BITS, DC_CHROMA_VALS],
    [0x11, AC_CHROMA_BITS, AC_CHROMA_VALS],
  ] as const) {
    const len = 2 + 1 + 16 + vals.length;
    out.bytes([0xff, 0xc4, len >> 8, len & 255, cls, ...bits, ...vals]);
  }
  // SOS: 3 components, Y uses tables 0/0, Cb and Cr 1/1; spectral 0..63, no approximation.
  out.bytes([0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  const dcY = huffman(DC_LUMA_BITS, DC_LUMA_VALS);
  const acY = huffman(AC_LUMA_BITS, AC_LUMA_VALS);
  const dcC = huffman(DC_CHROMA_BITS, DC_CHROMA_VALS);
  const acC = huffman(AC_CHROMA_BITS, AC_CHROMA_VALS);
  const fY = dctScales(qY);
  const fC = dctScales(qC);
  const bw = new BitWriter(out);
  const blockY0 = new Float64Array(64);
  const blockY1 = new Float64Array(64);
  const blockCb = new Float64Array(64);
  const blockCr = new Float64Array(64);
  const coef = new Int32Array(64);
  let predY = 0;
  let predCb = 0;
  let predCr = 0;
  for (let my = 0; my < H; my += 8) {
    for (let mx = 0; mx < W; mx += 16) {
      for (let y = 0; y < 8; y++) {
        const sy = Math.min(H - 1, my + y);
        for (let x = 0; x < 16; x++) {
          const sx = Math.min(W - 1, mx + x);
          const o = (sy * W + sx) * 3;
          const r = data[o];
          const g = data[o + 1];
          const b = data[o + 2];
          const yy = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
          const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
          if (x < 8) blockY0[y * 8 + x] = yy;
          else blockY1[y * 8 + x - 8] = yy;
          const k = y * 8 + (x >> 1);
          if (x & 1) {
            blockCb[k] = (blockCb[k] + cb) / 2;
            blockCr[k] = (blockCr[k] + cr) / 2;
          } else {
            blockCb[k] = cb;
            blockCr[k] = cr;
          }
        }
      }
      predY = encodeBlock(bw, blockY0, fY, coef, predY, dcY, acY);
      predY = encodeBlock(bw, blockY1, fY, coef, predY, dcY, acY);
      predCb = encodeBlock(bw, blockCb, fC, coef, predCb, dcC, acC);
      predCr = encodeBlock(bw, blockCr, fC, coef, predCr, dcC, acC);
    }
  }
  bw.flush();
  out.bytes([0xff, 0xd9]);
  return out.result();
}

class ByteWriter {
  private buf: Uint8Array;
  length = 0;
  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(1024, initial));
  }
  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }
  bytes(bs: readonly number[]): void {
    for (const b of bs) this.byte(b);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class BitWriter {
  private acc = 0;
  private n = 0;
  constructor(private readonly out: ByteWriter) {}
  write(code: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.n === 8) this.emit();
    }
  }
  private emit(): void {
    this.out.byte(this.acc);
    if (this.acc === 0xff) this.out.byte(0);
    this.acc = 0;
    this.n = 0;
  }
  flush(): void {
    // Pad with 1-bits (T.81 F.1.2.3).
    while (this.n !== 0) this.write(1, 1);
  }
}

interface Huff {
  code: Int32Array;
  len: Int32Array;
}

/** Canonical Huffman codes from BITS/HUFFVAL (T.81 Annex C). */
function huffman(bits: readonly number[], vals: readonly number[]): Huff {
  const code = new Int32Array(256);
  const len = new Int32Array(256);
  let c = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let i = 0; i < bits[l - 1]; i++) {
      code[vals[k]] = c++;
      len[vals[k]] = l;
      k++;
    }
    c <<= 1;
  }
  return { code, len };
}

const COS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++)
    for (let u = 0; u < 8; u++)
      t[x * 8 + u] = Math.cos(((2 * x + 1) * u * Math.PI) / 16) * (u === 0 ? Math.SQRT1_2 : 1);
  return t;
})();

/** 1 / (quantiser * 4): the orthonormal-ish DCT below is scaled by 1/4 per T.81 A.3.3. */
function dctScales(q: number[]): Float64Array {
  const f = new Float64Array(64);
  for (let k = 0; k < 64; k++) f[k] = 1 / (q[k] * 4);
  return f;
}

const tmp = new Float64Array(64);

function encodeBlock(
  bw: BitWriter,
  block: Float64Array,
  scale: Float64Array,
  coef: Int32Array,
  pred: number,
  dc: Huff,
  ac: Huff,
): number {
  // Separable 2-D forward DCT: rows then columns.
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += block[y * 8 + x] * COS[x * 8 + u];
      tmp[y * 8 + u] = s;
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let y = 0; y < 8; y++) s += tmp[y * 8 + u] * COS[y * 8 + v];
      const k = v * 8 + u;
      coef[ZIGZAG[k]] = Math.round(s * scale[k]);
    }
  }
  const diff = coef[0] - pred;
  writeValue(bw, dc, 0, diff);
  let run = 0;
  let last = 63;
  while (last > 0 && coef[last] === 0) last--;
  for (let i = 1; i <= last; i++) {
    const v = coef[i];
    if (v === 0) {
      run++;
      continue;
    }
    while (run >= 16) {
      bw.write(ac.code[0xf0], ac.len[0xf0]);
      run -= 16;
    }
    writeValue(bw, ac, run << 4, v);
    run = 0;
  }
  if (last < 63) bw.write(ac.code[0], ac.len[0]);
  return coef[0];
}

/** Huffman symbol (run << 4 | size) then `size` extra bits (T.81 F.1.2.1). */
function writeValue(bw: BitWriter, h: Huff, runBits: number, v: number): void {
  const a = Math.abs(v);
  let size = 0;
  while (a >> size) size++;
  const sym = runBits | size;
  bw.write(h.code[sym], h.len[sym]);
  if (size) bw.write(v < 0 ? v + (1 << size) - 1 : v, size);
}
