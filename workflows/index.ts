// The single entry the worker bundles: every workflow type Custody runs.
export { selfCheck } from './system/self-check.js';
