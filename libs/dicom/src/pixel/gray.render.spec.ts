import { describe, expect, it } from 'vitest';
import type { Samples } from '../decoders/decoder.types.js';
import { renderGray, voiFn } from './gray.render.js';
import type { PixelModule } from './pixel-module.js';

function pm(over: Partial<PixelModule>): PixelModule {
  return {
    rows: 1,
    columns: 1,
    samplesPerPixel: 1,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    photometric: 'MONOCHROME2',
    frames: 1,
    ...over,
  };
}

function render(samples: Samples, over: Partial<PixelModule>): number[] {
  return Array.from(renderGray(samples, pm(over), new Uint8Array(samples.length)));
}

describe('renderGray (hand-computed expectations)', () => {
  it.each([
    [
      '8-bit unsigned is kept as is',
      new Uint8Array([0, 1, 128, 255]),
      { bitsAllocated: 8, bitsStored: 8 },
      [0, 1, 128, 255],
    ],
    [
      '1-bit maps 0/1 to 0/255',
      new Uint8Array([0, 1, 1, 0]),
      { bitsAllocated: 1, bitsStored: 1 },
      [0, 255, 255, 0],
    ],
    [
      'MONOCHROME1 inverts',
      new Uint8Array([0, 255, 55]),
      { bitsAllocated: 8, bitsStored: 8, photometric: 'MONOCHROME1' },
      [255, 0, 200],
    ],
    // 12 of 16 bits, garbage in the unused high bits is masked off; min-max: 2048*255/4095 = 127.53
    [
      'BitsStored 12 masks high bits',
      new Uint16Array([0xf000, 0xa800, 0x0fff]),
      { bitsStored: 12, highBit: 11 },
      [0, 128, 255],
    ],
    // raw 12-bit two's complement -> -2048, -1, 2047; (-1 + 2048) * 255 / 4095 = 127.47
    [
      'signed 12-bit sign-extends',
      new Uint16Array([0x0800, 0x0fff, 0x07ff]),
      { bitsStored: 12, highBit: 11, pixelRepresentation: 1 },
      [0, 127, 255],
    ],
    [
      'codec output already sign-extended',
      new Int16Array([-2048, -1, 2047]),
      { bitsStored: 12, highBit: 11, pixelRepresentation: 1 },
      [0, 127, 255],
    ],
    [
      'signed 16-bit min-max',
      new Int16Array([-1000, 0, 1000, 3000]),
      { pixelRepresentation: 1 },
      [0, 64, 128, 255],
    ],
    ['constant frame gives 0', new Uint16Array([1000, 1000]), {}, [0, 0]],
    // slope -1: modality 0 and -100; the minimum (-100, stored 100) is black
    ['negative slope flips', new Uint16Array([0, 100]), { rescale: { slope: -1, intercept: 0 } }, [255, 0]],
    // modality -100, 0, 100; LINEAR c=0 w=101: bounds -50.5 / 49.5; 0 -> (0.5/100 + 0.5) * 255 = 128.78
    [
      'rescale then LINEAR window',
      new Uint16Array([0, 50, 100]),
      { rescale: { slope: 2, intercept: -100 }, window: { center: 0, width: 101, fn: 'LINEAR' } },
      [0, 129, 255],
    ],
    // CT-like: modality -1024, -24, 976; c=40 w=400: -24 -> ((-24 - 39.5) / 399 + 0.5) * 255 = 86.92
    [
      'CT window',
      new Uint16Array([0, 1000, 2000]),
      { rescale: { slope: 1, intercept: -1024 }, window: { center: 40, width: 400, fn: 'LINEAR' } },
      [0, 87, 255],
    ],
    // c=2048 w=4096: lower bound 0 (inclusive -> 0); 2048 -> (0.5/4095 + 0.5) * 255 = 127.53; 4095 -> 255
    [
      '12-bit window',
      new Uint16Array([0, 2048, 4095]),
      { bitsStored: 12, highBit: 11, window: { center: 2048, width: 4096, fn: 'LINEAR' } },
      [0, 128, 255],
    ],
    [
      'MONOCHROME1 with window',
      new Uint16Array([0, 4095]),
      {
        bitsStored: 12,
        highBit: 11,
        photometric: 'MONOCHROME1',
        window: { center: 2048, width: 4096, fn: 'LINEAR' },
      },
      [255, 0],
    ],
    // 2^31 * 255 / (2^32 - 1) = 127.50000003
    [
      '32-bit unsigned min-max',
      new Uint32Array([0, 2 ** 31, 2 ** 32 - 1]),
      { bitsAllocated: 32, bitsStored: 32, highBit: 31 },
      [0, 128, 255],
    ],
  ] as const)('%s', (_name, samples, over, expected) => {
    expect(render(samples as Samples, over as Partial<PixelModule>)).toEqual(expected);
  });

  it.each([
    // LINEAR_EXACT c=50 w=100: x <= 0 -> 0; 50 -> 127.5 -> 128; 75 -> 191.25; 100 -> 255
    ['LINEAR_EXACT', 50, 100, [0, 50, 75, 100], [0, 128, 191, 255]],
    // SIGMOID: 255 / (1 + exp(-4 (x - c) / w)); at c -> 127.5 -> 128; c + w -> 255 / (1 + e^-4) = 250.33
    ['SIGMOID', 50, 100, [50, 150], [128, 250]],
    // LINEAR width 1 is a threshold at c - 0.5
    ['LINEAR', 10, 1, [9, 9.5, 10], [0, 0, 255]],
  ] as const)('VOI %s', (fn, c, w, xs, expected) => {
    const f = voiFn(c, w, fn);
    expect(xs.map((x) => f(x))).toEqual(expected);
  });
});
