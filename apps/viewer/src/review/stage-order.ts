/** Stages at or above this one need a clinician's attention first (ICROP: stage 2 ridge). */
export const ATTENTION_STAGE = 'stage2';

/**
 * Classes of an analysis, in the classifier's order (jsonb keeps stage0..stageN in insertion
 * order): the keys of any ok prediction's probabilities.
 */
export function classesOf(probabilities: unknown): string[] {
  return probabilities && typeof probabilities === 'object' ? Object.keys(probabilities) : [];
}

/** Severity rank of a stage among the classes; `indeterminate` and unknown labels rank -1. */
export const rankOf = (stage: string | null | undefined, classes: readonly string[]): number =>
  stage ? classes.indexOf(stage) : -1;
