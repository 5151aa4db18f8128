import { useCallback } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { ScoringJobQuery } from '../graphql/generated/graphql';
import { useLiveRefresh } from '../graphql/live';
import { DownloadButton } from '../ui/download';
import { ErrorNote } from '../ui/error-note';
import { formatDuration, formatTime } from '../ui/format';
import { Status } from '../ui/status';
import { useSession } from '../session/session';

const ScoringJobDoc = graphql(`
  query ScoringJob($id: ID!) {
    scoringJob(input: { id: $id }) {
      id
      status
      model
      requestedBy
      scheduleId
      createdAt
      finishedAt
      temporalUiUrl
      chunksTotal
      chunksDone
      rows
      scored
      rejected
      rejectsSha256
      scoreMs
      outputDataset
      modelVersion {
        id
        version
      }
      inputDatasetVersion {
        id
        datasetName
        version
        rowCount
      }
      outputDatasetVersion {
        id
        datasetName
        version
      }
      driftReport {
        id
        status
        rows
        driftedFeatures
      }
      error {
        type
        message
      }
    }
  }
`);

const CancelScoringJob = graphql(`
  mutation CancelScoringJobFromConsole($id: ID!) {
    cancelScoringJob(input: { id: $id, reason: "cancelled from the console" }) {
      id
    }
  }
`);

type Job = ScoringJobQuery['scoringJob'];

/** One scoring job: who asked for what, its chunks as they are scored, and what it came to. */
export function ScoringPage({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: ScoringJobDoc, variables: { id } });
  const job = result.data?.scoringJob;
  const refresh = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useLiveRefresh(refresh, job?.status === 'running');

  if (result.error && !job) return <ErrorNote {...refusalOf(result.error)} />;
  if (!job) return <p className="loading">Loading…</p>;
  return (
    <article aria-labelledby="scoring-job-title">
      <header className="run-head">
        <h1 id="scoring-job-title">
          Scoring with {job.model} <span className="hint">job {job.id}</span>
        </h1>
        <JobFacts job={job} />
        <p>
          <a href={job.temporalUiUrl} target="_blank" rel="noreferrer noopener">
            Open in the Temporal UI
          </a>{' '}
          · <Link href={`/lineage/${job.id}`}>Lineage of this job</Link>
        </p>
        <CancelAction job={job} onCancelled={refresh} />
        <Downloads job={job} />
        {job.error && <ErrorNote message={`${job.error.type}: ${job.error.message}`} />}
      </header>
      <ChunksProgress job={job} />
      {job.status !== 'running' && job.rows !== null && job.rows !== undefined && <JobReport job={job} />}
    </article>
  );
}

/** The scores (the output dataset version) and the rejects file, once the job has them. */
function Downloads({ job }: { job: Job }) {
  const output = job.outputDatasetVersion;
  if (!output && !job.rejectsSha256) return null;
  return (
    <div className="actions">
      {output && <DownloadButton path={`/v1/datasets/${encodeURIComponent(output.datasetName)}/versions/${output.version}`} fallback={`${output.datasetName}-v${output.version}`} label="Download scores" />}
      {job.rejectsSha256 && <DownloadButton path={`/v1/scoring-jobs/${job.id}/rejects`} fallback={`rejects-${job.id}.csv`} label="Download rejects" />}
    </div>
  );
}

/** Cancel, for a running job and a role that may: chunks stop at their next heartbeat and nothing is registered. */
function CancelAction({ job, onCancelled }: { job: Job; onCancelled(): void }) {
  const { may } = useSession();
  const [cancelled, cancel] = useMutation(CancelScoringJob);
  if (job.status !== 'running' || !may('cancelScoringJob')) return null;
  const onCancel = async () => {
    if (!window.confirm(`Cancel scoring job ${job.id}? No output is registered.`)) return;
    if ((await cancel({ id: job.id })).data) onCancelled();
  };
  return (
    <div className="actions">
      <button type="button" className="danger" onClick={() => void onCancel()} disabled={cancelled.fetching}>
        Cancel job
      </button>
      {cancelled.error && <ErrorNote {...refusalOf(cancelled.error)} />}
    </div>
  );
}

