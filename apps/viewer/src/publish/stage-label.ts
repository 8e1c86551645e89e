import type { StageLabel } from '@ropline/dicom';

/**
 * The classifier's labels (stage0..stage3, from the model's classes) as the SR's stage vocabulary:
 * stage0 is "no ROP"; anything the SR cannot code (unknown labels, 'indeterminate') is indeterminate.
 */
export function toStageLabel(stage: string | null | undefined): StageLabel {
  if (stage === 'stage0' || stage === 'none') return 'none';
  if (stage === 'stage1' || stage === 'stage2' || stage === 'stage3') return stage;
  return 'indeterminate';
}
