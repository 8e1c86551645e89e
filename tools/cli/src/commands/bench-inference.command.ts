import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { RopError, type Image8, type PluginContext } from '@ropline/core';
import type { LayersClassifier, PipelineKind, UnetSegmenter } from '@ropline/models';
import { findPython, makeFundusLike } from '@ropline/testing';
import { cliContext } from '../cli-context.js';
import { runCommand } from '../run-command.js';
import { markdownTable } from '../timing.js';
import { parseList, parsePositiveInt, parseSize } from './options.js';

// ---------------------------------------------------------------------------------------------
// Shared by the `bench inference` and `bench train` commands.

/**
 * tfjs and @ropline/models load when a bench runs, not when the CLI starts: every other command
 * (and `rop --help`) stays fast and never sees tfjs-wasm's process-wide hooks.
 */
export async function loadModelsLib() {
  const [tf, models] = await Promise.all([import('@tensorflow/tfjs'), import('@ropline/models')]);
  return { tf, models };
}
export type ModelsLib = Awaited<ReturnType<typeof loadModelsLib>>;

export const BENCH_BACKENDS = ['wasm', 'cpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** The PyTorch peer (tools/bench/torch-peer.py): the same architectures, timed in the same run. */
export const TORCH_PEER_SCRIPT = fileURLToPath(new URL('../../../bench/torch-peer.py', import.meta.url));

export interface Percentiles {
  p50: number;
  p95: number;
  best: number;
  runs: number;
}

/** Nearest-rank percentiles of the samples (ms). */
export function percentiles(times: readonly number[]): Percentiles {
  const s = [...times].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { p50: at(50), p95: at(95), best: s[0], runs: s.length };
}

/** Python with torch (and whether torchvision, for Inception v3, is there too), or null. */
export function findTorch(): { python: string; torchvision: boolean } | null {
  const python = findPython(['torch']);
  if (!python) return null;
  return { python, torchvision: findPython(['torch', 'torchvision']) === python };
}

export interface TorchEnv {
  torch: string;
  torchvision: string | null;
  mkldnn: boolean;
  mkl: boolean;
  cores: number;
}

/**
 * The PyTorch peer as a long-lived process (JSON lines on stdin/stdout, see torch-peer.py), so
 * that benches can alternate their own runs with PyTorch's and load from other processes hits both
 * alike. One process per thread count (`threads`, set once): switching torch.set_num_threads back
 * and forth inside one process made steps several times slower here. `onTick` fires once per timed
 * PyTorch run. Requests run one at a time.
 */
export class TorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: { resolve(line: string): void; reject(e: Error): void } | null = null;
  private stderrTail: string[] = [];
  private exited: Error | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    python: string,
    readonly threads: number,
    onTick: () => void,
  ) {
    this.child = spawn(python, [TORCH_PEER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(line);
      } else this.answers.push(line);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      if (line === 'tick') onTick();
      else if (line.trim()) this.stderrTail = [...this.stderrTail.slice(-4), line];
    });
    const fail = (why: string) => {
      this.exited = new RopError('BENCH.PEER_FAILED', `PyTorch peer ${why}: ${this.stderrTail.join(' | ')}`);
      this.waiting?.reject(this.exited);
      this.waiting = null;
    };
    this.child.on('error', (e) => fail(`failed to start (${e.message})`));
    this.child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  }

  request<T>(msg: Record<string, unknown>): Promise<T> {
    const next = this.chain.then(() => this.send<T>(msg));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private send<T>(msg: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<string>((resolve, reject) => {
      const ready = this.answers.shift();
      if (ready !== undefined) resolve(ready);
      else this.waiting = { resolve, reject };
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    }).then((line) => {
      const answer = JSON.parse(line) as T & { error?: string };
      if (answer.error)
        throw new RopError('BENCH.PEER_FAILED', `PyTorch peer: ${answer.error}`, { op: String(msg.op) });
      return answer;
    });
  }

  /** Timed runs of a built job: ms per run. */
  async run(id: string, runs: number, warmup: number): Promise<number[]> {
    const threads = this.threads;
    return (await this.request<{ times: number[] }>({ op: 'run', id, runs, warmup, threads })).times;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await done;
  }
}

