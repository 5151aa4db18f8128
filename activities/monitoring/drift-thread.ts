import { parentPort } from 'node:worker_threads';
import { decileEdges, numericDrift } from './drift.js';
import type { DriftJob, DriftReply } from './drift-threads.js';
import { sortFloat64 } from './radix-sort.js';

/** One thread of the drift pool: sorts a column (and finds its decile edges), or compares a current column with a sorted reference. */
function perform(job: DriftJob): { reply: DriftReply; transfer: ArrayBuffer[] } {
  if (job.kind === 'sort') {
    const values = sortFloat64(job.values);
    return { reply: { kind: 'sorted', values, edges: decileEdges(values) }, transfer: [values.buffer as ArrayBuffer] };
  }
  const drift = numericDrift(job.reference, job.edges, sortFloat64(job.current), job.limits);
  // The reference goes back to its owner, who may compare it again; the current values are done with.
  return { reply: { kind: 'compared', drift, reference: job.reference }, transfer: [job.reference.buffer as ArrayBuffer] };
}

parentPort!.on('message', (job: DriftJob) => {
  try {
    const { reply, transfer } = perform(job);
    parentPort!.postMessage({ reply }, transfer);
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
