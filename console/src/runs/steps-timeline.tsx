import { between, formatDuration } from '../ui/format';
import { Status } from '../ui/status';
import type { Run } from './run-query';

/**
 * The run's steps as a timeline: one row a step, its bar placed and sized by when it ran, with its
 * status, duration and attempts. Redrawn on every live refresh.
 */
export function StepsTimeline({ run }: { run: Run }) {
  const steps = [...run.steps].sort((a, b) => a.position - b.position);
  const start = Date.parse(run.createdAt);
  const end = Math.max(start + 1, ...steps.map((s) => (s.finishedAt ? Date.parse(s.finishedAt) : s.startedAt ? Date.now() : start)));
  const span = end - start;
  const at = (iso: string) => ((Date.parse(iso) - start) / span) * 100;
  return (
    <section aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      {steps.length === 0 && <p className="hint">No step has started yet.</p>}
      <ol className="timeline" aria-label="Steps in order">
        {steps.map((step) => {
          const left = step.startedAt ? at(step.startedAt) : 0;
          const right = step.finishedAt ? at(step.finishedAt) : step.startedAt ? 100 : left;
          return (
            <li key={step.name} data-testid="step" data-status={step.status}>
              <span className="step-name">{step.name}</span>
              <span className="bar-track" aria-hidden="true">
                <span className={`bar bar-${step.status}`} style={{ left: `${left}%`, width: `${Math.max(0.5, right - left)}%` }} />
              </span>
              <Status value={step.status} />
              <span className="num">{formatDuration(between(step.startedAt, step.finishedAt))}</span>
              <span className="hint">
                {step.attempts} {step.attempts === 1 ? 'attempt' : 'attempts'}
              </span>
              {step.error && <span className="error-text">{step.error.message}</span>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
