import * as tf from '@tensorflow/tfjs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { RopError } from '@ropline/core';

/**
 * A training checkpoint in one file, written atomically (temp file, fsync, rename): the loop's
 * state (JSON), every model weight (trainable and BatchNorm statistics) and the optimizer's slots
 * (momentum / Adam moments and its step count). Layout: 'RPCK', uint32 LE JSON length, JSON, then
 * the weights as tf.io.encodeWeights writes them. Resuming from it continues the run exactly.
 */
const MAGIC = 'RPCK';

/** tfjs-core's NamedTensor (not re-exported by @tensorflow/tfjs). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface CheckpointData<S> {
  state: S;
  model: tf.Tensor[];
  optimizer: NamedTensor[];
}

interface Header<S> {
  state: S;
  modelCount: number;
  specs: tf.io.WeightsManifestEntry[];
}

export async function writeCheckpoint<S>(file: string, data: CheckpointData<S>): Promise<void> {
  const named: tf.NamedTensorMap = {};
  data.model.forEach((t, i) => (named[`model/${i}`] = t));
  const optNames = data.optimizer.map((w, i) => `optimizer/${i}/${w.name}`);
  data.optimizer.forEach((w, i) => (named[optNames[i]] = w.tensor));
  const { data: weights, specs } = await tf.io.encodeWeights(named);
  const header: Header<S> = { state: data.state, modelCount: data.model.length, specs };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(Buffer.concat([Buffer.from(MAGIC), len, json, Buffer.from(weights)]));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

export async function readCheckpoint<S>(file: string): Promise<CheckpointData<S>> {
  const buf = await readFile(file);
  if (buf.length < 8 || buf.subarray(0, 4).toString('latin1') !== MAGIC)
    throw new RopError('TRAIN.CHECKPOINT_INVALID', `${file} is not a ROPline checkpoint`);
  const n = buf.readUInt32LE(4);
  let header: Header<S>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Header<S>;
  } catch (e) {
    throw new RopError('TRAIN.CHECKPOINT_INVALID', `${file}: unreadable header`, {}, { cause: e });
  }
  const body = buf.subarray(8 + n);
  const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  let map: tf.NamedTensorMap;
  try {
    map = tf.io.decodeWeights(ab, header.specs);
  } catch (e) {
    throw new RopError('TRAIN.CHECKPOINT_INVALID', `${file}: truncated or corrupt weights`, {}, { cause: e });
  }
  const model = Array.from({ length: header.modelCount }, (_, i) => map[`model/${i}`]);
  const optimizer = header.specs
    .filter((s) => s.name.startsWith('optimizer/'))
    .map((s) => ({ name: s.name.split('/').slice(2).join('/'), tensor: map[s.name] }));
  return { state: header.state, model, optimizer };
}

export async function removeCheckpoint(file: string): Promise<void> {
  await rm(file, { force: true });
}
