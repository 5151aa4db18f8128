import { JsonView } from '../ui/json-view';
import type { Run } from './run-query';

/** The data check: the validate step's summary, and the full report of every rule that failed. */
export function ValidationSection({ run }: { run: Run }) {
  const step = run.steps.find((s) => s.name === 'validate-data');
  if (!step) return null;
  const summary = (step.output ?? {}) as { passed?: boolean; rowCount?: number; rulesChecked?: number };
  return (
    <section aria-labelledby="validation-title">
      <h2 id="validation-title">Data validation</h2>
      {step.output ? (
        <p data-testid="validation-summary">
          {summary.passed ? 'Passed' : 'Failed'}: {summary.rulesChecked ?? '?'} rules checked on {summary.rowCount ?? '?'} rows.
        </p>
      ) : (
        <p className="hint">Not finished.</p>
      )}
      {step.error?.details != null && (
        <>
          <h3>Report</h3>
          <JsonView value={step.error.details} />
        </>
      )}
    </section>
  );
}
