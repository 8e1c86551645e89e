import { InvalidArgumentError, type Command } from 'commander';
import type { Stage } from '@ropline/datasets';
import type { TrainHooks, TrainResult } from '@ropline/trainer';
import { cliContext } from '../cli-context.js';
import { runCommand } from '../run-command.js';
import { parsePositiveInt } from './options.js';
import { createTrainProgress, interruptSignal } from './train-progress.js';
import { dbOptions, defaultActor, withRegistry, type DbOptions } from './models-registry.command.js';

interface RegisterOption extends DbOptions {
  register: boolean;
}

/** Every trained artifact goes into the model registry as a candidate (unless --no-register). */
async function registerTrained(opts: RegisterOption, dirs: string[]): Promise<void> {
  if (!opts.register || dirs.length === 0) return;
  await withRegistry(opts, async (registry) => {
    for (const dir of dirs) {
      const { model, created } = await registry.register(dir, { actor: defaultActor() });
      process.stdout.write(
        `${created ? 'registered' : 'already registered'}: ${model.kind} ${model.name}@${model.version} (${model.status}, sha256 ${model.sha256.slice(0, 12)})\n`,
      );
    }
  });
}

function registerOption(cmd: Command): Command {
  return dbOptions(cmd.option('--no-register', 'do not register the trained model(s) in the model registry'));
}

/** tfjs and the trainer load only when a training command runs (~1 s). */
const loadTrainer = () => import('@ropline/trainer');
const loadModels = () => import('@ropline/models');

export const EXIT_INTERRUPTED = 130;

function parseStages(value: string): Stage[] {
  const parts = value.split(',').map((s) => s.trim());
  const stages = parts.map(Number);
  if (
    !parts.length ||
    stages.some((s) => !Number.isInteger(s) || s < 0 || s > 3) ||
    new Set(stages).size !== stages.length
  )
    throw new InvalidArgumentError('expected distinct stages 0-3, e.g. 1,2,3');
  return (stages as Stage[]).sort((a, b) => a - b);
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31)
    throw new InvalidArgumentError('expected an integer 0..2^31');
  return n;
}

interface CommonOpts extends RegisterOption {
  data?: string;
  out: string;
  profile: string;
  seed: number;
  epochs?: number;
  inputSize?: number;
  stages: Stage[];
  name?: string;
  version?: string;
  init?: string;
  resume?: boolean;
  backend: 'auto' | 'wasm' | 'tensorflow' | 'cpu';
  progress: boolean;
}

function commonOptions(cmd: Command): Command {
  return registerOption(cmd)
    .option('--data <dir>', 'dataset folder (rop dataset import-* + split)')
    .requiredOption('-o, --out <dir>', 'run directory (run.json, log.jsonl, checkpoint, model/, curves.png)')
    .option('--profile <name>', 'hyper-parameters: paper | cpu-quick', 'cpu-quick')
    .option('--seed <n>', 'random seed (weights, shuffling)', parseSeed, 1)
    .option('--epochs <n>', "override the profile's epochs", parsePositiveInt)
    .option('--input-size <px>', "override the profile's model input size", parsePositiveInt)
    .option('--stages <list>', 'stages to separate, e.g. 1,2,3 (the paper) or 0,1,2,3', parseStages, [
      1, 2, 3,
    ] as Stage[])
    .option('--name <name>', 'model name')
    .option('--version <v>', 'model version (default: <dataset hash>-s<seed>-<profile>)')
    .option('--init <model-dir>', 'fine-tune from this model artifact')
    .option('--resume', 'continue the interrupted run in --out (its options are read from run.json)')
    .option('--backend <name>', 'compute backend: auto | wasm | tensorflow | cpu', 'auto')
    .option('--no-progress', 'no progress output on stderr');
}

async function prepare(opts: CommonOpts) {
  const ctx = cliContext();
  const { initBackend } = await loadModels();
  await initBackend({ backend: opts.backend }, ctx);
  const trainer = await loadTrainer();
  if (!opts.resume && !opts.data)
    throw new trainer.TrainError('--data is required (or --resume an existing run)');
  const profile = trainer.resolveProfile(opts.profile, { epochs: opts.epochs, inputSize: opts.inputSize });
  return { ctx, trainer, profile };
}

