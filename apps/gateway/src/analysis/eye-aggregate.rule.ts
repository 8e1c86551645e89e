/** What the per-eye rule needs of one analysed image. */
export interface EyeEvidence {
  id: string;
  laterality: string;
  /** null when the image failed (decode or inference error). */
  stage: string | null;
  confidence: number | null;
  /** Class labels in the model's output order (ordinal: later = more severe). */
  classes: string[];
}

export interface EyeAggregate {
  laterality: string;
  stage: string;
  confidence: number | null;
  evidenceId: string | null;
  /** Images of this eye that were analysed without error. */
  imageCount: number;
}

export const INDETERMINATE = 'indeterminate';

/** Ordinal rank: position in the class list; 'none' (no line found) below every class. */
function rank(stage: string, classes: string[]): number {
  return stage === 'none' ? -1 : classes.indexOf(stage);
}

/** ImageLaterality R or L; anything else (B, U, absent) is grouped as U. */
export function eyeOf(laterality: string | null | undefined): 'R' | 'L' | 'U' {
  return laterality === 'R' || laterality === 'L' ? laterality : 'U';
}

/**
 * Per-eye stage: among the eye's images whose predicted stage has probability >= minConfidence,
 * the most severe stage; its most confident image is the evidence. No such image ->
 * 'indeterminate'. Eyes are R, L, then U, each listed once when it has any image.
 */
export function aggregateEyes(images: EyeEvidence[], minConfidence: number): EyeAggregate[] {
  const out: EyeAggregate[] = [];
  for (const eye of ['R', 'L', 'U']) {
    const mine = images.filter((i) => eyeOf(i.laterality) === eye);
    if (mine.length === 0) continue;
    const ok = mine.filter((i) => i.stage !== null && i.confidence !== null);
    let best: EyeEvidence | null = null;
    for (const i of ok) {
      if (i.confidence! < minConfidence) continue;
      const r = rank(i.stage!, i.classes);
      const b = best ? rank(best.stage!, best.classes) : -2;
      if (r > b || (r === b && i.confidence! > best!.confidence!)) best = i;
    }
    out.push({
      laterality: eye,
      stage: best?.stage ?? INDETERMINATE,
      confidence: best?.confidence ?? null,
      evidenceId: best?.id ?? null,
      imageCount: ok.length,
    });
  }
  return out;
}
