import type { PreprocessConfig } from '@ropline/preprocess';

/** The ROP stages the models distinguish; 'none' = no ROP / no line found. Order is ordinal. */
export const DEFAULT_STAGE_CLASSES = ['stage1', 'stage2', 'stage3'] as const;

export type ModelKind = 'segmenter' | 'classifier';

/** Who made a result: copied into every prediction, SC and SR (ContributingEquipmentSequence). */
export interface ModelRef {
  kind: ModelKind;
  name: string;
  version: string;
}

/** What a loaded model is; mirrors the artifact manifest (see artifacts/). */
export interface ModelInfo extends ModelRef {
  /** Class labels in output order. Binary segmenter: ['line']; multi-class: ['stage1', ...]. */
  classes: string[];
  /** Model input in pixels (width = height for the paper's 299 x 299). */
  inputSize: { width: number; height: number };
  /** 1 (classifier-only / segmenter), 2 (hybrid: image + mask), 3 (RGB). */
  inputChannels: number;
  /** The exact preprocessing the model was trained with. */
  preprocessing: PreprocessConfig;
}
