/** What one invariant found: how many things it checked, and each violation in words. */
export interface InvariantResult {
  invariant: string;
  checked: number;
  violations: string[];
}

/** Rows of a raw query, as the checks read them. */
export type Rows = Record<string, unknown>[];
