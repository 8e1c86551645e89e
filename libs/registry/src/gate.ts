import { RopError } from '@ropline/core';
import { z } from 'zod';
import type { GateResult, PromotionGate, RegisteredModel } from './model-registry.js';

/**
 * Held-out comparison a retrained candidate is registered with (`rop retrain`): the candidate and
 * the version it would replace, both scored by the same evaluation on the same held-out items.
 * Stored in the registry row's `metrics` (beside the components' own training metrics).
 */
const metricSchema = z.object({
  estimate: z.number(),
  lower: z.number(),
  upper: z.number(),
});
export type MetricWithCi = z.output<typeof metricSchema>;

const evaluationSchema = z.object({
  pipeline: z.object({ name: z.string(), version: z.string() }),
  /** Fingerprint of the held-out set this was measured on (must equal `heldOut.fingerprint`). */
  heldOut: z.string().min(1),
  accuracy: metricSchema,
  macroF1: metricSchema,
  kappaQuadratic: metricSchema,
  lineDice: metricSchema.nullable(),
});
export type HeldOutEvaluation = z.output<typeof evaluationSchema>;

const heldOutSchema = z.object({
  datasetHash: z.string().min(1),
  split: z.string(),
  stages: z.array(z.number().int()),
  /** Item ids (originals only), sorted. */
  items: z.array(z.string()).min(1),
  infants: z.array(z.string()),
  fingerprint: z.string().min(1),
  bootstrap: z.object({ iterations: z.number().int(), seed: z.number().int() }),
});
export type HeldOutSet = z.output<typeof heldOutSchema>;

export const retrainMetricsSchema = z.object({
  candidate: evaluationSchema,
  active: evaluationSchema,
  heldOut: heldOutSchema,
});
export type RetrainMetrics = z.output<typeof retrainMetricsSchema>;

export interface MetricGateOptions {
  /** The candidate's macro F1 may be at most this much below the active version's. Default 0.02. */
  marginMacroF1?: number;
  /** The candidate's quadratic kappa may be at most this much below the active version's. Default 0.02. */
  marginKappa?: number;
}

/** Reads the held-out comparison out of a registry row's metrics, or says why there is none. */
export function readRetrainMetrics(
  metrics: unknown,
): { ok: true; metrics: RetrainMetrics } | { ok: false; problem: string } {
  if (!metrics || typeof metrics !== 'object' || !('candidate' in metrics) || !('heldOut' in metrics))
    return { ok: false, problem: 'it was registered without held-out metrics' };
  const parsed = retrainMetricsSchema.safeParse(metrics);
  if (!parsed.success)
    return {
      ok: false,
      problem: `its held-out metrics are malformed (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`,
    };
  return { ok: true, metrics: parsed.data };
}

const f3 = (x: number) => x.toFixed(3);
const withCi = (m: MetricWithCi) => `${f3(m.estimate)} [${f3(m.lower)}, ${f3(m.upper)}]`;

function margin(label: string, v: number | undefined, fallback: number): number {
  const m = v ?? fallback;
  if (!Number.isFinite(m) || m < 0)
    throw new RopError('REGISTRY.BAD_GATE', `${label} must be a number >= 0, not ${String(v)}`);
  return m;
}

/**
 * Promotion gate on held-out metrics: passes only if the candidate's macro F1 >= the active
 * version's macro F1 - marginMacroF1 AND its quadratic kappa >= the active's - marginKappa, both
 * measured on the same held-out set (recorded in the candidate's metrics by `rop retrain`).
 *
 * - A candidate without held-out metrics fails when a version is active (nothing shows it is not
 *   worse); with no active version it passes (first activation: nothing to protect).
 * - It fails when the comparison was made against another version than the one active now, or
 *   when the two evaluations name different held-out sets.
 * - Reasons list each comparison with its 95 % bootstrap CIs (they go into the audit event).
 */
export function metricGate(options: MetricGateOptions = {}): PromotionGate {
  const mF1 = margin('marginMacroF1', options.marginMacroF1, 0.02);
  const mKappa = margin('marginKappa', options.marginKappa, 0.02);
  return (candidate: RegisteredModel, active: RegisteredModel | null): GateResult => {
    const who = `${candidate.name}@${candidate.version}`;
    const read = readRetrainMetrics(candidate.metrics);
    if (!read.ok) {
      if (!active)
        return {
          ok: true,
          reasons: [
            `no active version of ${candidate.name}: first activation, nothing to compare (${read.problem})`,
          ],
        };
      return {
        ok: false,
        reasons: [
          `${who} has no held-out comparison with the active version ${active.version}: ${read.problem} (retrain with \`rop retrain\`, which registers both reports)`,
        ],
      };
    }
    const { candidate: c, active: a, heldOut } = read.metrics;
    const reasons: string[] = [];
    let ok = true;
    if (c.heldOut !== heldOut.fingerprint || a.heldOut !== heldOut.fingerprint) {
      ok = false;
      reasons.push(
        `the candidate and the active version were not measured on the same held-out set (${c.heldOut.slice(0, 12)} vs ${a.heldOut.slice(0, 12)}, recorded ${heldOut.fingerprint.slice(0, 12)})`,
      );
    }
    if (active && active.version !== a.pipeline.version) {
      ok = false;
      reasons.push(
        `${who} was compared with ${a.pipeline.name}@${a.pipeline.version}, but the active version is ${active.version}: retrain or re-evaluate against it`,
      );
    }
    const set = `held-out ${heldOut.split}: ${heldOut.items.length} images, ${heldOut.infants.length} infants, dataset ${heldOut.datasetHash.slice(0, 8)}`;
    const compare = (label: string, cm: MetricWithCi, am: MetricWithCi, m: number) => {
      const pass = cm.estimate >= am.estimate - m;
      if (!pass) ok = false;
      const d = cm.estimate - am.estimate;
      reasons.push(
        `${label}: candidate ${withCi(cm)} vs active ${withCi(am)}, difference ${d >= 0 ? '+' : ''}${f3(d)} ${pass ? '>=' : '<'} -${f3(m)} allowed: ${pass ? 'pass' : 'FAIL'} (${set})`,
      );
    };
    compare('macro F1', c.macroF1, a.macroF1, mF1);
    compare('quadratic kappa', c.kappaQuadratic, a.kappaQuadratic, mKappa);
    return { ok, reasons };
  };
}
