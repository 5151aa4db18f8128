/**
 * A dataset's privacy budget: the total ε that differentially private training on it may spend, summed
 * over runs (sequential composition: ε adds up, which never understates what was spent).
 */
export interface PrivacyBudget {
  epsilon: number;
  /** Whether runs without training.privacy may still train on the dataset. */
  allowNonPrivate: boolean;
}

/** A budget with what the ledger says is spent of it. */
export interface PrivacyBudgetStatus extends PrivacyBudget {
  spent: number;
}

/** What a run asks of a budget: its training.privacy, or nothing for a non-private run. */
export interface PrivacyRequest {
  epsilon?: number;
  delta: number;
}

/** Rounding slack when sums of ε are compared with the budget. */
const SLACK = 1e-9;

/** ε with at most four decimals, as people write it. */
export const formatEpsilon = (epsilon: number) => String(Math.round(epsilon * 10_000) / 10_000);

/**
 * Why a run may not train on `dataset` under its budget, or null when it may. The same rule answers at
 * submission (from the ledger as it is then) and when the run draws from the ledger.
 */
export function budgetRefusal(dataset: string, budget: PrivacyBudgetStatus | null, privacy: PrivacyRequest | undefined): string | null {
  if (!budget) return null;
  const total = formatEpsilon(budget.epsilon);
  if (!privacy) {
    return budget.allowNonPrivate ? null : `dataset ${dataset} has a privacy budget (ε = ${total}) and does not allow non-private training: add training.privacy`;
  }
  if (privacy.epsilon === undefined) {
    return `dataset ${dataset} has a privacy budget (ε = ${total}): training.privacy.epsilon must state what this run may spend (a noiseMultiplier alone leaves ε to the data)`;
  }
  const remaining = Math.max(0, budget.epsilon - budget.spent);
  if (privacy.epsilon > remaining + SLACK) {
    return `this run would spend ε = ${formatEpsilon(privacy.epsilon)} of dataset ${dataset}'s privacy budget of ε = ${total}, of which ${formatEpsilon(budget.spent)} is spent and ${formatEpsilon(remaining)} remains`;
  }
  return null;
}

/** Why a budget may not be set as asked, or null: a budget is set once, and never changed after. */
export function budgetChangeRefusal(dataset: string, current: PrivacyBudget | null, next: PrivacyBudget): string | null {
  if (!Number.isFinite(next.epsilon) || next.epsilon <= 0 || next.epsilon > 1000) return 'privacyBudget.epsilon must be a number above 0 and at most 1000';
  if (!current) return null;
  if (current.epsilon === next.epsilon && current.allowNonPrivate === next.allowNonPrivate) return null;
  return `dataset ${dataset} already has a privacy budget (ε = ${formatEpsilon(current.epsilon)}, non-private runs ${current.allowNonPrivate ? 'allowed' : 'refused'}); a budget, once set, is not changed`;
}

/** A budget that may not be set as asked; its message names the field and the reason. */
export class PrivacyBudgetRefused extends Error {
  override readonly name = 'PrivacyBudgetRefused';
}