function JobFacts({ job }: { job: Job }) {
  const input = job.inputDatasetVersion;
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd data-testid="scoring-status">
        <Status value={job.status} />
      </dd>
      <dt>Requested by</dt>
      <dd>{job.scheduleId ? `${job.requestedBy}, by schedule ${job.scheduleId}` : job.requestedBy}</dd>
      <dt>Model version</dt>
      <dd>{job.modelVersion ? <Link href={`/models/${encodeURIComponent(job.model)}`}>{`${job.model} v${job.modelVersion.version}`}</Link> : job.model}</dd>
      <dt>Input</dt>
      <dd>{input ? <Link href={`/lineage/${input.id}`}>{`${input.datasetName} v${input.version}`}</Link> : '—'}{input ? ` (${input.rowCount} rows)` : ''}</dd>
      <dt>Output</dt>
      <dd data-testid="scoring-output">
        {job.outputDatasetVersion ? <Link href={`/lineage/${job.outputDatasetVersion.id}`}>{`${job.outputDatasetVersion.datasetName} v${job.outputDatasetVersion.version}`}</Link> : `${job.outputDataset} (a new version, once the job succeeds)`}
      </dd>
      <dt>Started</dt>
      <dd>{formatTime(job.createdAt)}</dd>
      <dt>Finished</dt>
      <dd>{formatTime(job.finishedAt)}</dd>
      {job.driftReport && (
        <>
          <dt>Drift of the scored rows</dt>
          <dd data-testid="scoring-drift">
            <Link href={`/monitoring/reports/${job.driftReport.id}`}>{job.driftReport.status}</Link>
            {` over a sample of ${job.driftReport.rows} rows${job.driftReport.driftedFeatures.length ? `; drifted: ${job.driftReport.driftedFeatures.join(', ')}` : ''}`}
          </dd>
        </>
      )}
      {job.rejectsSha256 && (
        <>
          <dt>Rejects file</dt>
          <dd>
            <code data-testid="rejects-sha">{job.rejectsSha256}</code> <span className="hint">(row, reason)</span>
          </dd>
        </>
      )}
    </dl>
  );
}

/** Chunks scored of those planned, as a bar; before the plan there is nothing to count. */
function ChunksProgress({ job }: { job: Job }) {
  const total = job.chunksTotal;
  return (
    <section aria-labelledby="chunks-title">
      <h2 id="chunks-title">Progress</h2>
      {total === null || total === undefined ? (
        <p className="hint">{job.status === 'running' ? 'Planning the chunks…' : 'No chunks were planned.'}</p>
      ) : (
        <p className="chunks">
          <progress max={Math.max(total, 1)} value={job.chunksDone} aria-labelledby="chunks-title chunks-text" />
          <span id="chunks-text" data-testid="chunks-done">
            {job.chunksDone} of {total} chunks scored
          </span>
        </p>
      )}
    </section>
  );
}

/** What the job came to once every chunk was scored (a job failed for too many rejects has one too). */
function JobReport({ job }: { job: Job }) {
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">Report</h2>
      <table className="grid report" aria-labelledby="report-title">
        <tbody>
          <ReportRow name="Rows read" value={job.rows} testId="report-rows" />
          <ReportRow name="Scored" value={job.scored} testId="report-scored" />
          <ReportRow name="Rejected" value={job.rejected} testId="report-rejected" />
          <ReportRow name="Chunks" value={job.chunksTotal} testId="report-chunks" />
          <ReportRow name="Time in the model" value={formatDuration(job.scoreMs)} testId="report-time" />
        </tbody>
      </table>
    </section>
  );
}

function ReportRow({ name, value, testId }: { name: string; value: number | string | null | undefined; testId: string }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td className="num" data-testid={testId}>
        {value ?? '—'}
      </td>
    </tr>
  );
}
