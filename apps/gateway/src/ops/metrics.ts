import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestMetrics, StoreObservation } from '../ingest/ingest.service.js';
import type { AnalysisMetrics } from '../analysis/analyze-study.job.js';

const CHANNELS = ['stow', 'dimse'] as const;
const OUTCOMES = ['stored', 'already_stored', 'replaced', 'failed'] as const;
const STAGES = ['preprocess', 'segment', 'stack', 'classify', 'total'] as const;

/** Queue name -> jobs waiting (queued, incl. deferred) at scrape time. */
export type QueueDepthSource = () => Promise<Record<string, number>>;

/**
 * The gateway's Prometheus metrics, in a registry of its own (never prom-client's global default),
 * so two gateways in one process (tests) do not share counters. Label values are fixed enums or
 * error codes: never UIDs, names or anything received.
 */
export class GatewayMetrics implements IngestMetrics, AnalysisMetrics {
  readonly registry = new Registry();
  private readonly received = new Counter({
    name: 'ropline_instances_received_total',
    help: 'Instances received, by channel and store outcome',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly bytes = new Counter({
    name: 'ropline_bytes_received_total',
    help: 'Bytes of received instances (Part-10 as stored), by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  private readonly storeSeconds = new Histogram({
    name: 'ropline_store_seconds',
    help: 'Time to make one received instance durable (blob fsync + DB commit), by channel',
    labelNames: ['channel'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly analysisSeconds = new Histogram({
    name: 'ropline_analysis_seconds',
    help: 'Per-image analysis latency by pipeline stage (from the worker predictions)',
    labelNames: ['stage'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly analysisFailures = new Counter({
    name: 'ropline_analysis_failures_total',
    help: 'Failed analysis attempts and failed images, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor(queueDepth?: QueueDepthSource) {
    for (const channel of CHANNELS) {
      this.bytes.inc({ channel }, 0);
      for (const outcome of OUTCOMES) this.received.inc({ channel, outcome }, 0);
    }
    if (queueDepth) {
      new Gauge({
        name: 'ropline_queue_depth',
        help: 'Jobs waiting in each queue (queued incl. deferred), read from pg-boss at scrape time',
        labelNames: ['queue'] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          const depths = await queueDepth().catch(() => ({}) as Record<string, number>);
          for (const [queue, n] of Object.entries(depths)) this.set({ queue }, n);
        },
      });
    }
  }

  observeStore(o: StoreObservation): void {
    const outcome = o.outcome === 'already-stored' ? 'already_stored' : o.outcome;
    this.received.inc({ channel: o.channel, outcome });
    if (o.outcome !== 'failed') this.bytes.inc({ channel: o.channel }, o.bytes);
    this.storeSeconds.observe({ channel: o.channel }, o.seconds);
  }

  observeImage(latenciesMs: Partial<Record<string, number>> | null | undefined): void {
    for (const stage of STAGES) {
      const ms = latenciesMs?.[stage];
      if (typeof ms === 'number' && Number.isFinite(ms)) this.analysisSeconds.observe({ stage }, ms / 1000);
    }
  }

  analysisFailed(code: string): void {
    this.analysisFailures.inc({ code: code.slice(0, 80) });
  }

  /** Prometheus text exposition format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
