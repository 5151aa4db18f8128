import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../domain/access.js';

export const ROLES_KEY = 'custody:roles';
export const PUBLIC_KEY = 'custody:public';

/** Who may call a mutation: admins always may, besides the roles named. Queries need any valid token. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Reachable without a token (only `health`). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

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
  createWebhook: ['admin'],
  disableWebhook: ['admin'],
  createToken: ['admin'],
  collectArtifacts: ['admin'],
  revokeToken: ['admin'],
  // Anyone may rotate their own tokens; only admins another's (the service checks whose it is).
  rotateToken: ['viewer', 'submitter', 'approver'],
} as const satisfies Record<string, readonly Role[]>;
