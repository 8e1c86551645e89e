import { describe, expect, it } from 'vitest';
import type { Image8 } from '@ropline/core';
import { fundusLikeGeometry, makeFundusLike } from '@ropline/testing';
import { fieldOfView } from './field-of-view.op.js';

/** A gray disc of value `v` on black, optionally with dark lines and a far-away speck. */
function disc(width: number, height: number, cx: number, cy: number, r: number, v = 150): Image8 {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) data[y * width + x] = v;
    }
  }
  return { data, width, height, channels: 1 };
}

function iou(mask: Image8, truth: (x: number, y: number) => boolean): number {
  let inter = 0;
  let union = 0;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      const a = mask.data[y * mask.width + x] !== 0;
      const b = truth(x + 0.5, y + 0.5);
      if (a && b) inter++;
      if (a || b) union++;
    }
  }
  return inter / union;
}

describe('fieldOfView', () => {
  it('finds a bright disc on black (0/255 mask)', () => {
    const img = disc(64, 48, 32, 24, 20);
    const m = fieldOfView(img);
    expect([m.width, m.height, m.channels]).toEqual([64, 48, 1]);
    expect(new Set(m.data)).toEqual(new Set([0, 255]));
    expect(m.data[24 * 64 + 32]).toBe(255);
    expect(m.data[0]).toBe(0);
    expect(iou(m, (x, y) => (x - 32) ** 2 + (y - 24) ** 2 <= 400)).toBeGreaterThan(0.97);
  });

  it('fills dark vessels and a dark periphery inside the aperture, ignores specks outside', () => {
    const img = disc(200, 160, 100, 80, 70);
    for (let x = 40; x < 160; x++) for (let t = 0; t < 4; t++) img.data[(80 + t) * 200 + x] = 3; // dark vessel
    for (let y = 0; y < 160; y++) {
      for (let x = 0; x < 200; x++) {
        const d = Math.hypot(x + 0.5 - 100, y + 0.5 - 80);
        if (d > 60 && d <= 70 && x < 100) img.data[y * 200 + x] = 10; // dark left rim, above black
      }
    }
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) img.data[y * 200 + x] = 255; // label speck
    const m = fieldOfView(img);
    expect(m.data[81 * 200 + 100]).toBe(255);
    expect(m.data[3 * 200 + 3]).toBe(0);
    expect(iou(m, (x, y) => (x - 100) ** 2 + (y - 80) ** 2 <= 4900)).toBeGreaterThan(0.95);
  });

  it('follows an aperture clipped by the frame (RetCam 4:3 frames)', () => {
    const img = disc(160, 120, 80, 60, 70);
    const m = fieldOfView(img);
    expect(m.data[0 * 160 + 80]).toBe(255); // top centre row is inside the clipped circle
    expect(m.data[0]).toBe(0);
    expect(iou(m, (x, y) => (x - 80) ** 2 + (y - 60) ** 2 <= 4900)).toBeGreaterThan(0.97);
  });

  it('matches the synthetic fundus geometry on RGB input', () => {
    const img = makeFundusLike(400, 300, 5);
    const { cx, cy, radius } = fundusLikeGeometry(400, 300, 5);
    expect(iou(fieldOfView(img), (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius)).toBeGreaterThan(
      0.97,
    );
  });

  it('returns an empty mask for a black image and works on 1xN / Nx1', () => {
    expect(fieldOfView(disc(30, 20, 0, 0, 0)).data.every((v) => v === 0)).toBe(true);
    const row: Image8 = { data: Uint8Array.from([0, 0, 200, 200, 200, 0]), width: 6, height: 1, channels: 1 };
    expect(Array.from(fieldOfView(row).data)).toEqual([0, 0, 255, 255, 255, 0]);
    const col: Image8 = { data: Uint8Array.from([200, 200, 0]), width: 1, height: 3, channels: 1 };
    expect(Array.from(fieldOfView(col).data)).toEqual([255, 255, 0]);
  });
});
