import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RopError, type Image8, type ImageF32 } from '@ropline/core';

/** Debian's interpreter first: it is the one with python3-opencv; `python3` on PATH may be a pyenv. */
export const PYTHON_CANDIDATES: readonly string[] = ['/usr/bin/python3', 'python3'];

const ORACLE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'opencv-oracle.py');
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const found = new Map<string, string | null>();

/**
 * The first interpreter (`ROPLINE_PYTHON` if set, then `PYTHON_CANDIDATES`) that can import every
 * module in `modules`, or null (always null with `ROPLINE_PYTHON=none`). Memoized per module list,
 * so tests can call it freely.
 */
export function findPython(modules: readonly string[] = []): string | null {
  for (const m of modules) {
    if (!MODULE_NAME.test(m)) throw new RopError('TESTING.INVALID_ARGUMENT', `not a module name: ${m}`);
  }
  const key = [...modules].sort().join(',');
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  const env = process.env['ROPLINE_PYTHON'];
  // ROPLINE_PYTHON=none turns the oracle off (e.g. to check that dependent tests skip cleanly).
  const candidates = env === 'none' ? [] : env ? [env, ...PYTHON_CANDIDATES] : PYTHON_CANDIDATES;
  const code = modules.length > 0 ? `import ${modules.join(', ')}` : 'pass';
  let hit: string | null = null;
  for (const candidate of candidates) {
    const r = spawnSync(candidate, ['-c', code], { stdio: 'ignore', timeout: 30_000 });
    if (r.status === 0) {
      hit = candidate;
      break;
    }
  }
  found.set(key, hit);
  return hit;
}

export type OpenCvOp =
  | 'equalizeHist'
  | 'clahe'
  | 'resize'
  | 'rgbToGray'
  | 'weightedGray'
  | 'standardize'
  /** Input: the encoded file as a 1 x N 1-channel "image"; output: RGB. */
  | 'imdecode';

export interface OpenCvJob {
  op: OpenCvOp;
  /** 8-bit input; the same object in several jobs is sent to Python once. */
  image: Image8;
  /**
   * clahe: {clipLimit, tilesX, tilesY}; resize: {width, height, interpolation: 'area'|'linear'|
   * 'nearest'|'cubic'}; weightedGray: {weights: [r, g, b]}.
   */
  params?: Record<string, unknown>;
}

export interface OpenCvTiming {
  bestMs: number;
  medianMs: number;
  runs: number;
}

export interface OpenCvResult {
  /** Set for ops with 8-bit output. */
  image: Image8 | null;
  /** Set for ops with float32 output (standardize). */
  imageF32: ImageF32 | null;
  /** Python-side timing of the cv2 call alone, when `repeat` > 0. */
  timing: OpenCvTiming | null;
}

export interface OpenCvRun {
  opencvVersion: string;
  threads: number;
  results: OpenCvResult[];
}

export interface RunOpenCvOptions {
  /** Interpreter; default `findPython(['cv2', 'numpy'])`. */
  python?: string;
  /** Timed runs per job (0: just compute). */
  repeat?: number;
  /** Untimed runs before timing. Default 1. */
  warmup?: number;
  /** `cv2.setNumThreads` (1 for a like-for-like single-thread comparison). Default: OpenCV's own. */
  threads?: number;
  timeoutMs?: number;
}

interface ResponseJson {
  opencv: string;
  threads: number;
  results: { width: number; height: number; channels: number; dtype: string; timing: OpenCvTiming | null }[];
}

function run(file: string, args: string[], timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const tail = String(stderr).trim().split('\n').slice(-5).join(' | ');
      reject(
        new RopError(
          'TESTING.ORACLE_FAILED',
          `OpenCV oracle failed: ${error.message} ${tail}`,
          {},
          { cause: error },
        ),
      );
    });
  });
}

/**
 * Runs a batch of OpenCV ops in one Python process (start-up costs ~0.3 s, so batch). Images go
 * through a temporary directory as raw bytes plus a JSON request, results come back the same way.
 */
export async function runOpenCv(
  jobs: readonly OpenCvJob[],
  options: RunOpenCvOptions = {},
): Promise<OpenCvRun> {
  const python = options.python ?? findPython(['cv2', 'numpy']);
  if (!python) {
    throw new RopError(
      'TESTING.PYTHON_UNAVAILABLE',
      'no Python with cv2 and numpy (tried ROPLINE_PYTHON, /usr/bin/python3, python3)',
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'ropline-cv-'));
  try {
    const index = new Map<Image8, number>();
    const inputs: { file: string; width: number; height: number; channels: number }[] = [];
    for (const job of jobs) {
      if (index.has(job.image)) continue;
      const { width, height, channels, data } = job.image;
      const file = `in${inputs.length}.u8`;
      await writeFile(path.join(dir, file), data);
      index.set(job.image, inputs.length);
      inputs.push({ file, width, height, channels });
    }
    const request = {
      inputs,
      jobs: jobs.map((j, k) => ({
        op: j.op,
        params: j.params ?? {},
        input: index.get(j.image),
        output: `out${k}.bin`,
      })),
      repeat: options.repeat ?? 0,
      warmup: options.warmup ?? 1,
      threads: options.threads ?? null,
    };
    await writeFile(path.join(dir, 'request.json'), JSON.stringify(request));
    await run(python, [ORACLE_SCRIPT, dir], options.timeoutMs ?? 300_000);
    const response = JSON.parse(await readFile(path.join(dir, 'response.json'), 'utf8')) as ResponseJson;
    const results: OpenCvResult[] = [];
    for (let k = 0; k < response.results.length; k++) {
      const r = response.results[k];
      const bytes = await readFile(path.join(dir, `out${k}.bin`));
      let image: Image8 | null = null;
      let imageF32: ImageF32 | null = null;
      if (r.dtype === 'uint8') {
        image = {
          data: new Uint8Array(bytes),
          width: r.width,
          height: r.height,
          channels: r.channels as 1 | 3,
        };
      } else if (r.dtype === 'float32') {
        const data = new Float32Array(bytes.byteLength / 4);
        new Uint8Array(data.buffer).set(bytes);
        imageF32 = { data, width: r.width, height: r.height, channels: r.channels };
      } else {
        throw new RopError('TESTING.ORACLE_FAILED', `unexpected dtype from the oracle: ${r.dtype}`);
      }
      results.push({ image, imageF32, timing: r.timing });
    }
    return { opencvVersion: response.opencv, threads: response.threads, results };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Convenience: one op with the same params over several images; returns the 8-bit outputs. */
export async function opencvApply(
  op: OpenCvOp,
  images: readonly Image8[],
  params: Record<string, unknown> = {},
  options: RunOpenCvOptions = {},
): Promise<Image8[]> {
  const out = await runOpenCv(
    images.map((image) => ({ op, image, params })),
    options,
  );
  return out.results.map((r) => {
    if (!r.image) throw new RopError('TESTING.ORACLE_FAILED', `${op} returned no 8-bit image`);
    return r.image;
  });
}

/** Largest absolute per-sample difference of two same-shaped 8-bit images (Infinity if shapes differ). */
export function maxAbsDiff(a: Image8, b: Image8): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d > m) m = d;
  }
  return m;
}
