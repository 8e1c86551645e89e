import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isRopError } from '@ropline/core';
import type { FitProgress, RetrainResult } from '@ropline/trainer';
import { cliContext } from '../cli-context.js';
import { DEMO_PIPELINE, DEMO_PIPELINE_NAME } from '../demo-model.js';
import { runCommand } from '../run-command.js';
import {
  dbOptions,
  defaultActor,
  pipelineGate,
  withRegistry,
  type DbOptions,
} from './models-registry.command.js';
import { parsePositiveInt } from './options.js';
import { createTrainProgress, interruptSignal, type TrainProgressView } from './train-progress.js';

const EXIT_INTERRUPTED = 130;

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31)
    throw new InvalidArgumentError('expected an integer 0..2^31');
  return n;
}

export interface RetrainCliOptions extends DbOptions {
  dataset: string;
  from: 'active' | 'scratch';
  profile: 'cpu-quick' | 'paper';
  epochsSeg?: number;
  epochsCls?: number;
  seed: number;
  out?: string;
  name: string;
  activeDir?: string;
  version?: string;
  bootstrap: number;
  register: boolean;
  by?: string;
  backend: 'auto' | 'wasm' | 'tensorflow' | 'cpu';
  progress: boolean;
  progressJson?: boolean;
}

/** Share of the whole run each step takes (roughly, on cpu-quick), for --progress-json's fraction. */
const STEP_SPAN: [number, number][] = [
  [0, 0.05], // prepare dataset
  [0.05, 0.45], // train segmenter
  [0.45, 0.8], // train classifier
  [0.8, 0.9], // evaluate candidate
  [0.9, 0.98], // evaluate active
  [0.98, 1], // report
];
const STEP_PHASE = [
  'prepare',
  'train-segmenter',
  'train-classifier',
  'evaluate-candidate',
  'evaluate-active',
  'report',
];

/**
 * --progress-json: one JSON line per step and at most one per second within a step:
 * {"event":"progress","phase","fraction" (0..1 of the whole run),"etaSeconds"?,"message"}.
 */
