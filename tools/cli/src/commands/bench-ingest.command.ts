import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readFile, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { RopError } from '@ropline/core';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { runCommand } from '../run-command.js';
import { markdownTable } from '../timing.js';
import { machineFacts } from './bench-inference.command.js';
import { parseList, parsePositiveInt, parseSize } from './options.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const GATEWAY_ROOT = path.join(ROOT, 'apps/gateway');
const childOf = (gatewayRoot: string) => path.join(gatewayRoot, 'src/testing/gateway.child.ts');
const ORTHANC_BIN = '/usr/sbin/Orthanc';
const ORTHANC_DICOMWEB = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const STORESCU = '/usr/bin/storescu';
const OP_8BIT = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
const MB = 1e6;

const CHANNELS = ['stow', 'cstore'] as const;
type Channel = (typeof CHANNELS)[number];

/** Orthanc settings that differ from its defaults: durable, uncompressed, default SQLite index. */
export const ORTHANC_DURABLE = { SyncStorageCommits: true, StorageCompression: false } as const;

interface Server {
  name: 'ROPline' | 'Orthanc';
  /** Base of the STOW-RS endpoint: POST `${stowUrl}` with a multipart/related body. */
  stowUrl: string;
  dimse: { port: number; aeTitle: string };
  pid: number;
  stop(): Promise<void>;
}

