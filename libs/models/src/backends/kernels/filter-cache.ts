/**
 * Prepared conv filters (packed in panels, or Winograd-transformed) per weight tensor, so that
 * inference, whose weights are constant (BatchNorm folded once, fold-batch-norm.ts), prepares each
 * filter once instead of per call. Keyed by the tensor's `dataId` (tfjs never changes the values
 * behind a dataId: a Variable's assign takes a new one) in a WeakMap, so an entry goes when the
 * weight tensor is disposed and collected. A filter is kept only from its second use on, so
 * training, whose weights change every step, does not pay for copies it never reuses.
 */

const seen = new WeakSet<object>();
const prepared = new WeakMap<object, Map<string, Float32Array>>();

/**
 * Fills `dst` with the prepared form `key` (the layout: method and padded sizes) of the filter
 * behind `dataId`: from the cache, else by `prepare()`, which must write `dst`.
 */
export function preparedFilter(dataId: object, key: string, dst: Float32Array, prepare: () => void): void {
  const hit = prepared.get(dataId)?.get(key);
  if (hit) {
    dst.set(hit);
    return;
  }
  prepare();
  if (!seen.has(dataId)) {
    seen.add(dataId);
    return;
  }
  let byKey = prepared.get(dataId);
  if (!byKey) prepared.set(dataId, (byKey = new Map()));
  byKey.set(key, dst.slice());
}
