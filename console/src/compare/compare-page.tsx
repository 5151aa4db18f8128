import { diffLines } from 'diff';
import { useQuery } from 'urql';
import { Link, useSearch } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { CompareRunQuery } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';
import { formatNumber, numericLeaves } from '../ui/format';

const CompareRun = graphql(`
  query CompareRun($id: ID!) {
    pipelineRun(input: { runId: $id }) {
      id
      pipelineName
      status
      spec
      datasetVersion {
        datasetName
        version
        sha256
      }
      trials {
        index
        trainer
        params
        metrics
      }
      modelVersion {
        version
        trainer
        params
        metrics
      }
    }
  }
`);

/** One column of the comparison: a run (its chosen model) or one trial of a run, as `runId` or `runId:trialIndex`. */
interface Item {
  runId: string;
  trial: number | null;
}
export const compareHref = (items: string[]): string => `/compare?items=${items.map(encodeURIComponent).join(',')}`;
const parseItems = (search: string): Item[] =>
  (new URLSearchParams(search).get('items') ?? '')
    .split(',')
    .filter(Boolean)
    .map((raw) => {
      const [runId, trial] = raw.split(':');
      return { runId: runId!, trial: trial === undefined ? null : Number(trial) };
    });

type Run = CompareRunQuery['pipelineRun'];

/** What a column shows: its label, trainer, params, metrics, data and spec. */
function view(item: Item, run: Run) {
  const trial = item.trial === null ? null : run.trials.find((t) => t.index === item.trial);
  const source = trial ?? run.modelVersion;
  return {
    label: `${run.pipelineName} ${run.id.slice(0, 8)}${item.trial === null ? '' : ` trial ${item.trial}`}`,
    trainer: source?.trainer ?? '—',
    params: (source?.params ?? {}) as Record<string, unknown>,
    metrics: numericLeaves(source?.metrics),
    data: run.datasetVersion ? `${run.datasetVersion.datasetName} v${run.datasetVersion.version} (${run.datasetVersion.sha256.slice(0, 12)})` : '—',
    spec: JSON.stringify(sortKeys(run.spec), null, 2),
  };
}

const sortKeys = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(sortKeys) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)])) : value;

/** Two or more runs or trials side by side: params, metrics, dataset versions, and each spec's diff from the first. */
export function ComparePage() {
  const search = useSearch();
  const items = parseItems(search);
  if (items.length < 2) return <p>Choose two or more runs on the Runs page, or trials on a run's page, then Compare.</p>;
  // Keyed by the selection, so the per-run queries below are the same hooks for the component's whole life.
  return <Comparison key={search} items={items} />;
}

function Comparison({ items }: { items: Item[] }) {
  const runIds = [...new Set(items.map((i) => i.runId))];
  const results = runIds.map((id) => ({ id, result: useRunOnce(id) }));
  const failed = results.find((r) => r.result.error);
  if (failed?.result.error) return <ErrorNote {...refusalOf(failed.result.error)} />;
  if (results.some((r) => !r.result.data)) return <p className="loading">Loading…</p>;
  const runs = new Map(results.map((r) => [r.id, r.result.data!.pipelineRun]));
  const views = items.map((item) => view(item, runs.get(item.runId)!));
  const paramNames = [...new Set(views.flatMap((v) => Object.keys(v.params)))].sort();
  const metricNames = [...new Set(views.flatMap((v) => Object.keys(v.metrics)))].sort();
  const row = (name: string, cells: string[]) => {
    const differs = new Set(cells).size > 1;
    return (
      <tr key={name} className={differs ? 'differs' : undefined}>
        <th scope="row">{name}</th>
        {cells.map((c, i) => (
          <td key={i}>{c}</td>
        ))}
      </tr>
    );
  };
  return (
    <section aria-labelledby="compare-title">
      <h1 id="compare-title">Compare</h1>
      <p className="hint">Rows whose values differ have their field name highlighted.</p>
      <table className="grid" aria-label="Side by side">
        <thead>
          <tr>
            <th scope="col">Field</th>
            {views.map((v, i) => (
              <th scope="col" key={i}>
                <Link href={`/runs/${items[i]!.runId}`}>{v.label}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {row('trainer', views.map((v) => v.trainer))}
          {row('dataset version', views.map((v) => v.data))}
          {paramNames.map((p) => row(`param ${p}`, views.map((v) => (p in v.params ? JSON.stringify(v.params[p]) : '—'))))}
          {metricNames.map((m) => row(`metric ${m}`, views.map((v) => formatNumber(v.metrics[m]))))}
        </tbody>
      </table>
      <h2>Spec differences from {views[0]!.label}</h2>
      {views.slice(1).map((v, i) => (
        <SpecDiff key={i} label={v.label} from={views[0]!.spec} to={v.spec} />
      ))}
    </section>
  );
}

function useRunOnce(id: string) {
  return useQuery({ query: CompareRun, variables: { id } })[0];
}

function SpecDiff({ label, from, to }: { label: string; from: string; to: string }) {
  const parts = diffLines(from, to);
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <figure>
      <figcaption>{label}</figcaption>
      {changed ? (
        <pre className="json diff" data-testid="spec-diff" tabIndex={0} aria-label={`Spec differences of ${label}`}>
          {parts.map((p, i) => (
            <span key={i} className={p.added ? 'added' : p.removed ? 'removed' : 'same'}>
              {p.value
                .replace(/\n$/, '')
                .split('\n')
                .map((line) => `${p.added ? '+ ' : p.removed ? '- ' : '  '}${line}`)
                .join('\n') + '\n'}
            </span>
          ))}
        </pre>
      ) : (
        <p>The specs are the same.</p>
      )}
    </figure>
  );
}