export function jsonProgress(now: () => number = Date.now): TrainProgressView {
  const started = now();
  let step = 0;
  let last = 0;
  const emit = (within: number, message: string, force = false) => {
    const t = now();
    if (!force && t - last < 1000) return;
    last = t;
    const [a, b] = STEP_SPAN[step] ?? [1, 1];
    const fraction = Math.min(1, a + (b - a) * Math.min(1, Math.max(0, within)));
    const elapsed = (t - started) / 1000;
    const line: Record<string, unknown> = { event: 'progress', phase: STEP_PHASE[step] ?? 'done', fraction };
    if (fraction > 0.05) line.etaSeconds = Math.round((elapsed / fraction) * (1 - fraction));
    line.message = message;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return {
    step(name, index) {
      step = Math.max(0, (index ?? 1) - 1);
      emit(0, name, true);
    },
    load(done, total, what) {
      if (/held-out/.test(what)) emit(done / Math.max(1, total), `${what} ${done}/${total}`);
    },
    fit(p: FitProgress) {
      if (p.phase === 'batch')
        emit(((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches), `epoch ${p.epoch}/${p.epochs}`);
      else
        emit(
          p.record.epoch / p.epochs,
          `epoch ${p.record.epoch}/${p.epochs} val loss ${p.record.valLoss.toFixed(4)}`,
        );
    },
    stop() {},
  };
}

/**
 * `rop retrain`: retrains the hybrid pipeline on a dataset snapshot (fine-tuning the active
 * version, or from scratch), evaluates candidate and active on the same held-out items, writes the
 * report into the candidate pipeline dir and registers it as a candidate with both metric sets
 * (what `rop models promote`'s metric gate reads). The active pipeline: --active-dir, else the
 * registry's active --name, else the demo model.
 */
export function registerRetrainCommand(program: Command): void {
  dbOptions(
    program
      .command('retrain')
      .description(
        'retrain the hybrid pipeline on a dataset snapshot, compare it with the active version on the same held-out set, register it as a candidate',
      )
      .requiredOption(
        '--dataset <dir>',
        'dataset snapshot (ropline-dataset/1); split 6:3:1 by infant if it has no split',
      )
      .addOption(
        new Option('--from <what>', 'active: fine-tune the active pipeline (lr x0.1) | scratch: train anew')
          .choices(['active', 'scratch'])
          .default('active'),
      )
      .addOption(
        new Option('--profile <name>', 'hyper-parameters')
          .choices(['cpu-quick', 'paper'])
          .default('cpu-quick'),
      )
      .option('--epochs-seg <n>', "override the profile's segmenter epochs", parsePositiveInt)
      .option('--epochs-cls <n>', "override the profile's classifier epochs", parsePositiveInt)
      .option('--seed <n>', 'random seed (weights, shuffling, bootstrap)', parseSeed, 1)
      .option(
        '-o, --out <dir>',
        'work folder (runs/, pipeline/ = the candidate); default <data dir>/retrain/<dataset>-<from>-s<seed>',
      )
      .option('--name <name>', 'registry name of the active pipeline', DEMO_PIPELINE_NAME)
      .option(
        '--active-dir <dir>',
        "the active pipeline directory (default: the registry's active --name, else the demo model)",
      )
      .option('--version <v>', 'candidate version (default <active version>+rt.<dataset hash 8>.<seed>)')
      .option('--bootstrap <n>', 'bootstrap resamples for the 95 % CIs', parsePositiveInt, 1000)
      .option('--no-register', 'do not register the candidate in the model registry')
      .option('--by <name>', 'who registers it (default: the OS user)')
      .option('--backend <name>', 'compute backend: auto | wasm | tensorflow | cpu', 'auto')
      .option('--no-progress', 'no progress output on stderr')
      .option(
        '--progress-json',
        'machine-readable: JSON lines on stdout ({"event":"progress",phase,fraction,etaSeconds} ..., then {"event":"result",name,version,metrics,...}); human output goes to stderr',
      ),
  ).action((opts: RetrainCliOptions) =>
    runCommand(async () => {
      const ctx = cliContext();
      const { initBackend } = await import('@ropline/models');
      await initBackend({ backend: opts.backend }, ctx);
      const trainer = await import('@ropline/trainer');
      const profile = trainer.resolveProfile(opts.profile);
      const dataDir = opts.dataDir ?? (process.env.ROPLINE_DATA_DIR || 'var');
      const out =
        opts.out ??
        path.join(
          dataDir,
          'retrain',
          `${path.basename(path.resolve(opts.dataset))}-${opts.from}-s${opts.seed}`,
        );
      const json = Boolean(opts.progressJson);
      const view = json ? jsonProgress() : createTrainProgress(opts.progress);
      const stop = interruptSignal();
      /** Human lines: stdout normally; stderr with --progress-json (stdout then carries JSON lines only). */
      const say = (text: string) => (json ? process.stderr : process.stdout).write(`${text}\n`);
      const run = (activePipelineDir: string): Promise<RetrainResult> =>
        trainer.retrain({
          dataset: opts.dataset,
          from: opts.from,
          activePipelineDir,
          profile,
          seed: opts.seed,
          out,
          epochs: { segmenter: opts.epochsSeg, classifier: opts.epochsCls },
          version: opts.version,
          bootstrapIterations: opts.bootstrap,
          onStep: view.step,
          onProgress: view.fit,
          onLoad: view.load,
          signal: stop.signal,
          ctx,
        });
      const print = (r: RetrainResult) => {
        view.stop();
        say(
          `${trainer.retrainSummary(r.metrics)}\ncandidate: ${r.candidateDir}\nreport: ${path.join(r.candidateDir, 'retrain-report.md')}`,
        );
      };
      const result = (r: RetrainResult, extra: Record<string, unknown>) => {
        if (!json) return;
        const line = {
          event: 'result',
          name: r.name,
          version: r.version,
          candidateDir: path.resolve(r.candidateDir),
          report: path.resolve(r.candidateDir, 'retrain-report.md'),
          metrics: r.metrics,
          ...extra,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      };
      try {
        if (opts.activeDir && !opts.register) {
          const r = await run(opts.activeDir);
          print(r);
          result(r, { registered: false });
          return;
        }
        await withRegistry(opts, async (registry) => {
          const registered = await registry.getActive('pipeline', opts.name);
          const activeDir = opts.activeDir ?? registered?.location ?? DEMO_PIPELINE;
          if (!opts.activeDir)
            process.stderr.write(
              registered
                ? `active: ${registered.name}@${registered.version} (registry)\n`
                : `active: no active ${opts.name} in the registry; comparing with the demo model ${DEMO_PIPELINE}\n`,
            );
          const r = await run(activeDir);
          print(r);
          if (!opts.register) {
            result(r, { registered: false });
            return;
          }
          const { model, created } = await trainer.registerCandidate(registry, r, {
            actor: opts.by ?? defaultActor(),
          });
          say(
            `${created ? 'registered' : 'already registered'}: ${model.kind} ${model.name}@${model.version} (${model.status}, sha256 ${model.sha256.slice(0, 12)})`,
          );
          const verdict = await (
            await pipelineGate({})
          )(model, await registry.getActive('pipeline', model.name));
          say(
            `promotion gate (default margins): ${verdict.ok ? 'would pass' : 'would FAIL'}; promote with: rop models promote ${model.name} ${model.version}`,
          );
          result(r, { registered: true, created, sha256: model.sha256, gate: verdict });
        });
      } catch (e) {
        if (isRopError(e, 'TRAIN.INTERRUPTED')) {
          view.stop();
          process.stderr.write(
            `rop: ${e.message}; nothing was registered (start again with another --out)\n`,
          );
          process.exitCode = EXIT_INTERRUPTED;
          return;
        }
        throw e;
      } finally {
        view.stop();
        stop.dispose();
      }
    }),
  );
}
