/**
 * The paper's published test results (section IV), for side-by-side display only: they were
 * measured on the authors' clinical images (Table I: 350 / 398 / 360 augmented test images of
 * stages 1 / 2 / 3), not on ROPline's data. Confusion matrices are rows = true stage, columns =
 * predicted stage (the paper's reading, checked: each row sums to its Table I test count).
 */
export interface PaperArm {
  title: string;
  table: string;
  /** Column labels; 'stage0' is the segmentation model's "ROP-free" (no line found). */
  labels: string[];
  /** Row labels (true stages). */
  rows: string[];
  confusion: number[][];
  /** Table II as printed (two decimals). */
  perClass: Record<string, { precision: number; recall: number; f1: number }>;
  accuracy: number;
}

export const PAPER_REFERENCE: Record<'hybrid' | 'classifier-only' | 'segmentation-only', PaperArm> = {
  hybrid: {
    title: 'Hybrid',
    table: 'Tables II, III',
    labels: ['stage1', 'stage2', 'stage3'],
    rows: ['stage1', 'stage2', 'stage3'],
    confusion: [
      [271, 56, 23],
      [39, 245, 114],
      [37, 98, 225],
    ],
    perClass: {
      stage1: { precision: 0.78, recall: 0.77, f1: 0.78 },
      stage2: { precision: 0.61, recall: 0.62, f1: 0.61 },
      stage3: { precision: 0.62, recall: 0.62, f1: 0.62 },
    },
    accuracy: 0.67,
  },
  'classifier-only': {
    title: 'Classifier-only',
    table: 'Tables II, IV',
    labels: ['stage1', 'stage2', 'stage3'],
    rows: ['stage1', 'stage2', 'stage3'],
    confusion: [
      [127, 186, 37],
      [1, 342, 55],
      [1, 229, 130],
    ],
    perClass: {
      stage1: { precision: 0.98, recall: 0.36, f1: 0.53 },
      stage2: { precision: 0.45, recall: 0.86, f1: 0.59 },
      stage3: { precision: 0.59, recall: 0.36, f1: 0.45 },
    },
    accuracy: 0.54,
  },
  'segmentation-only': {
    title: 'Object segmentation',
    table: 'Tables II, V',
    labels: ['stage0', 'stage1', 'stage2', 'stage3'],
    rows: ['stage1', 'stage2', 'stage3'],
    confusion: [
      [31, 18, 234, 67],
      [20, 8, 240, 130],
      [26, 4, 68, 262],
    ],
    perClass: {
      stage1: { precision: 0.6, recall: 0.05, f1: 0.09 },
      stage2: { precision: 0.44, recall: 0.6, f1: 0.51 },
      stage3: { precision: 0.57, recall: 0.73, f1: 0.64 },
    },
    accuracy: 0.47,
  },
};

/** The hybrid's single-class segmenter, Fig. 5: AP at IoU 0.5 (Mask R-CNN, Cartucho/mAP script). */
export const PAPER_LINE_AP = 0.5109;
