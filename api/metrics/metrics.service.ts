import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import { CONFIG, REPOSITORIES } from '../core/tokens.js';

/**
 * Custody's Prometheus metrics: serving counts and latencies as they happen, and the state of runs,
 * gates, drift and webhook deliveries read from the database at each scrape. The Temporal worker's own
 * metrics (from the SDK runtime's exporter, when TEMPORAL_METRICS_ADDRESS is set) are appended.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly predictions = new Counter({ name: 'custody_predictions_total', help: 'Predictions served, by model, version and role (primary or canary).', labelNames: ['model', 'version', 'role'], registers: [this.registry] });
  readonly predictionSeconds = new Histogram({
    name: 'custody_prediction_duration_seconds',
    help: 'Time to serve one predict call (routing, checks, prediction), by model.',
    labelNames: ['model'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly shadowPredictions = new Counter({
    name: 'custody_shadow_predictions_total',
    help: 'Copies of production requests sent to shadow versions, by model, version and outcome: logged, failed (the shadow refused or crashed), timeout, or dropped (the shadow queue was full).',
    labelNames: ['model', 'version', 'outcome'],
    registers: [this.registry],
  });
  readonly predictionLog = new Counter({ name: 'custody_prediction_log_rows_total', help: 'Prediction-log rows, by outcome: logged, or lost (a failed batch write).', labelNames: ['outcome'], registers: [this.registry] });

  constructor(
    @Inject(REPOSITORIES) repos: Repositories,
    @Inject(CONFIG) private readonly config: Config,
  ) {
    // Two gauges read the waiting gates; one scrape asks the database once.
    const gates = oncePerScrape(() => repos.runs.awaitingApproval());
    new Gauge({
      name: 'custody_runs',
      help: 'Pipeline runs, by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { status, count } of await repos.runs.countByStatus()) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'custody_gates_waiting',
      help: 'Runs waiting at an approval gate.',
      registers: [this.registry],
      async collect() {
        this.set((await gates()).count);
      },
    });
    new Gauge({
      name: 'custody_gate_oldest_wait_seconds',
      help: 'How long the longest-waiting run has waited at its gate (since it last changed); 0 when none waits.',
      registers: [this.registry],
      async collect() {
        const { oldest } = await gates();
        this.set(oldest ? (Date.now() - oldest.getTime()) / 1000 : 0);
      },
    });
    new Gauge({
      name: 'custody_drift_feature_drifted',
      help: "1 when a feature drifted in its model's newest drift report, else 0.",
      labelNames: ['model', 'feature'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const report of await repos.monitoring.latestPerModel()) for (const f of report.features) this.set({ model: report.model, feature: f.feature }, f.drifted ? 1 : 0);
      },
    });
    new Gauge({
      name: 'custody_webhook_deliveries',
      help: 'Webhook deliveries, by status (pending, delivered, failed, cancelled).',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { status, count } of await repos.events.deliveryCounts()) this.set({ status }, count);
      },
    });
  }

  /** The whole exposition: ours, then the Temporal worker's when its exporter runs in this process. */
  async text(): Promise<string> {
    const ours = await this.registry.metrics();
    const temporal = this.config.worker.metricsAddress;
    if (!temporal) return ours;
    try {
      const response = await fetch(`http://${temporal}/metrics`, { signal: AbortSignal.timeout(2000) });
      return `${ours}\n${await response.text()}`;
    } catch (error) {
      return `${ours}\n# the Temporal worker's metrics at ${temporal} could not be read: ${(error as Error).message}\n`;
    }
  }
}

/** `read`, shared by the calls of one scrape: a second call within a second reuses the first answer. */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    if (!last || Date.now() - last.at > 1000) last = { at: Date.now(), value: read() };
    return last.value;
  };
}