interface ServerResult {
  instancesPerSec: number;
  mbPerSec: number;
  seconds: number;
  failures: number;
  /** Main server process (ROPline: the gateway's Node process; Orthanc: Orthanc). MB. */
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** The process and its descendants (ROPline: + embedded Postgres; tsx's esbuild excluded). MB. */
  treeRssPeakMb: number;
}

interface Row {
  channel: Channel;
  concurrency: number;
  /** The run with the median instances/s (failures: all runs; RSS peaks: the highest of all runs). */
  ropline: ServerResult;
  orthanc: ServerResult;
  /** Median over the repeats of ROPline instances/s / Orthanc's in the same pair (>= 1: ROPline at least as fast). */
  throughputRatio: number;
  /** Every repeat, in order: each pair ran back to back, alternating which server went first. */
  repeats: { roplineInstancesPerSec: number; orthancInstancesPerSec: number; ratio: number }[];
}

const median = (values: number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** One server's runs of a row summarised: the median run, with all failures and the highest peaks. */
function summarise(runs: ServerResult[]): ServerResult {
  const byRate = [...runs].sort((a, b) => a.instancesPerSec - b.instancesPerSec);
  const mid = byRate[Math.floor((byRate.length - 1) / 2)];
  return {
    ...mid,
    instancesPerSec: median(runs.map((r) => r.instancesPerSec)),
    mbPerSec: median(runs.map((r) => r.mbPerSec)),
    failures: runs.reduce((n, r) => n + r.failures, 0),
    rssPeakMb: Math.max(...runs.map((r) => r.rssPeakMb)),
    treeRssPeakMb: Math.max(...runs.map((r) => r.treeRssPeakMb)),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// --- instances -------------------------------------------------------------------------------

/** N OP 8-bit RGB instances with noisy pixels (no run-length luck), ~W*H*3 bytes each, as files. */
async function writeInstances(
  dir: string,
  n: number,
  [w, h]: [number, number],
  tag: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let seed = 0x9e3779b9;
  const base = `2.25.${Date.now()}${process.pid}${tag}`;
  for (let i = 0; i < n; i++) {
    const pixels = new Uint8Array(w * h * 3);
    for (let p = 0; p < pixels.length; p++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      pixels[p] = seed >>> 24;
    }
    const study = `${base}.${Math.floor(i / 20)}`;
    const ds = createImageDataset({
      rows: h,
      columns: w,
      samplesPerPixel: 3,
      pixelData: pixels,
      sopClassUid: OP_8BIT,
      extra: {
        StudyInstanceUID: study,
        SeriesInstanceUID: `${study}.1`,
        SOPInstanceUID: `${base}.${Math.floor(i / 20)}.1.${i + 1}`,
        InstanceNumber: i + 1,
        Modality: 'OP',
        Manufacturer: 'ROPline bench',
        ImageLaterality: i % 2 ? 'L' : 'R',
        PatientID: `BENCH-${Math.floor(i / 20)}`,
        PatientName: 'Bench^Synthetic',
      },
    });
    const file = path.join(dir, `${String(i).padStart(6, '0')}.dcm`);
    // fsynced: the first run must not share the disk with the write-back of these ~600 MB (it
    // then measured ROPline's three flushes per instance, and Orthanc's one, queued behind it).
    const out = await open(file, 'wx');
    try {
      await out.writeFile(writeDicom(ds));
      await out.sync();
    } finally {
      await out.close();
    }
    files.push(file);
  }
  return files;
}

const BOUNDARY = 'ropline-bench-3f1c9a';

/** One instance per request: multipart/related; type="application/dicom". */
function stowBody(dicom: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`),
    dicom,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

// --- servers ---------------------------------------------------------------------------------

async function startRopline(dir: string, maxAssociations: number, gatewayRoot: string): Promise<Server> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const config = {
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    // Ingest only: no analysis worker, and every instance routes to `ignore`.
    worker: { enabled: false },
    routing: { rules: [], default: 'ignore' },
    // One association per C-STORE sender (the default limit, 8, refuses the 9th).
    dimse: { enabled: true, port: 0, maxAssociations },
    limits: { minFreeDiskBytes: 0 },
  };
  // apps/gateway/src/testing/gateway.child.ts (shared with the fault tests): config from
  // ROPLINE_GATEWAY_CONFIG, one JSON line {url, dimsePort, pid} on stdout once listening.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), childOf(gatewayRoot)], {
    cwd: gatewayRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: path.join(gatewayRoot, 'tsconfig.json'),
      ROPLINE_GATEWAY_CONFIG: JSON.stringify(config),
    },
  });
  let err = '';
  child.stderr?.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  const stop = () => stopChild(child, 15_000);
  try {
    const ready = await new Promise<{ url: string; dimsePort: number | null }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ROPline gateway did not start: ${err}`)), 120_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ROPline gateway exited (${code}): ${err}`));
      });
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; dimsePort: number | null });
      });
    });
    if (ready.dimsePort === null) throw new Error('ROPline gateway started without its DIMSE SCP');
    return {
      name: 'ROPline',
      stowUrl: `${ready.url}/dicomweb/studies`,
      dimse: { port: ready.dimsePort, aeTitle: 'ROPLINE' },
      pid: child.pid!,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function startOrthanc(dir: string): Promise<Server> {
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  await mkdir(path.join(dir, 'db'), { recursive: true });
  const file = path.join(dir, 'orthanc.json');
  await writeFile(
    file,
    JSON.stringify({
      Name: 'ROPLINE-BENCH',
      StorageDirectory: path.join(dir, 'db'),
      IndexDirectory: path.join(dir, 'db'),
      HttpPort: httpPort,
      DicomPort: dicomPort,
      DicomAet: 'ORTHANC',
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      Plugins: [ORTHANC_DICOMWEB],
      DicomWeb: { Enable: true, Root: '/dicom-web/' },
      ...ORTHANC_DURABLE,
    }),
  );
  let out = '';
  const child = spawn(ORTHANC_BIN, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (out = (out + String(d)).slice(-4000)));
  child.stderr?.on('data', (d) => (out = (out + String(d)).slice(-4000)));
  const stop = () => stopChild(child);
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited early: ${out}`);
    try {
      if ((await fetch(`${url}/system`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not start: ${out}`);
    }
    await sleep(100);
  }
  return {
    name: 'Orthanc',
    stowUrl: `${url}/dicom-web/studies`,
    dimse: { port: dicomPort, aeTitle: 'ORTHANC' },
    pid: child.pid!,
    stop,
  };
}

// --- memory ----------------------------------------------------------------------------------

async function rssKb(pid: number): Promise<number> {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** pid and its descendants (from /proc/<pid>/stat ppid), without tsx's esbuild service. */
async function treePids(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = await readFile(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      if (comm === 'esbuild') continue;
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(d)]);
    } catch {
      // exited meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(parents.get(out[i]) ?? []));
  return out;
}

/** Samples VmRSS of `pid` (and its process tree) every 100 ms until stopped. */
function sampleRss(pid: number): { stop(): Promise<{ peakKb: number; treePeakKb: number; endKb: number }> } {
  let peakKb = 0;
  let treePeakKb = 0;
  let running = true;
  let tree: number[] = [pid];
  let ticks = 0;
  const loop = (async () => {
    while (running) {
      if (ticks++ % 10 === 0) tree = await treePids(pid);
      const [own, ...rest] = await Promise.all(tree.map(rssKb));
      peakKb = Math.max(peakKb, own);
      treePeakKb = Math.max(treePeakKb, own + rest.reduce((a, b) => a + b, 0));
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakKb, treePeakKb, endKb: await rssKb(pid) };
    },
  };
}

// --- senders ---------------------------------------------------------------------------------

async function sendStow(url: string, bodies: Buffer[], concurrency: number): Promise<number> {
  let next = 0;
  let failures = 0;
  const type = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': type, accept: 'application/dicom+json' },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  return failures;
}

const children = new Set<ChildProcess>();

function storescu(port: number, aec: string, files: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(STORESCU, ['-aet', 'BENCHSCU', '-aec', aec, '127.0.0.1', String(port), ...files], {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let err = '';
    child.stderr?.on('data', (d) => (err = (err + String(d)).slice(-2000)));
    child.on('exit', (code) => {
      children.delete(child);
      if (code !== 0) process.stderr.write(`storescu exited ${code}: ${err}\n`);
      // storescu stops at the first failure; count the whole chunk as failed.
      resolve(code === 0 ? 0 : files.length);
    });
  });
}

/** `concurrency` storescu processes, each sending its share of the files over one association. */
async function sendCstore(server: Server, files: string[], concurrency: number): Promise<number> {
  const c = Math.min(concurrency, files.length);
  const chunks = Array.from({ length: c }, (_, k) => files.filter((_, i) => i % c === k));
  const failed = await Promise.all(
    chunks.map((chunk) => storescu(server.dimse.port, server.dimse.aeTitle, chunk)),
  );
  return failed.reduce((a, b) => a + b, 0);
}

// --- the bench -------------------------------------------------------------------------------

interface Opts {
  instances: number;
  /** Instances sent to each fresh server before timing (JIT tier-up, connection pools). */
  warmup: number;
  /** Runs of each server per row, paired and interleaved (a noisy VM drifts between runs). */
  repeat: number;
  size: [number, number];
  concurrency: number[];
  channels: Channel[];
  json: boolean;
  /** apps/gateway of the checkout to measure (default: this one). */
  gateway: string;
}

async function measure(
  start: (dir: string) => Promise<Server>,
  dir: string,
  channel: Channel,
  concurrency: number,
  data: { files: string[]; bodies: Buffer[]; warmFiles: string[]; warmBodies: Buffer[]; bytes: number },
): Promise<ServerResult> {
  const server = await start(dir);
  try {
    const send = (files: string[], bodies: Buffer[], c: number) =>
      channel === 'stow' ? sendStow(server.stowUrl, bodies, c) : sendCstore(server, files, c);
    const warmFailures = await send(data.warmFiles, data.warmBodies, concurrency);
    if (warmFailures)
      throw new Error(`${server.name} refused ${warmFailures} warm-up instances (${channel})`);
    const rssStartKb = await rssKb(server.pid);
    const sampler = sampleRss(server.pid);
    const t0 = performance.now();
    const failures = await send(data.files, data.bodies, concurrency);
    const seconds = (performance.now() - t0) / 1000;
    const mem = await sampler.stop();
    const ok = data.files.length - failures;
    return {
      instancesPerSec: ok / seconds,
      mbPerSec: (data.bytes * (ok / data.files.length)) / MB / seconds,
      seconds,
      failures,
      rssStartMb: (rssStartKb * 1024) / MB,
      rssPeakMb: (mem.peakKb * 1024) / MB,
      rssEndMb: (mem.endKb * 1024) / MB,
      treeRssPeakMb: (mem.treePeakKb * 1024) / MB,
    };
  } finally {
    // The store stays until the bench ends (StoreKeeper: why).
    await server.stop();
  }
}

/** Stores' removal after a full disk: then the next run waits out the freed inodes (StoreKeeper). */
export const INODE_QUIET_MS = 35_000;

/**
 * Keeps every run's store until the bench ends, unless the disk runs short.
 *
 * Why: removing a store right before the next run (as this bench first did) taxes that run's file
 * creation. ext4 without a journal (these VMs' root filesystem) will not reuse an inode freed in
 * the last 30 s, and its allocator checks each freed inode it passes, reading the inode table:
 * perf put ~35 % of the file workers' CPU in `recently_deleted()` under `open(O_CREAT)` after
 * a removed store of ~3000 files. Whichever server ran after a removal paid for it, a large
 * part of the ±20 % that identical runs differed by. A gateway in service does not delete
 * thousands of files every few seconds, so neither server should pay it here.
 */
class StoreKeeper {
  private readonly kept: string[] = [];

  constructor(
    private readonly root: string,
    private readonly log: (msg: string) => void,
  ) {}

  /** A fresh store directory under the root, after making room for `needBytes` if need be. */
  async next(name: string, needBytes: number): Promise<string> {
    const s = await statfs(this.root);
    if (s.bavail * s.bsize < needBytes && this.kept.length) {
      this.log(
        `disk short: removing ${this.kept.length} finished stores, then ${INODE_QUIET_MS / 1000} s quiet`,
      );
      for (const dir of this.kept.splice(0)) await rm(dir, { recursive: true, force: true });
      await sleep(INODE_QUIET_MS);
    }
    const dir = path.join(this.root, name);
    this.kept.push(dir);
    return dir;
  }
}

async function runBench(o: Opts): Promise<void> {
  if (!existsSync(ORTHANC_BIN) || !existsSync(ORTHANC_DICOMWEB)) {
    throw new RopError(
      'BENCH.PEER_MISSING',
      `Orthanc (${ORTHANC_BIN}) with its DICOMweb plugin is needed as the peer: apt-get install orthanc orthanc-dicomweb`,
    );
  }
  if (o.channels.includes('cstore') && !existsSync(STORESCU)) {
    throw new RopError(
      'BENCH.PEER_MISSING',
      `C-STORE needs dcmtk's storescu (${STORESCU}): apt-get install dcmtk`,
    );
  }
  const log = (msg: string) => !o.json && process.stderr.write(`bench ingest: ${msg}\n`);
  const gatewayRoot = path.resolve(o.gateway);
  if (!existsSync(childOf(gatewayRoot))) {
    throw new RopError(
      'CONFIG.INVALID',
      `No gateway at ${gatewayRoot} (src/testing/gateway.child.ts missing)`,
    );
  }
  const machine = machineFacts();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ropline-bench-ingest-'));
  await chmod(tmp, 0o755);
  try {
    log(`writing ${o.instances} + ${o.warmup} warm-up instances (${o.size[0]}x${o.size[1]} RGB)`);
    const files = await writeInstances(path.join(tmp, 'files'), o.instances, o.size, '1');
    const warmFiles = await writeInstances(path.join(tmp, 'warm'), o.warmup, o.size, '2');
    const raw = await Promise.all(files.map((f) => readFile(f)));
    const bodies = raw.map(stowBody);
    const warmBodies = (await Promise.all(warmFiles.map((f) => readFile(f)))).map(stowBody);
    const bytes = raw.reduce((a, b) => a + b.length, 0);
    const data = { files, bodies, warmFiles, warmBodies, bytes };
    const rows: Row[] = [];
    const maxAssociations = Math.max(8, ...o.concurrency);
    const stores = new StoreKeeper(tmp, log);
    // A run's store: its instances twice over (blobs, then Orthanc's or Postgres's own files) + 1 GB.
    const storeBytes = 2 * (bytes + bytes * (o.warmup / o.instances)) + 1e9;
    let run = 0;
    for (const channel of o.channels) {
      for (const concurrency of o.concurrency) {
        const runs: Record<'ropline' | 'orthanc', ServerResult[]> = { ropline: [], orthanc: [] };
        for (let k = 0; k < o.repeat; k++) {
          // Alternate which server goes first, so a slow drift of the machine favours neither.
          const order = k % 2 ? (['orthanc', 'ropline'] as const) : (['ropline', 'orthanc'] as const);
          for (const who of order) {
            run++;
            log(
              `${channel} x${concurrency}: ${who === 'ropline' ? 'ROPline' : 'Orthanc'} (${k + 1}/${o.repeat})`,
            );
            const start =
              who === 'ropline'
                ? (dir: string) => startRopline(dir, maxAssociations, gatewayRoot)
                : startOrthanc;
            const dir = await stores.next(`${who}-${run}`, storeBytes);
            runs[who].push(await measure(start, dir, channel, concurrency, data));
          }
        }
        const repeats = runs.ropline.map((r, k) => ({
          roplineInstancesPerSec: r.instancesPerSec,
          orthancInstancesPerSec: runs.orthanc[k].instancesPerSec,
          ratio: r.instancesPerSec / runs.orthanc[k].instancesPerSec,
        }));
        rows.push({
          channel,
          concurrency,
          ropline: summarise(runs.ropline),
          orthanc: summarise(runs.orthanc),
          throughputRatio: median(repeats.map((r) => r.ratio)),
          repeats,
        });
      }
    }
    const env = {
      ...machine,
      loadAfter: machineFacts().load,
      instances: o.instances,
      instanceBytes: Math.round(bytes / files.length),
      size: `${o.size[0]}x${o.size[1]}`,
      warmup: o.warmup,
      repeat: o.repeat,
      orthancSettings: { ...ORTHANC_DURABLE, index: 'SQLite (default)' },
      roplineSettings: {
        database: 'embedded Postgres',
        worker: 'disabled',
        routing: 'ignore',
        fsync: 'per instance',
      },
    };
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ env, rows }, null, 2)}\n`);
      return;
    }
    const f = (v: number, d = 1) => v.toFixed(d);
    const spread = (values: number[], d: number, unit = '') =>
      values.length > 1 ? ` (${f(Math.min(...values), d)}${unit}-${f(Math.max(...values), d)}${unit})` : '';
    const rate = (r: ServerResult, all: number[]) =>
      `${f(r.instancesPerSec)}${spread(all, 0)}${r.failures ? `, ${r.failures} refused` : ''}`;
    const rss = (r: ServerResult) => `${f(r.rssStartMb, 0)} → ${f(r.rssPeakMb, 0)} (${f(r.rssEndMb, 0)})`;
    process.stdout.write(
      `${markdownTable(
        [
          'channel',
          'senders',
          'ROPline inst/s median (range)',
          'Orthanc inst/s median (range)',
          'ratio median (range)',
          'ROPline MB/s',
          'Orthanc MB/s',
          'ROPline RSS MB start → peak (end)',
          'Orthanc RSS MB start → peak (end)',
          'ROPline + Postgres peak MB',
        ],
        rows.map((r) => [
          r.channel === 'stow' ? 'STOW-RS' : 'C-STORE',
          String(r.concurrency),
          rate(
            r.ropline,
            r.repeats.map((x) => x.roplineInstancesPerSec),
          ),
          rate(
            r.orthanc,
            r.repeats.map((x) => x.orthancInstancesPerSec),
          ),
          `${f(r.throughputRatio, 2)}x${spread(
            r.repeats.map((x) => x.ratio),
            2,
            'x',
          )}`,
          f(r.ropline.mbPerSec),
          f(r.orthanc.mbPerSec),
          rss(r.ropline),
          rss(r.orthanc),
          f(r.ropline.treeRssPeakMb, 0),
        ]),
      )}\n\n` +
        `${o.instances} OP instances of ${(env.instanceBytes / 1000).toFixed(0)} KB (${env.size} RGB, noise), ` +
        `${o.repeat} runs per server and row, paired back to back (the order alternating); ratio = median of the pairs' ratios; ` +
        `MB/s median; RSS of the median run, peak the highest of all runs; ` +
        `after ${o.warmup} warm-up instances sent the same way (JIT, connection pools: steady state, as a gateway runs); each run starts from an empty store, and stores are removed when the bench ends, not between runs. ` +
        `STOW-RS: one instance per request (Node fetch); C-STORE: N dcmtk storescu processes (TCP_NODELAY=1), ` +
        `one association each. ROPline: gateway in its own Node process, embedded Postgres, worker off, routing ignore, ` +
        `dimse.maxAssociations ${maxAssociations}. ` +
        `Orthanc SyncStorageCommits: true, StorageCompression: false, default SQLite index, other settings default. ` +
        `RSS sampled every 100 ms. Node ${machine.node}, ${machine.cpu} x ${machine.cores}, ` +
        `load ${machine.load} -> ${env.loadAfter}\n`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await rm(tmp, { recursive: true, force: true });
  }
}

