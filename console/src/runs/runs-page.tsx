import { useCallback, useEffect, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { compareHref } from '../compare/compare-page';
import { useLiveRefresh } from '../graphql/live';
import { graphql } from '../graphql/generated';
import type { RunStatus, RunsPageQuery } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';
import { formatNumber, formatTime, numericLeaves } from '../ui/format';
import { ACTIVE_RUN, Status } from '../ui/status';
import { refusalOf } from '../graphql/client';
import { useStoredState } from '../ui/stored-state';

const RunsPageQueryDoc = graphql(`
  query RunsPage($input: PipelineRunsInput) {
    pipelineRuns(input: $input) {
      nodes {
        id
        pipelineName
        modelName
        status
        currentStep
        submittedBy
        trigger
        createdAt
        finishedAt
        temporalUiUrl
        modelVersion {
          version
          metrics
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

type Run = RunsPageQuery['pipelineRuns']['nodes'][number];
const STATUSES: RunStatus[] = ['running', 'awaiting_approval', 'succeeded', 'failed', 'rejected', 'rolled_back', 'cancelled'];
const PAGE = 50;

interface Filter {
  status: RunStatus | '';
  pipelineName: string;
  modelName: string;
  submittedBy: string;
}

const metricsOf = (run: Run) => numericLeaves(run.modelVersion?.metrics);

/** Every run, newest first: filtered, with the metric columns this browser chose, a page at a time without a cap. */
export function RunsPage() {
  const [filter, setFilter] = useState<Filter>({ status: '', pipelineName: '', modelName: '', submittedBy: '' });
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [columns, setColumns] = useStoredState<string[]>('custody.runs.metricColumns', []);
  const [seen, setSeen] = useState<Record<string, true>>({});
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = useCallback((id: string, on: boolean) => setSelected((all) => (on ? [...all, id] : all.filter((s) => s !== id))), []);

  const change = (patch: Partial<Filter>) => {
    setFilter({ ...filter, ...patch });
    setCursors([null]);
  };
  const discovered = useCallback((runs: Run[]) => {
    const names = runs.flatMap((run) => Object.keys(metricsOf(run)));
    setSeen((known) => (names.every((n) => known[n]) ? known : { ...known, ...Object.fromEntries(names.map((n) => [n, true as const])) }));
  }, []);
  const available = useMemo(() => [...new Set([...Object.keys(seen), ...columns])].sort(), [seen, columns]);

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
        <label>
          Status
          <select value={filter.status} onChange={(e) => change({ status: e.target.value as RunStatus | '' })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <TextFilter label="Pipeline" value={filter.pipelineName} onChange={(v) => change({ pipelineName: v })} />
        <TextFilter label="Model" value={filter.modelName} onChange={(v) => change({ modelName: v })} />
        <TextFilter label="Submitted by" value={filter.submittedBy} onChange={(v) => change({ submittedBy: v })} />
      </form>
      <fieldset className="columns">
        <legend>Metric columns</legend>
        {available.length === 0 && <span className="hint">Metrics appear once a run registers a model.</span>}
        {available.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={columns.includes(name)} onChange={(e) => setColumns(e.target.checked ? [...columns, name] : columns.filter((c) => c !== name))} />
            {name}
          </label>
        ))}
      </fieldset>
      <p className="actions">
        <Link href={compareHref(selected)} aria-disabled={selected.length < 2} className={selected.length < 2 ? 'disabled-link' : undefined} onClick={(e) => selected.length < 2 && e.preventDefault()}>
          Compare selected ({selected.length})
        </Link>
      </p>
      <table className="grid" aria-label="Runs">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Select</span>
            </th>
            <th scope="col">Run</th>
            <th scope="col">Pipeline</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Submitted by</th>
            <th scope="col">Started</th>
            {columns.map((c) => (
              <th scope="col" key={c} className="num">
                {c}
              </th>
            ))}
            <th scope="col">Temporal</th>
          </tr>
        </thead>
        {cursors.map((after, i) => (
          <RunsPagePart
            key={`${after ?? 'first'}:${JSON.stringify(filter)}`}
            filter={filter}
            after={after}
            columns={columns}
            last={i === cursors.length - 1}
            onMore={(cursor) => setCursors([...cursors, cursor])}
            onRuns={discovered}
            selected={selected}
            onToggle={toggle}
          />
        ))}
      </table>
    </section>
  );
}

function TextFilter({ label, value, onChange }: { label: string; value: string; onChange(value: string): void }) {
  const [draft, setDraft] = useState(value);
  return (
    <label>
      {label}
      <input value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={() => onChange(draft.trim())} onKeyDown={(e) => e.key === 'Enter' && onChange(draft.trim())} />
    </label>
  );
}

interface PartProps {
  filter: Filter;
  after: string | null;
  columns: string[];
  last: boolean;
  onMore(cursor: string): void;
  onRuns(runs: Run[]): void;
  selected: string[];
  onToggle(id: string, on: boolean): void;
}

/** One page of runs (a tbody of its own), refreshed live while any of its runs is still moving. */
function RunsPagePart({ filter, after, columns, last, onMore, onRuns, selected, onToggle }: PartProps) {
  const input = { first: PAGE, after, status: filter.status || null, pipelineName: filter.pipelineName || null, modelName: filter.modelName || null, submittedBy: filter.submittedBy || null };
  const [result, refetch] = useQuery({ query: RunsPageQueryDoc, variables: { input } });
  const runs = result.data?.pipelineRuns.nodes ?? [];
  const refresh = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useLiveRefresh(refresh, runs.some((r) => ACTIVE_RUN.has(r.status)));
  useEffect(() => {
    if (runs.length > 0) onRuns(runs);
  }, [runs, onRuns]);
  const span = 8 + columns.length;
  const pageInfo = result.data?.pipelineRuns.pageInfo;
  return (
    <tbody>
      {result.error && (
        <tr>
          <td colSpan={span}>
            <ErrorNote {...refusalOf(result.error)} />
          </td>
        </tr>
      )}
      {runs.map((run) => (
        <tr key={run.id} data-testid="run-row">
          <td>
            <input type="checkbox" aria-label={`Select run ${run.id.slice(0, 8)} to compare`} checked={selected.includes(run.id)} onChange={(e) => onToggle(run.id, e.target.checked)} />
          </td>
          <td>
            <Link href={`/runs/${run.id}`}>{run.id.slice(0, 8)}</Link>
          </td>
          <td>{run.pipelineName}</td>
          <td>
            {run.modelName}
            {run.modelVersion ? ` v${run.modelVersion.version}` : ''}
          </td>
          <td>
            <Status value={run.status} />
            {run.status === 'running' && run.currentStep ? <span className="hint"> {run.currentStep}</span> : null}
          </td>
          <td>{run.submittedBy}</td>
          <td>{formatTime(run.createdAt)}</td>
          {columns.map((c) => (
            <td key={c} className="num">
              {formatNumber(metricsOf(run)[c])}
            </td>
          ))}
          <td>
            <a href={run.temporalUiUrl} target="_blank" rel="noreferrer noopener">
              history
            </a>
          </td>
        </tr>
      ))}
      {result.data && runs.length === 0 && after === null && (
        <tr>
          <td colSpan={span} className="hint">
            No runs match.
          </td>
        </tr>
      )}
      {last && pageInfo?.hasNextPage && pageInfo.endCursor && (
        <tr>
          <td colSpan={span}>
            <button type="button" onClick={() => onMore(pageInfo.endCursor!)}>
              Load {PAGE} more
            </button>
          </td>
        </tr>
      )}
    </tbody>
  );
}