function report(result: TrainResult, resumeHint: string): void {
  const s = result.state;
  const best = s.history.find((h) => h.epoch === s.bestEpoch);
  if (s.status === 'interrupted') {
    process.stderr.write(
      `rop: interrupted after epoch ${s.epoch}; ${result.modelDir ? `best model (epoch ${s.bestEpoch}) kept in ${result.modelDir}` : 'no epoch finished'}; continue with: ${resumeHint}\n`,
    );
    process.exitCode = EXIT_INTERRUPTED;
    return;
  }
  process.stdout.write(
    `${result.runDir}: ${s.status} after ${s.epoch} epochs; best epoch ${s.bestEpoch} (val loss ${best?.valLoss.toFixed(4)}${best?.metrics['valAcc'] !== undefined ? `, val acc ${best.metrics['valAcc'].toFixed(3)}` : ''}) -> ${result.modelDir}\n`,
  );
}

type Trainer = Awaited<ReturnType<typeof loadTrainer>>;
type Profile = ReturnType<Trainer['resolveProfile']>;

function commonTrainOptions(opts: CommonOpts, profile: Profile) {
  return {
    data: opts.data!,
    profile,
    seed: opts.seed,
    version: opts.version,
    init: opts.init,
    stages: opts.stages,
  };
}

/** One `rop train` command: backend, progress, Ctrl-C, the outcome line, registration. */
function runTraining(
  command: 'seg' | 'cls',
  opts: CommonOpts,
  what: string,
  train: (trainer: Trainer, profile: Profile, hooks: TrainHooks) => Promise<TrainResult>,
): Promise<void> {
  return runCommand(async () => {
    const { ctx, trainer, profile } = await prepare(opts);
    const view = createTrainProgress(opts.progress);
    const stop = interruptSignal();
    try {
      view.step(`train ${what}`);
      const result = await train(trainer, profile, {
        runDir: opts.out,
        resume: opts.resume,
        signal: stop.signal,
        onProgress: view.fit,
        onLoad: view.load,
        ctx,
      });
      view.stop();
      report(result, `rop train ${command} --out ${opts.out} --resume`);
      if (result.state.status !== 'interrupted' && result.modelDir)
        await registerTrained(opts, [result.modelDir]);
    } finally {
      view.stop();
      stop.dispose();
    }
  });
}

