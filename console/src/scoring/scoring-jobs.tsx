import { useCallback } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { ModelScoringJobsQuery } from '../graphql/generated/graphql';
import { useLiveRefresh } from '../graphql/live';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';
import { Status } from '../ui/status';
import { ScoreDatasetAction } from './score-form';

const ModelScoringJobs = graphql(`
  query ModelScoringJobs($model: String!) {
    scoringJobs(input: { model: $model }) {
      nodes {
        id
        status
        createdAt
        requestedBy
        outputDataset
        rows
        modelVersion {
          version
        }
        inputDatasetVersion {
          datasetName
          version
        }
        outputDatasetVersion {
          datasetName
          version
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

type Job = ModelScoringJobsQuery['scoringJobs']['nodes'][number];

/** What a job scored and where the scores went: `input v3 → output v2`, or the output's name until it has a version. */
export function scoredData(job: Pick<Job, 'inputDatasetVersion' | 'outputDatasetVersion' | 'outputDataset'>): string {
  const input = job.inputDatasetVersion ? `${job.inputDatasetVersion.datasetName} v${job.inputDatasetVersion.version}` : '—';
  const output = job.outputDatasetVersion ? `${job.outputDatasetVersion.datasetName} v${job.outputDatasetVersion.version}` : job.outputDataset;
  return `${input} → ${output}`;
}

/** A model's batch scoring: the "Score a dataset" action for those allowed, and its jobs, followed while one runs. */
export function ScoringSection({ model, versions, productionVersion }: { model: string; versions: number[]; productionVersion?: number }) {
  const { may } = useSession();
  const [result, refetch] = useQuery({ query: ModelScoringJobs, variables: { model } });
  const jobs = result.data?.scoringJobs;
  const refresh = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useLiveRefresh(refresh, jobs?.nodes.some((j) => j.status === 'running') ?? false);
  return (
    <section aria-labelledby="scoring-title">
      <h2 id="scoring-title">Batch scoring</h2>
      {may('scoreDataset') && <ScoreDatasetAction model={model} versions={versions} productionVersion={productionVersion} />}
      {result.error && <ErrorNote {...refusalOf(result.error)} />}
      {jobs?.nodes.length === 0 && <p>No dataset has been scored with this model.</p>}
      {jobs && jobs.nodes.length > 0 && <JobsTable jobs={jobs.nodes} more={jobs.pageInfo.hasNextPage} />}
    </section>
  );
}

function JobsTable({ jobs, more }: { jobs: Job[]; more: boolean }) {
  return (
    <table className="grid" aria-label="Scoring jobs">
      {more && <caption className="hint">The newest {jobs.length} jobs.</caption>}
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Status</th>
          <th scope="col">Model version</th>
          <th scope="col">Data</th>
          <th scope="col" className="num">
            Rows
          </th>
          <th scope="col">Requested</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-testid="scoring-job-row" data-job={job.id}>
            <td>
              <Link href={`/scoring/${job.id}`}>{job.id.slice(0, 8)}</Link>
            </td>
            <td>
              <Status value={job.status} />
            </td>
            <td>{job.modelVersion ? `v${job.modelVersion.version}` : '—'}</td>
            <td>{scoredData(job)}</td>
            <td className="num">{job.rows ?? '—'}</td>
            <td>{formatTime(job.createdAt)}</td>
            <td>{job.requestedBy}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
