// The single entry the worker bundles: every workflow type Custody runs.
export { pipeline } from './pipeline/pipeline.js';
export { selfCheck } from './system/self-check.js';
export { monitorModel } from './monitoring/monitor-model.js';
export { retrainer } from './monitoring/retrainer.js';
export { deliverWebhook } from './events/deliver-webhook.js';
export { batchScore } from './scoring/batch-score.js';
