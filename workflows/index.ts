// The single entry the worker bundles: every workflow type Custody runs.
export { pipeline } from './pipeline/pipeline.js';
export { selfCheck } from './system/self-check.js';
