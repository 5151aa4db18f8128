/** Who may do what: the roles, and the one rule of how they compare. */

export const ROLES = ['viewer', 'submitter', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` satisfies a requirement of one of `required`: admin satisfies every one. */
export const roleSatisfies = (role: Role, required: readonly Role[]): boolean => role === 'admin' || required.includes(role);

/** Who may do what, in one table; the auth test walks it for every mutation and role. */
export const MUTATION_ROLES = {
  submitPipeline: ['submitter'],
  cancelRun: ['submitter'],
  resumeRun: ['submitter'],
  registerDataset: ['submitter'],
  runSelfCheck: ['submitter'],
  reproduce: ['submitter'],
  approveGate: ['approver'],
  rejectGate: ['approver'],
  predict: ['viewer', 'submitter', 'approver'],
  recordFeedback: ['submitter'],
  createSchedule: ['submitter'],
  pauseSchedule: ['submitter'],
  resumeSchedule: ['submitter'],
  triggerSchedule: ['submitter'],
  deleteSchedule: ['submitter'],
  retrainModel: ['submitter'],
  scoreDataset: ['submitter'],
  cancelScoringJob: ['submitter'],
  exportModel: ['submitter'],
  importModel: ['submitter'],
  createWebhook: ['admin'],
  disableWebhook: ['admin'],
  createToken: ['admin'],
  collectArtifacts: ['admin'],
  revokeToken: ['admin'],
  // Anyone may rotate their own tokens; only admins another's (the service checks whose it is).
  rotateToken: ['viewer', 'submitter', 'approver'],
} as const satisfies Record<string, readonly Role[]>;

export type GuardedMutation = keyof typeof MUTATION_ROLES;

/**
 * Who may read data back whole (a dataset version's content, a scoring job's output and rejects): those who may
 * register it and score it; a viewer sees its profile and lineage, not its rows.
 */
export const DATA_READ_ROLES = ['submitter'] as const satisfies readonly Role[];

/** Whether a person of `role` may call `mutation` (the console offers only what this allows). */
export const mayCall = (role: Role, mutation: GuardedMutation): boolean => roleSatisfies(role, MUTATION_ROLES[mutation]);
