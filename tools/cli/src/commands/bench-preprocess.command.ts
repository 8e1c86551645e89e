import os from 'node:os';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import jpeg from 'jpeg-js';
import type { Image8 } from '@ropline/core';
import { TransferSyntax, decodeFrame, readDicom, writeDicom } from '@ropline/dicom';
import { clahe, equalizeHist, parsePreprocessConfig, resize, toGray } from '@ropline/preprocess';
import { findPython, makeFundusLike, runOpenCv, type OpenCvJob } from '@ropline/testing';
import { runCommand } from '../run-command.js';
import { markdownTable, timeIt, type Timing } from '../timing.js';
import { parsePositiveInt } from './options.js';

const WIDTH = 1600;
const HEIGHT = 1200;

interface StageSpec {
  name: string;
  ours: () => unknown;
  /** The same work in OpenCV: an oracle job on the same input. */
  peer: OpenCvJob;
}

/** A RetCam-sized JPEG baseline frame wrapped as DICOM, as a camera would send it. */
function jpegDicom(rgb: Image8): { dicom: Uint8Array; jpegBytes: Uint8Array } {
  const rgba = new Uint8Array(rgb.width * rgb.height * 4);
  for (let i = 0, j = 0; i < rgb.data.length; i += 3, j += 4) {
    rgba[j] = rgb.data[i];
    rgba[j + 1] = rgb.data[i + 1];
    rgba[j + 2] = rgb.data[i + 2];
    rgba[j + 3] = 255;
  }
  const jpegBytes = new Uint8Array(
    jpeg.encode({ data: rgba, width: rgb.width, height: rgb.height }, 92).data,
  );
  const dicom = writeDicom(
    {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
      SOPInstanceUID: '2.25.4242.3',
      StudyInstanceUID: '2.25.4242.1',
      SeriesInstanceUID: '2.25.4242.2',
      Modality: 'OP',
      Rows: rgb.height,
      Columns: rgb.width,
      SamplesPerPixel: 3,
      PhotometricInterpretation: 'YBR_FULL_422',
      PlanarConfiguration: 0,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      PixelData: [jpegBytes],
    },
    { transferSyntaxUid: TransferSyntax.JpegBaseline },
  );
  return { dicom, jpegBytes };
}

async function runBench(runs: number, json: boolean): Promise<void> {
  const c = parsePreprocessConfig({});
  const rgb = makeFundusLike(WIDTH, HEIGHT, 7);
  const { dicom, jpegBytes } = jpegDicom(rgb);
  const gray = toGray(rgb, c.grayWeights);
  const he = equalizeHist(gray);
  const { width: rw, height: rh } = c.resize;
  // JPEG bytes travel to the oracle as a 1xN "image" that cv2.imdecode reads back.
  const jpegAsImage: Image8 = { data: jpegBytes, width: jpegBytes.length, height: 1, channels: 1 };
  const stages: StageSpec[] = [
    {
      name: 'decode (DICOM JPEG baseline, RGB)',
      ours: () => decodeFrame(readDicom(dicom), 0),
      peer: { op: 'imdecode', image: jpegAsImage },
    },
    {
      name: 'grayscale (0.3/0.59/0.11)',
      ours: () => toGray(rgb, c.grayWeights),
      peer: { op: 'weightedGray', image: rgb, params: { weights: c.grayWeights } },
    },
    { name: 'equalizeHist', ours: () => equalizeHist(gray), peer: { op: 'equalizeHist', image: gray } },
    {
      name: `CLAHE (clip ${c.clahe.clipLimit}, ${c.clahe.tilesX}x${c.clahe.tilesY})`,
      ours: () => clahe(he, c.clahe),
      peer: { op: 'clahe', image: he, params: c.clahe },
    },
    {
      name: `resize INTER_AREA to ${rw}x${rh}`,
      ours: () => resize(he, rw, rh, 'area'),
      peer: { op: 'resize', image: he, params: { width: rw, height: rh, interpolation: 'area' } },
    },
  ];

  const bar = new SingleBar({
    format: 'bench preprocess [{bar}] {percentage}% | {value}/{total} runs | ETA {eta}s | {stage}',
    stream: process.stderr,
    hideCursor: true,
  });
  if (!json) bar.start(stages.length * runs, 0, { stage: '' });
  const ours: Timing[] = [];
  for (const s of stages) {
    if (!json) bar.update({ stage: s.name });
    ours.push(await timeIt(s.ours, runs, 2, () => !json && bar.increment()));
  }
  if (!json) bar.stop();

  const python = findPython(['cv2', 'numpy']);
  // Single-threaded OpenCV: ROPline's preprocessing runs on one core per image (workers scale out).
  const peer = python
    ? await runOpenCv(
        stages.map((s) => s.peer),
        { python, repeat: runs, warmup: 2, threads: 1 },
      )
    : null;
  const rows = stages.map((s, i) => {
    const p = peer?.results[i].timing;
    return {
      stage: s.name,
      ropline: ours[i].medianMs,
      opencv: p?.medianMs ?? null,
      ratio: p ? ours[i].medianMs / p.medianMs : null,
    };
  });
  const env = {
    image: `${WIDTH}x${HEIGHT}`,
    runs,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    opencv: peer ? `${peer.opencvVersion} (${peer.threads} thread)` : null,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ env, rows }, null, 2)}\n`);
    return;
  }
  const fmt = (v: number | null, d = 2) => (v === null ? 'n/a' : v.toFixed(d));
  process.stdout.write(
    `${markdownTable(
      ['stage', 'ROPline ms (median)', 'OpenCV ms (median)', 'ratio'],
      rows.map((r) => [
        r.stage,
        fmt(r.ropline),
        fmt(r.opencv),
        r.ratio === null ? 'n/a' : `${fmt(r.ratio)}x`,
      ]),
    )}\n\n${env.image} synthetic fundus, ${runs} runs after 2 warm-ups, Node ${env.node}, ${env.cpu}; ` +
      `OpenCV ${env.opencv ?? 'not found: install python3-opencv to compare'}\n`,
  );
}

export function registerBenchPreprocess(bench: Command): void {
  bench
    .command('preprocess')
    .description(
      'Time decode, grayscale, equalizeHist, CLAHE and resize on a 1600x1200 image, with OpenCV (python3-opencv) ' +
        'on the same image in the same run when installed',
    )
    .option('-n, --runs <n>', 'timed runs per stage', parsePositiveInt, 30)
    .option('--json', 'print JSON instead of a Markdown table', false)
    .action((opts: { runs: number; json: boolean }) => runCommand(() => runBench(opts.runs, opts.json)));
}
