import os from 'node:os';
import type { Command } from 'commander';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { RopError } from '@ropline/core';
import type { LossFn } from '@ropline/models';
import { runCommand } from '../run-command.js';
import { markdownTable } from '../timing.js';
import {
  BENCH_BACKENDS,
  benchContext,
  findTorch,
  loadModelsLib,
  fmt,
  fmtRatio,
  machineFacts,
  percentiles,
  progressBar,
  TorchPeer,
  type BenchBackend,
  type ModelsLib,
  type Percentiles,
  type TorchEnv,
} from './bench-inference.command.js';
import { parseList, parsePositiveInt } from './options.js';

interface TrainModelSpec {
  id: string;
  label: string;
  size: number;
  batch: number;
  channels: number;
  /** Untrained, seeded. */
  build(): LayersModel;
  loss: string | LossFn;
  /** A random batch of targets of the model's output shape. */
  targets(batch: number): Tensor;
  torch: Record<string, unknown>;
}

function trainModels(lib: ModelsLib, cnnSize: number): TrainModelSpec[] {
  const { tf } = lib;
  const { buildCompactCnn, buildUnet, segmentationLoss } = lib.models;
  const unet = { size: 128, depth: 3, filters: 16 };
  return [
    {
      id: 'compact-cnn',
      label: `compact CNN (4 blocks, 8 filters, 3 classes)`,
      size: cnnSize,
      batch: 16,
      channels: 2,
      build: () =>
        buildCompactCnn({
          inputSize: { width: cnnSize, height: cnnSize },
          inputChannels: 2,
          numClasses: 3,
          blocks: 4,
          baseFilters: 8,
          seed: 1,
        }),
      loss: 'categoricalCrossentropy',
      targets: (b) =>
        tf.tidy(() =>
          tf.oneHot(
            tf.tensor1d(
              Array.from({ length: b }, (_, i) => i % 3),
              'int32',
            ),
            3,
          ),
        ),
      torch: { arch: 'cnn', in: 2, classes: 3, blocks: 4, filters: 8 },
    },
    {
      id: 'unet',
      label: `U-Net (depth ${unet.depth}, ${unet.filters} filters, line head, Dice + BCE)`,
      size: unet.size,
      batch: 4,
      channels: 1,
      build: () =>
        buildUnet({
          inputSize: { width: unet.size, height: unet.size },
          inputChannels: 1,
          depth: unet.depth,
          baseFilters: unet.filters,
          batchNorm: true,
          outputChannels: 1,
          seed: 2,
        }),
      loss: segmentationLoss(1),
      targets: (b) =>
        tf.tidy(() =>
          tf.cast(
            tf.greater(tf.randomUniform([b, unet.size, unet.size, 1], 0, 1, 'float32', 5), 0.98),
            'float32',
          ),
        ),
      torch: { arch: 'unet', in: 1, out: 1, depth: unet.depth, filters: unet.filters },
    },
  ];
}

interface TrainOptions {
  runs: number;
  backends: BenchBackend[];
  cpuBatch: number;
  cnnSize: number;
  torch: boolean;
  json: boolean;
}

type Variant = 'wasm+ropline' | 'wasm-default' | 'cpu' | 'torch-1' | 'torch-n';

interface TrainRow {
  model: string;
  label: string;
  input: string;
  batch: number;
  variant: Variant;
  setup: string;
  msPerStep: Percentiles;
  imagesPerSecond: number;
  /** ROPline ms per image / PyTorch's (> 1: ROPline is slower). */
  ratioVsTorch1: number | null;
  ratioVsTorchN: number | null;
  /** The largest kernels of one step (ms), wasm variants only. */
  kernels: string | null;
}

const ADAM_LR = 1e-3;

