import { formatTime } from '../ui/format';
import type { Run } from './run-query';

type Deployment = Run['deployments'][number];

/** Deployments in the order they started: stage, traffic share, approvers, and how each ended. */
export function DeploymentsTimeline({ deployments, title = 'Deployments' }: { deployments: Deployment[]; title?: string }) {
  if (deployments.length === 0) return null;
  const ordered = [...deployments].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  return (
    <section aria-labelledby="deployments-title">
      <h2 id="deployments-title">{title}</h2>
      <ol className="deployments" aria-label="Deployment timeline">
        {ordered.map((d) => (
          <li key={d.id} data-testid="deployment" data-stage={d.stage} data-role={d.role}>
            <span className="when">{formatTime(d.startedAt)}</span>
            <span className={`stage stage-${d.stage}`}>{d.stage}</span>
            <span>
              v{d.version} {d.role} at {d.trafficPercent}%
            </span>
            {d.approvedBy.length > 0 && <span className="hint">approved by {d.approvedBy.join(', ')}</span>}
            <span className="hint">{d.endedAt ? `ended ${formatTime(d.endedAt)}${d.endReason ? `: ${d.endReason}` : ''}` : 'serving'}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