export function registerTrainerCommands(program: Command): void {
  const train = program.command('train').description('train a segmenter or a stage classifier on a dataset');
  commonOptions(
    train
      .command('seg')
      .description('train the U-Net: the line finder (binary) or the per-stage baseline (multiclass)')
      .option('--head <head>', 'binary (line vs background) | multiclass (one class per stage)', 'binary'),
  ).action((opts: CommonOpts & { head: 'binary' | 'multiclass' }) =>
    runTraining('seg', opts, `segmenter (${opts.head})`, async (trainer, profile, hooks) => {
      if (opts.head !== 'binary' && opts.head !== 'multiclass')
        throw new trainer.TrainError(`--head must be binary or multiclass, not ${opts.head}`);
      const options = {
        ...commonTrainOptions(opts, profile),
        name: opts.name ?? (opts.head === 'binary' ? 'line-segmenter' : 'stage-segmenter'),
        head: opts.head,
      };
      return trainer.trainSegmenter(opts.resume ? null : options, hooks);
    }),
  );
  commonOptions(
    train
      .command('cls')
      .description("train the stage classifier: hybrid (image + the segmenter's mask) or image-only")
      .option(
        '--input <kind>',
        'hybrid (2 channels: image + predicted line mask) | image (1 channel)',
        'hybrid',
      )
      .option(
        '--segmenter <model-dir>',
        'hybrid: the trained line segmenter whose masks make the 2nd channel',
      ),
  ).action((opts: CommonOpts & { input: 'hybrid' | 'image'; segmenter?: string }) =>
    runTraining('cls', opts, `classifier (${opts.input})`, async (trainer, profile, hooks) => {
      if (opts.input !== 'hybrid' && opts.input !== 'image')
        throw new trainer.TrainError(`--input must be hybrid or image, not ${opts.input}`);
      const options = {
        ...commonTrainOptions(opts, profile),
        name: opts.name ?? `${opts.input}-classifier`,
        input: opts.input,
        segmenter: opts.segmenter,
      };
      return trainer.trainClassifier(opts.resume ? null : options, hooks);
    }),
  );

  registerOption(program.command('experiment'))
    .description(
      "the paper's comparison on one dataset: hybrid vs classifier-only vs segmentation-only (train all, evaluate on test, report)",
    )
    .requiredOption('--data <dir>', 'dataset folder (split into train/validation/test)')
    .requiredOption(
      '-o, --out <dir>',
      'experiment folder (runs/, pipelines/, report.md, report.json, figures/); re-run to continue an interrupted one',
    )
    .option('--profile <name>', 'hyper-parameters: paper | cpu-quick', 'cpu-quick')
    .option('--seed <n>', 'random seed', parseSeed, 1)
    .option('--epochs <n>', "override the profile's epochs", parsePositiveInt)
    .option('--input-size <px>', "override the profile's model input size", parsePositiveInt)
    .option('--stages <list>', 'stages the classifiers separate', parseStages, [1, 2, 3] as Stage[])
    .option('--name <name>', 'model/pipeline name prefix', 'rop')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95 % CIs', parsePositiveInt, 1000)
    .option('--backend <name>', 'compute backend: auto | wasm | tensorflow | cpu', 'auto')
    .option('--no-progress', 'no progress output on stderr')
    .action((opts: CommonOpts & { data: string; name: string; bootstrap: number }) =>
      runCommand(async () => {
        const { ctx, trainer, profile } = await prepare(opts);
        const view = createTrainProgress(opts.progress);
        const stop = interruptSignal();
        try {
          const r = await trainer.runExperiment(
            {
              data: opts.data,
              out: opts.out,
              profile,
              seed: opts.seed,
              stages: opts.stages,
              name: opts.name,
              bootstrapIterations: opts.bootstrap,
            },
            { signal: stop.signal, onStep: view.step, onProgress: view.fit, onLoad: view.load, ctx },
          );
          view.stop();
          if (r.interrupted) {
            process.stderr.write(
              `rop: interrupted; finished steps are kept. Continue with the same command.\n`,
            );
            process.exitCode = EXIT_INTERRUPTED;
            return;
          }
          process.stdout.write(`${trainer.experimentSummary(r)}\n${opts.out}/report.md\n`);
          await registerTrained(opts, Object.values(r.pipelines));
        } finally {
          view.stop();
          stop.dispose();
        }
      }),
    );

  program
    .command('evaluate')
    .description('score a pipeline (or a classifier-only / multi-class segmenter model) on a dataset split')
    .requiredOption('--model <dir>', 'pipeline directory (pipeline.json) or model artifact')
    .requiredOption('--data <dir>', 'dataset folder')
    .option('--split <split>', 'train | validation | test', 'test')
    .option('--stages <list>', 'stages to score', parseStages, [1, 2, 3] as Stage[])
    .option('-o, --out <dir>', 'write report.md, report.json and figures here')
    .option('--json', 'print the evaluation as JSON on stdout')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95 % CIs', parsePositiveInt, 1000)
    .option('--seed <n>', 'bootstrap seed', parseSeed, 1)
    .option('--backend <name>', 'compute backend: auto | wasm | tensorflow | cpu', 'auto')
    .option('--no-progress', 'no progress output on stderr')
    .action(
      (opts: {
        model: string;
        data: string;
        split: string;
        stages: Stage[];
        out?: string;
        json?: boolean;
        bootstrap: number;
        seed: number;
        backend: CommonOpts['backend'];
        progress: boolean;
      }) =>
        runCommand(async () => {
          const ctx = cliContext();
          const { initBackend } = await loadModels();
          await initBackend({ backend: opts.backend }, ctx);
          const trainer = await loadTrainer();
          if (!['train', 'validation', 'test'].includes(opts.split))
            throw new trainer.TrainError(`--split must be train, validation or test`);
          const view = createTrainProgress(opts.progress);
          try {
            const e = await trainer.evaluateModelDir(opts.model, opts.data, {
              split: opts.split as 'test',
              stages: opts.stages,
              bootstrap: { iterations: opts.bootstrap, seed: opts.seed },
              onProgress: (d, t) => view.load(d, t, 'images'),
              ctx,
            });
            view.stop();
            if (opts.out) await trainer.writeEvaluationReport(opts.out, e);
            process.stdout.write(
              opts.json ? `${JSON.stringify(e, null, 2)}\n` : `${trainer.evaluationSummary(e)}\n`,
            );
          } finally {
            view.stop();
          }
        }),
    );
}