export function registerBenchIngest(bench: Command): void {
  bench
    .command('ingest')
    .description(
      'STOW-RS and C-STORE ingest throughput and peak RSS of the ROPline gateway vs a private Orthanc ' +
        '(durable settings), same files, 1/4/16 concurrent senders',
    )
    // 1000: a timed window of ~3-10 s. With 400 (~1.5 s at 16 senders) identical runs differed
    // by ±20 %: short next to the servers' periodic work (ext4's 5 s commit and write-back,
    // checkpoints) and to ROPline's JIT, still compiling after the warm-up (perf: ~10 % of its CPU).
    .option('-n, --instances <n>', 'instances per timed run', parsePositiveInt, 1000)
    .option(
      '--warmup <n>',
      'instances sent to each fresh server, the same way, before timing (JIT tier-up, connection pools)',
      parsePositiveInt,
      1000,
    )
    .option(
      '--repeat <n>',
      'runs of each server per row, paired and interleaved; the table shows medians and ranges',
      parsePositiveInt,
      3,
    )
    .option('--size <WxH>', 'image size (RGB, ~W*H*3 bytes per instance)', parseSize, [320, 320])
    .option(
      '--concurrency <list>',
      'comma list of concurrent senders',
      (v: string) => v.split(',').map((s) => parsePositiveInt(s.trim())),
      [1, 4, 16],
    )
    .option('--channels <list>', 'comma list of stow, cstore', parseList(CHANNELS), [...CHANNELS])
    .option('--json', 'print JSON instead of a Markdown table', false)
    .option(
      '--gateway <dir>',
      "apps/gateway directory of the ROPline build to measure (e.g. another checkout's, to compare)",
      GATEWAY_ROOT,
    )
    .action((opts: Opts) => runCommand(() => runBench(opts)));
}
