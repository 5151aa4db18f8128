import type { Repositories } from '../../db/repositories/index.js';
import { roleSatisfies, type Role } from '../../db/schema/access.js';

export interface DecisionAuthorization {
  allowed: boolean;
  reason?: string;
}

/**
 * Checks a gate decision against the governance rules, for decisions that reach the workflow by any
 * path (the API, or a raw signal from the Temporal CLI or UI): the actor must be a known principal
 * with the gate's role (admin always qualifies). The workflow itself refuses a submitter's approval
 * (`selfApproval`) before it asks. Read-only.
 */
export function createGatesActivities({ repos }: { repos: Repositories }) {
  return {
    async authorizeDecision(input: { actor: string; requiredRole: Role; submittedBy?: string; decision: 'approve' | 'reject' }): Promise<DecisionAuthorization> {
      const principal = await repos.access.findPrincipal(input.actor);
      if (!principal) return { allowed: false, reason: `${input.actor} is not a known principal` };
      if (!roleSatisfies(principal.role, [input.requiredRole])) {
        return { allowed: false, reason: `${input.actor} is ${principal.role}; this gate needs ${input.requiredRole}` };
      }
      return { allowed: true };
    },
  };
}

export type GatesActivities = ReturnType<typeof createGatesActivities>;
