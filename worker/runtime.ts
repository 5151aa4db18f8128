import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Config } from '../config.js';

const LEVELS: Record<Config['logLevel'], LogLevel> = { debug: 'DEBUG', info: 'WARN', warn: 'WARN', error: 'ERROR' };
let installed = false;

/**
 * Sets the SDK's log level once per process, before the first worker or native connection, and
 * leaves signal handling to our entry points, so shutdown runs in our order (API, then worker).
 * The SDK's own info logs (bundle statistics and the like) show at LOG_LEVEL=debug.
 */
export function installRuntime(config: Pick<Config, 'logLevel'> & { worker?: Pick<Config['worker'], 'metricsAddress'> }): void {
  if (installed) return;
  installed = true;
  const metricsAddress = config.worker?.metricsAddress;
  Runtime.install({
    logger: new DefaultLogger(LEVELS[config.logLevel]),
    shutdownSignals: [],
    // The SDK's own worker metrics, in Prometheus format, at TEMPORAL_METRICS_ADDRESS (and in the API's /metrics).
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
  });
}
