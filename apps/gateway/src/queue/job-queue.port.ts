/** Retry and dead-letter settings of a queue (seconds). */
export interface QueueSpec {
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Name of the dead-letter queue (created by the caller first). */
  deadLetter?: string;
  /**
   * `stately`: at most one queued and one active job per singleton key (a trigger while a job runs
   * queues exactly one follow-up); `standard`: no limit.
   */
  policy?: 'standard' | 'stately';
}

export interface SendOptions {
  /** Jobs with the same key collapse according to the queue's policy. */
  singletonKey?: string;
  startAfterSeconds?: number;
}

export interface QueueJob<T> {
  id: string;
  data: T;
  /** Attempts already made before this one (0 on the first). */
  retryCount: number;
  retryLimit: number;
}

export interface QueueJobInfo {
  id: string;
  state: string;
  singletonKey: string | null;
  data: unknown;
  output: unknown;
  retryCount: number;
}

export interface WorkOptions {
  batchSize: number;
  pollingIntervalSeconds: number;
}

/**
 * Durable job queue port (kind 'job-queue'). `work` handlers settle one job each: return to
 * complete it, throw to fail this attempt (retried, then dead-lettered by the queue).
 */
export interface JobQueue {
  start(): Promise<void>;
  createQueue(name: string, spec?: QueueSpec): Promise<void>;
  /** The job id, or null when a singleton job with this key is already queued. */
  send(name: string, data: object, options?: SendOptions): Promise<string | null>;
  work<T>(name: string, options: WorkOptions, handler: (job: QueueJob<T>) => Promise<void>): Promise<void>;
  /** Sends `data` to queue `name` on a cron schedule (UTC; one schedule per name, replaced); null cron removes it. */
  schedule?(name: string, cron: string | null, data?: object): Promise<void>;
  findJobs(name: string): Promise<QueueJobInfo[]>;
  /** Started and not stopping (readiness, /health/ready). */
  isStarted?(): boolean;
  /** Queue name -> jobs waiting (queued, incl. deferred), for the ropline_queue_depth gauge. */
  depths?(): Promise<Record<string, number>>;
  /** Stops workers (waiting for running handlers) and disconnects. Safe to call twice. */
  dispose(): Promise<void>;
}
