/** A run, step, trial or gate status as a labelled badge; the colour only repeats what the word says. */
export function Status({ value }: { value: string }) {
  return <span className={`status status-${value.replace(/[^a-z_]/g, '')}`}>{value.replace(/_/g, ' ')}</span>;
}

export const ACTIVE_RUN = new Set(['running', 'awaiting_approval']);