/** One compiled model with a fixed random batch: `step()` is one trainOnBatch (Adam). */
function trainer({ tf }: ModelsLib, spec: TrainModelSpec, batch: number) {
  const model = spec.build();
  model.compile({ optimizer: tf.train.adam(ADAM_LR), loss: spec.loss });
  const x = tf.randomNormal([batch, spec.size, spec.size, spec.channels], 0, 1, 'float32', 3);
  const y = spec.targets(batch);
  return {
    step: async () => {
      await model.trainOnBatch(x, y);
    },
    dispose: () => {
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

async function largestKernels({ tf }: ModelsLib, step: () => Promise<void>): Promise<string> {
  const profile = await tf.profile(step);
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  return [...byKernel]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
    .join(', ');
}

async function msOf(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function runTrainBench(o: TrainOptions): Promise<void> {
  if (o.cnnSize < 16)
    throw new RopError('CONFIG.INVALID', `--cnn-size must be >= 16 (4 max-pools), got ${o.cnnSize}`);
  const ctx = benchContext();
  const progress = progressBar('bench train', o.json);
  const machine = machineFacts();
  const lib = await loadModelsLib();
  const { tf } = lib;
  const { describeWasmRuntime, initBackend, registerTrainingKernels } = lib.models;
  const specs = trainModels(lib, o.cnnSize);
  const torch = o.torch ? findTorch() : null;
  const threadsN = os.availableParallelism();
  const torchThreads = [...new Set([1, threadsN])];
  const wasm = o.backends.includes('wasm');
  const cpu = o.backends.includes('cpu');
  const warmup = 1;

  progress.start(
    specs.length * ((wasm ? 2 * o.runs : 0) + (cpu ? 1 : 0) + (torch ? torchThreads.length * o.runs : 0)),
  );
  const times = new Map<
    string,
    { spec: TrainModelSpec; variant: Variant; batch: number; ms: number[]; kernels: string | null }
  >();
  const record = (
    spec: TrainModelSpec,
    variant: Variant,
    batch: number,
    ms: number,
    kernels: string | null = null,
  ) => {
    const key = `${spec.id}/${variant}`;
    const entry = times.get(key) ?? { spec, variant, batch, ms: [], kernels: null };
    entry.ms.push(ms);
    entry.kernels ??= kernels;
    times.set(key, entry);
  };

  // One PyTorch process per thread count (see TorchPeer).
  const peers = torch ? torchThreads.map((n) => new TorchPeer(torch.python, n, progress.tick)) : [];
  let torchEnv: TorchEnv | null = null;
  let wasmRuntime: string | null = null;
  try {
    if (peers.length) torchEnv = await peers[0].request<TorchEnv>({ op: 'env' });
    if (wasm) {
      await initBackend({ backend: 'wasm' }, ctx);
      wasmRuntime = await describeWasmRuntime();
    }
    for (const spec of specs) {
      const what = `${spec.id} ${spec.size}x${spec.size}, batch ${spec.batch}`;
      const torchVariant = (p: TorchPeer): Variant => (p.threads === 1 ? 'torch-1' : 'torch-n');
      for (const peer of peers) {
        progress.stage(`${what}: PyTorch warm-up`);
        await peer.request({
          op: 'build-train',
          id: spec.id,
          size: spec.size,
          batch: spec.batch,
          lr: ADAM_LR,
          model: spec.torch,
        });
        await peer.run(spec.id, 0, warmup);
        // PyTorch alone (a cpu-only run): its runs here, the cpu step below.
        if (!wasm)
          for (const ms of await peer.run(spec.id, o.runs, 0))
            record(spec, torchVariant(peer), spec.batch, ms);
      }
      if (!wasm) continue;
      progress.stage(`${what}: wasm warm-up and kernel profile`);
      const t = trainer(lib, spec, spec.batch);
      try {
        const kernels: Record<string, string> = {};
        for (const faster of [true, false]) {
          registerTrainingKernels({ faster });
          for (let i = 0; i < warmup; i++) await t.step();
          kernels[String(faster)] = await largestKernels(lib, t.step);
        }
        // Rounds alternate the variants so that load from other processes hits them alike.
        for (let r = 0; r < o.runs; r++) {
          progress.stage(`${what}: round ${r + 1}/${o.runs}`);
          registerTrainingKernels({ faster: true });
          record(spec, 'wasm+ropline', spec.batch, await msOf(t.step), kernels['true']);
          progress.tick();
          registerTrainingKernels({ faster: false });
          record(spec, 'wasm-default', spec.batch, await msOf(t.step), kernels['false']);
          progress.tick();
          for (const peer of peers)
            record(spec, torchVariant(peer), spec.batch, (await peer.run(spec.id, 1, 0))[0]);
        }
      } finally {
        registerTrainingKernels({ faster: true });
        t.dispose();
        for (const peer of peers) await peer.request({ op: 'drop', id: spec.id });
      }
    }
    if (cpu) {
      await initBackend({ backend: 'cpu' }, ctx);
      for (const spec of specs) {
        progress.stage(`cpu: ${spec.id}, batch ${o.cpuBatch}: one step (U-Net: minutes)`);
        const t = trainer(lib, spec, o.cpuBatch);
        try {
          record(spec, 'cpu', o.cpuBatch, await msOf(t.step));
          progress.tick();
        } finally {
          t.dispose();
        }
      }
      if (wasm) await initBackend({ backend: 'wasm' }, ctx);
    }
    progress.stop();

    const setupOf: Record<Variant, (batch: number) => string> = {
      'wasm+ropline': () => 'wasm + ROPline training kernels (1 thread)',
      'wasm-default': () => "wasm, tfjs-wasm's own kernels + only the missing ones (1 thread)",
      cpu: (b) => `tfjs cpu backend (batch ${b}, 1 step)`,
      'torch-1': () => 'PyTorch CPU, 1 thread',
      'torch-n': () => `PyTorch CPU, ${threadsN} threads`,
    };
    const rows: TrainRow[] = [];
    for (const spec of specs) {
      const perImage = (variant: Variant) => {
        const e = times.get(`${spec.id}/${variant}`);
        return e ? percentiles(e.ms).p50 / e.batch : null;
      };
      const t1 = perImage('torch-1');
      const tn = perImage('torch-n');
      for (const variant of ['wasm+ropline', 'wasm-default', 'cpu', 'torch-1', 'torch-n'] as Variant[]) {
        const e = times.get(`${spec.id}/${variant}`);
        if (!e) continue;
        const msPerStep = percentiles(e.ms);
        const ours = !variant.startsWith('torch');
        const mine = msPerStep.p50 / e.batch;
        rows.push({
          model: spec.id,
          label: spec.label,
          input: `${spec.size}x${spec.size}x${spec.channels}`,
          batch: e.batch,
          variant,
          setup: setupOf[variant](e.batch),
          msPerStep,
          imagesPerSecond: (e.batch * 1000) / msPerStep.p50,
          ratioVsTorch1: ours && t1 ? mine / t1 : null,
          ratioVsTorchN: ours && tn ? mine / tn : null,
          kernels: e.kernels,
        });
      }
    }

    const env = {
      ...machine,
      loadAfter: machineFacts().load,
      tfjs: tf.version['tfjs'],
      wasm: wasmRuntime,
      runs: o.runs,
      warmup,
      optimizer: `Adam (lr ${ADAM_LR})`,
      torch: torchEnv
        ? { ...torchEnv, threads: torchThreads }
        : 'not found: install python3-torch to compare',
      weights: 'untrained, seeded; random inputs and targets (speed does not depend on them)',
    };
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ env, rows }, null, 2)}\n`);
      return;
    }
    const table = markdownTable(
      [
        'model',
        'input, batch',
        'variant',
        'ms/step p50 (best)',
        'images/s',
        'ROPline / PyTorch 1 thread',
        `ROPline / PyTorch ${threadsN} threads`,
        'largest kernels, one step (ms)',
      ],
      rows.map((r) => [
        r.label,
        `${r.input}, ${r.batch}`,
        r.setup,
        `${fmt(r.msPerStep.p50)} (${fmt(r.msPerStep.best)})`,
        fmt(r.imagesPerSecond, r.imagesPerSecond < 1 ? 3 : 1),
        fmtRatio(r.ratioVsTorch1),
        fmtRatio(r.ratioVsTorchN),
        r.kernels ?? '',
      ]),
    );
    const torchLine = torchEnv
      ? `PyTorch ${torchEnv.torch} CPU (oneDNN ${torchEnv.mkldnn ? 'on' : 'off'}, MKL ${torchEnv.mkl ? 'on' : 'off'}), ` +
        `torch.set_num_threads(${torchThreads.join(' / ')})`
      : 'PyTorch: not found (install python3-torch to compare)';
    process.stdout.write(
      `${table}\n\nOne training step = trainOnBatch / forward + backward + Adam (lr ${ADAM_LR}) on a fixed random batch; ` +
        `${o.runs} step${o.runs === 1 ? '' : 's'} per variant after ${warmup} warm-up` +
        (wasm ? ', the wasm and PyTorch variants alternating step by step' : '') +
        (cpu ? `; cpu: one step at batch ${o.cpuBatch}, no warm-up` : '') +
        '; ' +
        `ratios compare time per image (p50). Untrained, seeded weights: speed does not depend on them.\n` +
        `Node ${machine.node}, ${machine.cpu} x ${machine.cores}, load ${machine.load} -> ${env.loadAfter}, ` +
        `tfjs ${env.tfjs}${wasmRuntime ? ` (wasm: ${wasmRuntime})` : ''}; ${torchLine}.\n`,
    );
  } finally {
    progress.stop();
    await Promise.all(peers.map((p) => p.close()));
  }
}

export function registerBenchTrain(bench: Command): void {
  bench
    .command('train')
    .description(
      'Training images/s of the compact CNN (batch 16) and a U-Net (128x128, depth 3, batch 4) on wasm with ' +
        "ROPline's training kernels and with tfjs-wasm's own, and the same models in PyTorch CPU (Adam, same batch) " +
        'in the same run',
    )
    .option('-n, --runs <n>', 'timed steps per variant', parsePositiveInt, 8)
    .option(
      '--backends <list>',
      'tfjs backends, comma list of wasm, cpu (cpu: one step at --cpu-batch; the U-Net step takes minutes)',
      parseList(BENCH_BACKENDS),
      ['wasm'] as BenchBackend[],
    )
    .option('--cpu-batch <n>', 'batch of the single cpu-backend step', parsePositiveInt, 1)
    .option('--cnn-size <n>', 'compact CNN input size (square)', parsePositiveInt, 128)
    .option('--no-torch', 'skip the PyTorch comparison')
    .option('--json', 'print JSON instead of a Markdown table', false)
    .action((opts: TrainOptions) => runCommand(() => runTrainBench(opts)));
}
