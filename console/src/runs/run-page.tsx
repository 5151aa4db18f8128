import { useCallback } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { refusalOf } from '../graphql/client';
import { useLiveRefresh } from '../graphql/live';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';
import { ACTIVE_RUN, Status } from '../ui/status';
import { ReleasesSection } from '../releases/release-section';
import { DeploymentsTimeline } from './deployments-timeline';
import { GatesSection } from './gates-section';
import { EvaluationSection } from './evaluation-section';
import { RunActions } from './run-actions';
import { RunDetail } from './run-query';
import { StepsTimeline } from './steps-timeline';
import { TrialsSection } from './trials-section';
import { ValidationSection } from './validation-section';

/** One run: its steps live, its data check, trials, evaluation, gates and deployments. */
export function RunPage({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: RunDetail, variables: { id } });
  const run = result.data?.pipelineRun;
  const refresh = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useLiveRefresh(refresh, run ? ACTIVE_RUN.has(run.status) : false);

  if (result.error && !run) return <ErrorNote {...refusalOf(result.error)} />;
  if (!run) return <p className="loading">Loading…</p>;
  return (
    <article aria-labelledby="run-title">
      <header className="run-head">
        <h1 id="run-title">
          {run.pipelineName} <span className="hint">run {run.id}</span>
        </h1>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <Status value={run.status} />
          </dd>
          <dt>Model</dt>
          <dd>{run.modelName}</dd>
          <dt>Submitted by</dt>
          <dd>{run.submittedBy}</dd>
          <dt>Purpose</dt>
          <dd>{run.purpose}</dd>
          <dt>Trigger</dt>
          <dd>{run.trigger}</dd>
          {run.parentRunId && (
            <>
              <dt>From run</dt>
              <dd>
                <Link href={`/runs/${run.parentRunId}`}>{run.parentRunId.slice(0, 8)}</Link>
              </dd>
            </>
          )}
          <dt>Started</dt>
          <dd>{formatTime(run.createdAt)}</dd>
          <dt>Finished</dt>
          <dd>{formatTime(run.finishedAt)}</dd>
          <dt>Data</dt>
          <dd>{run.datasetVersion ? `${run.datasetVersion.datasetName} v${run.datasetVersion.version} (${run.datasetVersion.rowCount} rows)` : '—'}</dd>
        </dl>
        <p>
          <a href={run.temporalUiUrl} target="_blank" rel="noreferrer noopener">
            Open in the Temporal UI
          </a>
        </p>
        <RunActions run={run} onChanged={refresh} />
        {run.error && <ErrorNote message={`${run.error.type}: ${run.error.message}`} />}
      </header>
      <StepsTimeline run={run} />
      <ValidationSection run={run} />
      <TrialsSection run={run} />
      <EvaluationSection run={run} />
      <ReleasesSection releases={run.releases} />
      <GatesSection run={run} onChanged={refresh} />
      <DeploymentsTimeline deployments={run.deployments} />
    </article>
  );
}
