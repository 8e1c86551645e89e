import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './metrics.js';

describe('GatewayMetrics', () => {
  it('records stage latencies (ms -> s), failures by code and queue depth on scrape', async () => {
    const m = new GatewayMetrics(async () => ({ 'analyze-study': 3, 'publish-results': 0 }));
    m.observeImage({ preprocess: 20, segment: 150, stack: 1, classify: 40, total: 250 });
    m.observeImage({ preprocess: 10, classify: 5, total: 125 });
    m.observeImage(null);
    m.analysisFailed('ANALYSIS.PIPELINE_LOAD_FAILED');
    m.analysisFailed('ANALYSIS.PIPELINE_LOAD_FAILED');
    m.observeStore({ channel: 'dimse', outcome: 'replaced', bytes: 100, seconds: 0.02 });
    m.observeStore({ channel: 'dimse', outcome: 'failed', bytes: 50, seconds: 0.01 });
    const { contentType, body } = await m.render();
    expect(contentType).toMatch(/^text\/plain/);
    const lines = body.split('\n');
    const has = (l: string) => expect(lines, l).toContain(l);
    has('ropline_analysis_seconds_count{stage="total"} 2');
    has('ropline_analysis_seconds_count{stage="segment"} 1');
    has('ropline_analysis_seconds_sum{stage="total"} 0.375');
    has('ropline_analysis_failures_total{code="ANALYSIS.PIPELINE_LOAD_FAILED"} 2');
    has('ropline_queue_depth{queue="analyze-study"} 3');
    has('ropline_queue_depth{queue="publish-results"} 0');
    has('ropline_instances_received_total{channel="dimse",outcome="replaced"} 1');
    has('ropline_instances_received_total{channel="dimse",outcome="failed"} 1');
    has('ropline_bytes_received_total{channel="dimse"} 100');
    has('ropline_store_seconds_count{channel="dimse"} 2');
  });
});
