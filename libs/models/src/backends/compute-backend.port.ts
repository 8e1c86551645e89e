/** The tfjs backends ROPline can run on, fastest first when `auto` chooses. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendProbe {
  available: boolean;
  /** Why it is (not) available, for logs and errors: a version, a missing package, ... */
  detail: string;
}

/**
 * A compute backend plugin (kind 'backend'). Narrow on purpose: the selection logic in
 * init-backend.ts only needs to rank, probe and activate.
 */
export interface ComputeBackend {
  readonly name: BackendName;
  /** Higher is faster for training and inference; `auto` takes the highest available. */
  readonly speedRank: number;
  /** How to make it available, quoted in MODEL.BACKEND_UNAVAILABLE. */
  readonly installHint: string;
  /** Cheap and side-effect free apart from loading the backend's package; never throws. */
  probe(): Promise<BackendProbe>;
  /** Makes this the active tfjs backend; idempotent. Throws RopError MODEL.BACKEND_UNAVAILABLE. */
  activate(): Promise<void>;
  /** Runtime facts worth a log line once active (threads, SIMD, kernels); optional. */
  describe?(): Promise<string>;
}
