import { useMutation } from 'urql';
import { useLocation } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/error-note';
import { ACTIVE_RUN } from '../ui/status';
import type { Run } from './run-query';

const CancelRun = graphql(`
  mutation CancelRun($runId: ID!) {
    cancelRun(input: { runId: $runId, reason: "cancelled from the console" }) {
      id
      status
    }
  }
`);

const ResumeRun = graphql(`
  mutation ResumeRun($runId: ID!) {
    resumeRun(input: { runId: $runId }) {
      id
    }
  }
`);

const RESUMABLE = new Set(['failed', 'cancelled']);

/** Cancel and Resume, offered only to a role that may use them and only when the run's state allows. */
export function RunActions({ run, onChanged }: { run: Run; onChanged(): void }) {
  const { may } = useSession();
  const [, navigate] = useLocation();
  const [cancelled, cancel] = useMutation(CancelRun);
  const [resumed, resume] = useMutation(ResumeRun);
  const canCancel = may('cancelRun') && ACTIVE_RUN.has(run.status);
  const canResume = may('resumeRun') && RESUMABLE.has(run.status);
  if (!canCancel && !canResume) return null;

  const onCancel = async () => {
    if (!window.confirm(`Cancel run ${run.id}? A partial rollout is rolled back.`)) return;
    if ((await cancel({ runId: run.id })).data) onChanged();
  };
  const onResume = async () => {
    const answer = await resume({ runId: run.id });
    if (answer.data) navigate(`/runs/${answer.data.resumeRun.id}`);
  };
  const error = cancelled.error ?? resumed.error;
  return (
    <div className="actions">
      {canCancel && (
        <button type="button" className="danger" onClick={() => void onCancel()} disabled={cancelled.fetching}>
          Cancel run
        </button>
      )}
      {canResume && (
        <button type="button" onClick={() => void onResume()} disabled={resumed.fetching}>
          Resume from the failed step
        </button>
      )}
      {error && <ErrorNote {...refusalOf(error)} />}
    </div>
  );
}