/** The environment line's facts, common to both benches. */
export function machineFacts(): { node: string; cpu: string; cores: number; load: string } {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** Logs at warn and up only: a bench's stderr is its progress bar. */
export function benchContext(): PluginContext {
  const ctx = cliContext();
  return { log: (level, msg, meta) => (level === 'warn' || level === 'error') && ctx.log(level, msg, meta) };
}

export function progressBar(title: string, json: boolean) {
  const bar = new SingleBar({
    format: `${title} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s | {stage}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 20,
  });
  return {
    start: (total: number) => !json && bar.start(total, 0, { stage: '' }),
    stage: (stage: string) => !json && bar.update({ stage }),
    tick: () => !json && bar.increment(),
    stop: () => !json && bar.stop(),
  };
}

export const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
export const fmtPair = (p: Percentiles | null | undefined) => (p ? `${fmt(p.p50)} / ${fmt(p.p95)}` : 'n/a');
export const fmtRatio = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : `${v.toFixed(2)}x`;

// ---------------------------------------------------------------------------------------------
// rop bench inference

const SIZE = 299;
const UNET = { inputSize: SIZE, depth: 4, baseFilters: 16 } as const;

type ModelId = 'unet-binary' | 'unet-multiclass' | 'inception-2ch' | 'inception-1ch';

interface ModelSpec {
  id: ModelId;
  label: string;
  /** The segmenter / classifier config (untrained, seeded). */
  config: Record<string, unknown>;
  architecture: 'segmenter-unet' | 'classifier-inception-v3';
  /** The same model for the PyTorch peer. */
  torch: Record<string, unknown>;
  channels: number;
}

const MODELS: Record<ModelId, ModelSpec> = {
  'unet-binary': {
    id: 'unet-binary',
    label: 'U-Net d4 f16 (line)',
    config: { ...UNET, name: 'bench-unet-line', head: 'binary', seed: 1 },
    architecture: 'segmenter-unet',
    torch: { arch: 'unet', in: 1, out: 1, depth: UNET.depth, filters: UNET.baseFilters },
    channels: 1,
  },
  'unet-multiclass': {
    id: 'unet-multiclass',
    label: 'U-Net d4 f16 (3 stages + bg)',
    config: { ...UNET, name: 'bench-unet-stages', head: 'multiclass', seed: 2 },
    architecture: 'segmenter-unet',
    torch: { arch: 'unet', in: 1, out: 4, depth: UNET.depth, filters: UNET.baseFilters },
    channels: 1,
  },
  'inception-2ch': {
    id: 'inception-2ch',
    label: 'Inception v3 299x2',
    config: { name: 'bench-inception-2ch', inputSize: SIZE, inputChannels: 2, seed: 3 },
    architecture: 'classifier-inception-v3',
    torch: { arch: 'inception', in: 2, classes: 3 },
    channels: 2,
  },
  'inception-1ch': {
    id: 'inception-1ch',
    label: 'Inception v3 299x1',
    config: { name: 'bench-inception-1ch', inputSize: SIZE, inputChannels: 1, seed: 4 },
    architecture: 'classifier-inception-v3',
    torch: { arch: 'inception', in: 1, classes: 3 },
    channels: 1,
  },
};

const PIPELINES: { kind: PipelineKind; models: ModelId[] }[] = [
  { kind: 'hybrid', models: ['unet-binary', 'inception-2ch'] },
  { kind: 'classifier-only', models: ['inception-1ch'] },
  { kind: 'segmentation-only', models: ['unet-multiclass'] },
];

interface InferenceOptions {
  runs: number;
  cpuRuns: number;
  backends: BenchBackend[];
  workers: number;
  images: number;
  image: [number, number];
  torch: boolean;
  json: boolean;
}

interface LatencyRow {
  pipeline: PipelineKind;
  models: string;
  backend: BenchBackend;
  /** `analyze()` of a whole image, end to end (preprocess, forward passes, mask decoding). */
  analyzeMs: Percentiles | null;
  /** The pipeline's forward passes back to back, as the PyTorch peer times them. */
  forwardMs: Percentiles;
  torchForwardMs: Percentiles | null;
  /** ROPline forward p50 / PyTorch forward p50 (> 1: ROPline is slower). */
  ratio: number | null;
}

interface ThroughputRow {
  setup: string;
  workers: number;
  imagesPerSecond: number;
  speedupVsOneWorker: number | null;
  /** ROPline time per image / PyTorch's on all cores (> 1: ROPline is slower). */
  ratioVsTorch: number | null;
  /** Resident memory the pool added to the process once warm (MB), pool rows only. */
  poolRssMb: number | null;
}

function isUnet(spec: ModelSpec): boolean {
  return spec.architecture === 'segmenter-unet';
}

/** Builds one model, untrained and seeded, as the pipeline loader would (warm-up pass included). */
async function loadPart({ models: m }: ModelsLib, spec: ModelSpec, ctx: PluginContext) {
  return isUnet(spec) ? m.loadUnetSegmenter(spec.config, ctx) : m.loadInceptionV3Classifier(spec.config, ctx);
}

/** Builds one model without the loaders' warm-up pass (on cpu that pass alone takes ~30 s). */
function buildBare({ models: m }: ModelsLib, spec: ModelSpec): LayersModel {
  return isUnet(spec)
    ? m.buildUnetForConfig(m.unetSegmenterConfigSchema.parse(spec.config))
    : m.buildInceptionV3({
        inputSize: { width: SIZE, height: SIZE },
        inputChannels: spec.channels,
        numClasses: 3,
        seed: Number(spec.config.seed),
      });
}

/** One call of: the forward passes of `models` back to back, on random standardized inputs. */
function forwardPasses({ tf }: ModelsLib, models: { model: LayersModel; channels: number }[]) {
  const inputs = models.map((m, i) => tf.randomNormal([1, SIZE, SIZE, m.channels], 0, 1, 'float32', 7 + i));
  return {
    run: async () => {
      for (let i = 0; i < models.length; i++) {
        const out = tf.tidy(() => models[i].model.predict(inputs[i]) as Tensor);
        await out.data();
        out.dispose();
      }
    },
    dispose: () => tf.dispose(inputs),
  };
}

const SPIN = `const { parentPort, workerData } = require('node:worker_threads');
let x = 1;
for (let i = 0; i < workerData; i++) x = (x * 48271) % 2147483647;
parentPort.postMessage(x);`;

/**
 * How many cores' worth of CPU `n` threads get right now: a fixed CPU-bound loop in 1 thread, then
 * in `n` at once; n * t1 / tn (n on an idle machine, less when other processes hold cores).
 */
export async function parallelCapacity(n: number, iterations = 1e7): Promise<number> {
  const run = (threads: number) =>
    msOf(() =>
      Promise.all(
        Array.from(
          { length: threads },
          () =>
            new Promise((resolve, reject) => {
              const w = new Worker(SPIN, { eval: true, workerData: iterations });
              w.once('message', resolve);
              w.once('error', reject);
            }),
        ),
      ),
    );
  const t1 = await run(1);
  return (n * t1) / (await run(n));
}

async function msOf(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function runInferenceBench(o: InferenceOptions): Promise<void> {
  const lib = await loadModelsLib();
  const { tf } = lib;
  const { createInferencePool, createStagingPipeline, describeWasmRuntime, initBackend } = lib.models;
  const { saveModel, savePipelineManifest } = lib.models;
  const ctx = benchContext();
  const progress = progressBar('bench inference', o.json);
  const machine = machineFacts();
  const [iw, ih] = o.image;
  const image: Image8 = makeFundusLike(iw, ih, 7);
  const torch = o.torch ? findTorch() : null;
  const peerCan = (p: { models: ModelId[] }) =>
    Boolean(torch && (torch.torchvision || p.models.every((m) => isUnet(MODELS[m]))));
  const wasm = o.backends.includes('wasm');
  const torchThroughput = Boolean(torch?.torchvision) && wasm;
  const workerCounts = [...new Set([1, o.workers])];
  const warmup = 1;
  const runsOf = (b: BenchBackend) => (b === 'cpu' ? o.cpuRuns : o.runs);

  // Progress units: one per timed call. PyTorch runs alongside the first backend of the list.
  let total = 0;
  for (const b of o.backends) total += PIPELINES.length * runsOf(b) * (b === 'wasm' ? 2 : 1);
  total += PIPELINES.filter(peerCan).length * runsOf(o.backends[0]);
  if (wasm)
    total += workerCounts.length * o.images + (torchThroughput ? o.images * (o.workers > 1 ? 2 : 1) : 0);
  progress.start(total);

  const rows: LatencyRow[] = [];
  const throughput: ThroughputRow[] = [];
  const torchTimes = new Map<PipelineKind, number[]>();
  let wasmRuntime: string | null = null;
  let torchEnv: TorchEnv | null = null;
  // PyTorch on one thread per image, as a wasm backend; the images/s peers start later.
  const peer = torch ? new TorchPeer(torch.python, 1, progress.tick) : null;
  let capacity: number | null = null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ropline-bench-inference-'));
  try {
    if (peer) torchEnv = await peer.request<TorchEnv>({ op: 'env' });
    for (const backend of o.backends) {
      progress.stage(`${backend}: starting`);
      await initBackend({ backend }, ctx);
      if (backend === 'wasm') wasmRuntime = await describeWasmRuntime();
      const runs = runsOf(backend);
      for (const p of PIPELINES) {
        const specs = p.models.map((id) => MODELS[id]);
        const label = specs.map((s) => s.label).join(' + ');
        const withTorch = peer !== null && peerCan(p) && !torchTimes.has(p.kind);
        progress.stage(`${backend}: ${p.kind}: building ${label}`);
        if (withTorch) {
          await peer.request({ op: 'build', id: p.kind, size: SIZE, models: specs.map((s) => s.torch) });
          await peer.run(p.kind, 0, warmup);
        }
        // wasm: the models as the pipeline loader builds them and predicts with (BatchNorm folded
        // into the convs), and the pipeline; cpu: forward only, unfolded.
        const parts = backend === 'wasm' ? await Promise.all(specs.map((s) => loadPart(lib, s, ctx))) : null;
        const models = parts ? parts.map((m) => m.inferenceModel()) : specs.map((s) => buildBare(lib, s));
        const forward = forwardPasses(
          lib,
          models.map((model, i) => ({ model, channels: specs[i].channels })),
        );
        const pipeline = parts
          ? createStagingPipeline(p.kind, {
              segmenter: parts.find((_, i) => isUnet(specs[i])) as UnetSegmenter | undefined,
              classifier: parts.find((_, i) => !isUnet(specs[i])) as LayersClassifier | undefined,
            })
          : null;
        try {
          const t = { forward: [] as number[], analyze: [] as number[], torch: [] as number[] };
          if (backend === 'wasm') {
            for (let i = 0; i < warmup; i++) await forward.run();
            for (let i = 0; i < warmup; i++) await pipeline?.analyze(image);
          }
          // Alternate ROPline's forward passes, its analyze() and PyTorch's forward passes.
          progress.stage(
            `${backend}: ${p.kind}: ${backend === 'cpu' ? 'forward, ~30 s per model and run' : 'timing'}`,
          );
          for (let i = 0; i < runs; i++) {
            t.forward.push(await msOf(forward.run));
            progress.tick();
            if (pipeline) {
              t.analyze.push(await msOf(() => pipeline.analyze(image)));
              progress.tick();
            }
            if (withTorch) t.torch.push(...(await peer.run(p.kind, 1, 0)));
          }
          if (withTorch) torchTimes.set(p.kind, t.torch);
          const torchMs = torchTimes.get(p.kind);
          const forwardMs = percentiles(t.forward);
          const torchForwardMs = torchMs ? percentiles(torchMs) : null;
          rows.push({
            pipeline: p.kind,
            models: label,
            backend,
            analyzeMs: t.analyze.length ? percentiles(t.analyze) : null,
            forwardMs,
            torchForwardMs,
            ratio: torchForwardMs ? forwardMs.p50 / torchForwardMs.p50 : null,
          });
          if (parts && p.kind === 'hybrid') {
            progress.stage('wasm: hybrid: saving the pipeline for the worker pool');
            for (let i = 0; i < specs.length; i++) {
              await saveModel(path.join(dir, isUnet(specs[i]) ? 'segmenter' : 'classifier'), parts[i], {
                architecture: specs[i].architecture,
                config: specs[i].config,
              });
            }
            await savePipelineManifest(dir, {
              kind: 'hybrid',
              name: 'bench-hybrid',
              version: '0.0.0',
              segmenter: 'segmenter',
              classifier: 'classifier',
            });
          }
        } finally {
          forward.dispose();
          if (pipeline) pipeline.dispose();
          else models.forEach((m) => m.dispose());
          if (withTorch) await peer.request({ op: 'drop', id: p.kind });
        }
      }
    }

    if (wasm) {
      const hybrid = rows.find((r) => r.backend === 'wasm' && r.pipeline === 'hybrid');
      if (hybrid?.analyzeMs) {
        throughput.push({
          setup: 'ROPline in-process, one image after another (1000 / analyze() p50)',
          workers: 1,
          imagesPerSecond: 1000 / hybrid.analyzeMs.p50,
          speedupVsOneWorker: null,
          ratioVsTorch: null,
          poolRssMb: null,
        });
      }
      progress.stage('parallel capacity: CPU-bound JS in 1 vs N threads');
      capacity = await parallelCapacity(o.workers);
      for (const workers of workerCounts) {
        const what = `${workers} worker${workers > 1 ? 's' : ''}`;
        progress.stage(`worker pool: starting ${what}`);
        const rssBefore = process.memoryUsage().rss;
        const pool = await createInferencePool({ pipelineDir: dir, workers, backend: 'wasm', ctx });
        try {
          await Promise.all(Array.from({ length: workers }, () => pool.analyze(image)));
          const poolRssMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
          progress.stage(`worker pool: ${o.images} images through ${what}`);
          const ms = await msOf(() =>
            Promise.all(Array.from({ length: o.images }, () => pool.analyze(image).then(progress.tick))),
          );
          throughput.push({
            setup: `ROPline worker pool, ${what} (wasm)`,
            workers,
            imagesPerSecond: (o.images * 1000) / ms,
            speedupVsOneWorker: null,
            ratioVsTorch: null,
            poolRssMb,
          });
        } finally {
          await pool.close();
        }
      }
      const isPool = (t: ThroughputRow) => t.setup.startsWith('ROPline worker pool');
      const one = throughput.find((t) => isPool(t) && t.workers === 1);
      for (const t of throughput)
        if (one && isPool(t)) t.speedupVsOneWorker = t.imagesPerSecond / one.imagesPerSecond;

      if (torch && torchThroughput) {
        // All cores two ways: one process with N threads (torch.set_num_threads(N)), and N
        // single-threaded processes side by side (what the worker pool does).
        const hybrid = PIPELINES.find((p) => p.kind === 'hybrid') as (typeof PIPELINES)[number];
        const build = {
          op: 'build',
          id: 'hybrid',
          size: SIZE,
          models: hybrid.models.map((m) => MODELS[m].torch),
        };
        const torchRows: ThroughputRow[] = [];
        progress.stage(`PyTorch: ${o.images} images, 1 process x ${o.workers} threads`);
        const all = new TorchPeer(torch.python, o.workers, progress.tick);
        try {
          await all.request(build);
          await all.run('hybrid', 0, 1);
          const ms = await msOf(() => all.run('hybrid', o.images, 0));
          torchRows.push({
            setup: `PyTorch CPU, 1 process x ${o.workers} threads, one image after another`,
            workers: o.workers,
            imagesPerSecond: (o.images * 1000) / ms,
            speedupVsOneWorker: null,
            ratioVsTorch: null,
            poolRssMb: null,
          });
        } finally {
          await all.close();
        }
        if (o.workers > 1) {
          progress.stage(`PyTorch: ${o.images} images, ${o.workers} processes x 1 thread`);
          const singles = Array.from(
            { length: o.workers },
            () => new TorchPeer(torch.python, 1, progress.tick),
          );
          try {
            await Promise.all(singles.map((p) => p.request(build).then(() => p.run('hybrid', 0, 1))));
            const share = (i: number) =>
              Math.floor(o.images / o.workers) + (i < o.images % o.workers ? 1 : 0);
            const ms = await msOf(() => Promise.all(singles.map((p, i) => p.run('hybrid', share(i), 0))));
            torchRows.push({
              setup: `PyTorch CPU, ${o.workers} processes x 1 thread, side by side`,
              workers: o.workers,
              imagesPerSecond: (o.images * 1000) / ms,
              speedupVsOneWorker: null,
              ratioVsTorch: null,
              poolRssMb: null,
            });
          } finally {
            await Promise.all(singles.map((p) => p.close()));
          }
        }
        const best = Math.max(...torchRows.map((t) => t.imagesPerSecond));
        for (const t of throughput) t.ratioVsTorch = best / t.imagesPerSecond;
        throughput.push(...torchRows);
      }
    }
    progress.stop();

    const env = {
      ...machine,
      loadAfter: machineFacts().load,
      tfjs: tf.version['tfjs'],
      wasm: wasmRuntime,
      image: `${iw}x${ih} RGB synthetic fundus, model input ${SIZE}x${SIZE}`,
      runs: o.runs,
      cpuRuns: o.backends.includes('cpu') ? o.cpuRuns : null,
      warmup,
      poolImages: o.images,
      parallelCapacity: capacity,
      torch: torchEnv
        ? { ...torchEnv, perImageThreads: 1, throughputThreads: torchThroughput ? o.workers : null }
        : 'not found: install python3-torch (and python3-torchvision for Inception v3)',
      weights: 'untrained, seeded: speed does not depend on the weights',
    };
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ env, latency: rows, throughput }, null, 2)}\n`);
      return;
    }
    const latencyTable = markdownTable(
      [
        'pipeline',
        'models',
        'backend',
        'analyze() p50 / p95 ms',
        'forward p50 / p95 ms',
        'PyTorch forward p50 / p95 ms (1 thread)',
        'ROPline / PyTorch (forward p50)',
      ],
      rows.map((r) => [
        r.pipeline,
        r.models,
        r.backend === 'wasm'
          ? 'wasm (1 thread)'
          : `cpu (${r.forwardMs.runs} run${r.forwardMs.runs > 1 ? 's' : ''})`,
        fmtPair(r.analyzeMs),
        fmtPair(r.forwardMs),
        fmtPair(r.torchForwardMs),
        fmtRatio(r.ratio),
      ]),
    );
    const throughputTable = throughput.length
      ? markdownTable(
          [
            'hybrid pipeline',
            'images/s',
            'speed-up vs 1 worker',
            'ROPline / PyTorch, faster all-cores setup (time per image)',
            'memory added (MB)',
          ],
          throughput.map((t) => [
            t.setup,
            fmt(t.imagesPerSecond, 2),
            fmtRatio(t.speedupVsOneWorker),
            fmtRatio(t.ratioVsTorch),
            t.poolRssMb === null ? '' : fmt(t.poolRssMb),
          ]),
        ) + '\n\n'
      : '';
    const torchLine = torchEnv
      ? `PyTorch ${torchEnv.torch} CPU (torchvision ${torchEnv.torchvision ?? 'missing: Inception v3 not compared'}, ` +
        `oneDNN ${torchEnv.mkldnn ? 'on' : 'off'}, MKL ${torchEnv.mkl ? 'on' : 'off'}), ` +
        `torch.set_num_threads(1) per image`
      : 'PyTorch: not found (install python3-torch and python3-torchvision to compare)';
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const notes = [
      'Per image:',
      [
        wasm ? `wasm ${plural(o.runs, 'run')} after ${warmup} warm-up` : '',
        o.backends.includes('cpu') ? `cpu ${plural(o.cpuRuns, 'run')}, forward only, no warm-up` : '',
      ]
        .filter(Boolean)
        .join('; ') + (torchEnv ? ', alternating with the PyTorch runs;' : ';'),
      `analyze() takes a ${env.image}; forward = the pipeline's models back to back at ${SIZE}x${SIZE}` +
        (wasm ? ' (on wasm as the pipeline runs them: BatchNorm folded into the convolutions).' : '.'),
    ];
    if (wasm) {
      notes.push(
        `Images/s: ${o.images} images queued at once, after one warm-up image per worker` +
          (capacity === null
            ? '.'
            : `; just before, ${o.workers} threads of CPU-bound JS ran ${capacity.toFixed(2)}x as fast as 1 (${o.workers} on idle cores).`),
      );
    }
    process.stdout.write(
      `${latencyTable}\n\n${throughputTable}` +
        notes.join(' ') +
        ' ' +
        `Weights are untrained and seeded: speed does not depend on them.\n` +
        `Node ${machine.node}, ${machine.cpu} x ${machine.cores}, load ${machine.load} -> ${env.loadAfter}, ` +
        `tfjs ${env.tfjs}${wasmRuntime ? ` (wasm: ${wasmRuntime})` : ''}; ${torchLine}.\n`,
    );
  } finally {
    progress.stop();
    await peer?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function registerBenchInference(bench: Command): void {
  bench
    .command('inference')
    .description(
      'Per-image latency (p50/p95) of the hybrid, classifier-only and segmentation-only pipelines at 299x299 ' +
        '(U-Net depth 4 / 16 filters, Inception v3), images/s through the worker pool vs 1 worker, and the same ' +
        'forward passes in PyTorch CPU (python3-torch + python3-torchvision) in the same run',
    )
    .option('-n, --runs <n>', 'timed runs per pipeline (wasm and PyTorch)', parsePositiveInt, 10)
    .option(
      '--backends <list>',
      'tfjs backends, comma list of wasm, cpu (cpu: ~30 s per forward pass, forward only, --cpu-runs runs)',
      parseList(BENCH_BACKENDS),
      ['wasm'] as BenchBackend[],
    )
    .option('--cpu-runs <n>', 'timed runs per pipeline on the cpu backend', parsePositiveInt, 1)
    .option(
      '--workers <n>',
      'worker threads of the pool (compared with 1)',
      parsePositiveInt,
      os.availableParallelism(),
    )
    .option('--images <n>', 'images timed through each pool', parsePositiveInt, 4 * os.availableParallelism())
    .option(
      '--image <size>',
      'input image size, WxH (preprocessing resizes it to 299x299)',
      parseSize,
      [640, 480],
    )
    .option('--no-torch', 'skip the PyTorch comparison')
    .option('--json', 'print JSON instead of Markdown tables', false)
    .action((opts: InferenceOptions) => runCommand(() => runInferenceBench(opts)));
}
