/**
 * The worker pools and their task queues. Orchestration (workflows and short activities) polls the
 * configured queue; trials run on `<queue>-training`, so training workers can live on other machines
 * (GPU hosts, say) and scale on their own, and a burst of trials never starves gate handling.
 */
export const WORKER_POOLS = ['orchestration', 'training'] as const;
export type WorkerPool = (typeof WORKER_POOLS)[number];

export const trainingTaskQueue = (orchestrationQueue: string): string => `${orchestrationQueue}-training`;

/** A task queue name a spec may route its training to. */
export const TASK_QUEUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
