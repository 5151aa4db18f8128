import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Config } from '../config.js';

const LEVELS: Record<Config['logLevel'], LogLevel> = { debug: 'DEBUG', info: 'WARN', warn: 'WARN', error: 'ERROR' };
let installed = false;

/**
 * Sets the SDK's log level once per process, before the first worker or native connection, and
 * leaves signal handling to our entry points, so shutdown runs in our order (API, then worker).
 * The SDK's own info logs (bundle statistics and the like) show at LOG_LEVEL=debug.
 */
/** One JSON object a line: time, level, message, and the SDK's attributes (workflow id, activity, run id…). */
export function jsonLine(entry: LogEntry): void {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  process.stdout.write(`${JSON.stringify({ time, level: entry.level.toLowerCase(), message: entry.message, ...entry.meta })}\n`);
}

export function installRuntime(config: Pick<Config, 'logLevel'> & { logFormat?: Config['logFormat']; worker?: Pick<Config['worker'], 'metricsAddress'> }): void {
  if (installed) return;
  installed = true;
  const metricsAddress = config.worker?.metricsAddress;
  Runtime.install({
    logger: config.logFormat === 'json' ? new DefaultLogger(LEVELS[config.logLevel], jsonLine) : new DefaultLogger(LEVELS[config.logLevel]),
    shutdownSignals: [],
    // The SDK's own worker metrics, in Prometheus format, at TEMPORAL_METRICS_ADDRESS (and in the API's /metrics).
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
  });
}
