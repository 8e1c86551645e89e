import type { PluginManifest } from '@ropline/core';
import type { PixelModule } from '../pixel/pixel-module.js';

/** What a codec needs to know about the frame it decodes (from the Image Pixel Module). */
export interface FrameInfo extends Pick<
  PixelModule,
  | 'rows'
  | 'columns'
  | 'samplesPerPixel'
  | 'bitsAllocated'
  | 'bitsStored'
  | 'highBit'
  | 'pixelRepresentation'
  | 'planarConfiguration'
  | 'photometric'
> {
  transferSyntaxUid: string;
  /** Native pixel data only: the byte order and VR it was stored with. */
  littleEndian: boolean;
  vr?: string;
}

export type Samples = Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/**
 * A decoded frame before rendering: stored values in the low `bitsStored` bits of each sample (not
 * yet masked nor sign-extended; that is the renderer's job, identical for every codec).
 */
export interface DecodedFrame {
  samples: Samples;
  width: number;
  height: number;
  components: number;
  /** Components stored plane after plane (R..., G..., B...) rather than interleaved. */
  planar: boolean;
  /**
   * 'RGB' when the codec already produced RGB whatever the header says (libjpeg-turbo converts
   * YCbCr JPEG to RGB; openjpeg inverts the J2K multi-component transform). Absent: the samples are
   * in the header's Photometric Interpretation and the renderer converts them.
   */
  colorSpace?: 'RGB';
  /** The samples are a view on the caller's input bytes: the renderer must copy before converting. */
  aliasesInput?: boolean;
}

export interface FrameDecoder {
  decode(frame: Uint8Array, info: FrameInfo): DecodedFrame | Promise<DecodedFrame>;
}

/**
 * A pixel decoder plugin: `create` loads its codec (wasm modules load here, lazily, once per
 * registry). `transferSyntaxUids` says which syntaxes it handles; the first manifest in the list
 * that names a syntax wins, so an app can put an alternative ahead of the defaults.
 */
export interface DecoderManifest<C = Record<string, never>> extends PluginManifest<C, FrameDecoder> {
  kind: 'decoder';
  transferSyntaxUids: readonly string[];
}
