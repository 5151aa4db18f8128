import { useState } from 'react';
import { useMutation } from 'urql';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import { ErrorNote } from '../ui/error-note';

const Approve = graphql(`
  mutation ApproveGate($runId: ID!, $gate: String, $comment: String) {
    approveGate(input: { runId: $runId, gate: $gate, comment: $comment }) {
      name
      status
    }
  }
`);

const Reject = graphql(`
  mutation RejectGate($runId: ID!, $gate: String, $comment: String) {
    rejectGate(input: { runId: $runId, gate: $gate, comment: $comment }) {
      name
      status
    }
  }
`);

export { mayDecide } from '../../../domain/pipeline/gates';

/**
 * Approve or Reject one open gate. Both go through the run's `decide` Update; a refusal from its
 * validator (someone decided first, the gate closed) shows here, in its own words. A rejection needs a reason.
 */
export function DecideGate({ runId, gate, onDecided }: { runId: string; gate: string; onDecided(): void }) {
  const [comment, setComment] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [approved, approve] = useMutation(Approve);
  const [rejected, reject] = useMutation(Reject);
  const busy = approved.fetching || rejected.fetching;
  const error = approved.error ?? rejected.error;
  const id = `comment-${runId}-${gate}`;

  const onApprove = async () => {
    if ((await approve({ runId, gate, comment: comment.trim() || null })).data) onDecided();
  };
  const onReject = async () => {
    if (!rejecting) return setRejecting(true);
    if ((await reject({ runId, gate, comment: comment.trim() })).data) onDecided();
  };
  return (
    <div className="decide">
      <label htmlFor={id}>{rejecting ? 'Why reject? (required, it goes on the record)' : 'Comment (optional)'}</label>
      <textarea id={id} value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={2000} />
      <div className="actions">
        <button type="button" onClick={() => void onApprove()} disabled={busy || rejecting}>
          Approve
        </button>
        <button type="button" className="danger" onClick={() => void onReject()} disabled={busy || (rejecting && !comment.trim())}>
          {rejecting ? 'Confirm rejection' : 'Reject'}
        </button>
        {rejecting && (
          <button type="button" className="quiet" onClick={() => setRejecting(false)}>
            Back
          </button>
        )}
      </div>
      {error && <ErrorNote {...refusalOf(error)} />}
    </div>
  );
}
