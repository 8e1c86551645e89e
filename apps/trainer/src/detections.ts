import type { Image8 } from '@ropline/core';
import { labelComponents } from '@ropline/models';

/**
 * Line instances for detection AP (paper Fig. 5): 8-connected components of a probability map above
 * the pixel threshold (every component, whatever its confidence: the PR curve sweeps the confidence),
 * or of a ground-truth mask. Boxes are inclusive pixel corners [left, top, right, bottom] as in the
 * Cartucho/mAP text format; each instance also carries its own pixel mask for mask IoU.
 */
export interface LineInstance {
  box: [number, number, number, number];
  mask: { width: number; height: number; data: Uint8Array };
  confidence: number;
}

function instancesOf(
  width: number,
  height: number,
  isOn: (i: number) => boolean,
  confidenceAt: (i: number) => number,
): LineInstance[] {
  const { labels, components } = labelComponents(width, height, isOn);
  return components.map((c) => {
    const data = new Uint8Array(width * height);
    let sum = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === c.id) {
        data[i] = 1;
        sum += confidenceAt(i);
      }
    }
    return {
      box: [c.minX, c.minY, c.maxX, c.maxY],
      mask: { width, height, data },
      confidence: sum / c.areaPx,
    };
  });
}

export function predictedLines(
  probability: Float32Array,
  width: number,
  height: number,
  pixelThreshold = 0.5,
): LineInstance[] {
  return instancesOf(
    width,
    height,
    (i) => probability[i] > pixelThreshold,
    (i) => probability[i],
  );
}

export function truthLines(mask: Image8): LineInstance[] {
  return instancesOf(
    mask.width,
    mask.height,
    (i) => mask.data[i] !== 0,
    () => 1,
  );
}
