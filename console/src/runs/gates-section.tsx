import { DecideGate, mayDecide } from '../approvals/decide';
import { useSession } from '../session/session';
import { formatTime } from '../ui/format';
import { Status } from '../ui/status';
import type { Run } from './run-query';

/** The run's gates: status, quorum progress, who approved, the deadline and what happens at it; every decision, refused ones too. */
export function GatesSection({ run, onChanged }: { run: Run; onChanged(): void }) {
  const { me } = useSession();
  if (run.gates.length === 0) return null;
  return (
    <section aria-labelledby="gates-title">
      <h2 id="gates-title">Gates</h2>
      {run.gates.map((gate) => (
        <div key={gate.name} className="card gate" data-testid="gate" data-gate={gate.name}>
          <h3>
            {gate.name} <Status value={gate.status} />
          </h3>
          <p>
            Needs {gate.quorum} {gate.role} {gate.quorum === 1 ? 'approval' : 'approvals'}:{' '}
            <strong>
              {gate.approvals.length} of {gate.quorum}
            </strong>
            <progress max={gate.quorum} value={gate.approvals.length} aria-label={`${gate.name} approvals`} />
          </p>
          {gate.approvals.length > 0 && <p>Approved by {gate.approvals.map((a) => a.actor).join(', ')}</p>}
          {gate.rejection && (
            <p>
              Rejected by {gate.rejection.actor}: {gate.rejection.comment}
            </p>
          )}
          {gate.deadline && (
            <p>
              Decide by {formatTime(gate.deadline)}; then it will {gate.onTimeout.replace(/_/g, ' ')}.
            </p>
          )}
          {mayDecide(me, gate, run.submittedBy) && <DecideGate runId={run.id} gate={gate.name} onDecided={onChanged} />}
          {gate.status === 'open' && run.submittedBy === me.name && <p className="hint">You submitted this run, so you cannot approve its gates.</p>}
        </div>
      ))}
      {run.gateDecisions.length > 0 && (
        <table className="grid" aria-label="Gate decisions">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Gate</th>
              <th scope="col">Decision</th>
              <th scope="col">By</th>
              <th scope="col">Via</th>
              <th scope="col">Comment</th>
            </tr>
          </thead>
          <tbody>
            {run.gateDecisions.map((d, i) => (
              <tr key={`${d.decidedAt}:${i}`} className={d.accepted ? undefined : 'refused'}>
                <td>{formatTime(d.decidedAt)}</td>
                <td>{d.gate}</td>
                <td>
                  {d.decision}
                  {d.accepted ? '' : ` (refused: ${d.refusedReason ?? ''})`}
                </td>
                <td>{d.actor}</td>
                <td>{d.via}</td>
                <td>{d.comment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
