import { useMemo } from 'react';
import { useQuery } from 'urql';
import { Chart, type ChartOption } from '../charts/chart';
import { graphql } from '../graphql/generated';
import type { ReleaseFieldsFragment, ReleaseLookFieldsFragment } from '../graphql/generated/graphql';
import { formatNumber, formatTime } from '../ui/format';
import { Status } from '../ui/status';

/** A release; with its looks on the run page, without them in the inbox (an A/B report holds its latest look). */
type Release = ReleaseFieldsFragment & { looks?: Look[] };
type Look = ReleaseLookFieldsFragment;

interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}
interface Side {
  version: number;
  scores: { edges: number[]; counts: number[] };
  latencyMs: { mean: number; p50: number; p95: number; p99: number };
  metrics: Record<string, Interval>;
}
interface Shadow {
  at: string;
  pairs: number;
  pairsUsed: number;
  labelled: number;
  agreement: Interval | null;
  differences: { mean: number; p05: number; p50: number; p95: number } | null;
  primary: Side;
  shadow: Side;
  disagreements: { predictionId: string; inputs: Record<string, unknown> | null; primary: { value: string | number }; shadow: { value: string | number }; label: string | number | null; distance: number; occurrences: number }[];
}
interface AbReport {
  latest: { look: number; at: string; state: { estimate: number | null; lower: number | null; upper: number | null; pValue: number }; champion: Look['champion']; challenger: Look['challenger'] } | null;
}
interface AbSettings {
  metric: string;
  alpha: number;
  power: number;
  minimumDetectableEffect: number;
  traffic: number;
}

const interval = (i: Interval | null | undefined) => (i ? `${formatNumber(i.estimate)} [${formatNumber(i.lower)}, ${formatNumber(i.upper)}]` : '—');

const RunReleasesQuery = graphql(`
  query RunReleases($id: ID!) {
    pipelineRun(input: { runId: $id }) {
      id
      releases {
        ...ReleaseFields
      }
    }
  }
`);

/** A waiting run's release evidence, read on its own (a page of waiting runs with theirs would cost too much at once). */
export function RunReleases({ runId }: { runId: string }) {
  const [result] = useQuery({ query: RunReleasesQuery, variables: { id: runId }, requestPolicy: 'cache-and-network' });
  return <ReleasesSection releases={result.data?.pipelineRun.releases ?? []} headingLevel={3} />;
}

/** The run's release strategies: each shadow's report, each A/B test's looks as a plot; what approvers read before promotion. */
export function ReleasesSection({ releases, headingLevel = 2 }: { releases: Release[]; headingLevel?: 2 | 3 }) {
  if (releases.length === 0) return null;
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section aria-label="Releases" data-testid="releases">
      <Heading>Release evidence</Heading>
      {releases.map((release) => (
        <div key={release.id} className="card release" data-testid="release" data-strategy={release.strategy}>
          <p>
            <strong>{release.strategy === 'shadow' ? 'Shadow' : 'A/B test'}</strong> of v{release.challengerVersion}
            {release.championVersion ? ` against v${release.championVersion}` : ''}: <Status value={release.status} />
            {release.outcome ? ` ${release.outcome}` : ''}
          </p>
          <p className="hint">
            From {formatTime(release.startedAt)} to {formatTime(release.endedAt)}
          </p>
          {release.strategy === 'shadow' && release.report ? <ShadowView report={release.report as Shadow} checks={release.checks} /> : null}
          {release.strategy === 'ab_test' ? <AbTestView settings={release.settings as AbSettings} looks={release.looks ?? latestOf(release.report as AbReport | null)} plot={release.looks !== undefined} /> : null}
        </div>
      ))}
    </section>
  );
}

function ShadowView({ report, checks }: { report: Shadow; checks: Release['checks'] }) {
  const metrics = [...new Set([...Object.keys(report.primary.metrics), ...Object.keys(report.shadow.metrics)])].sort();
  return (
    <>
      <p data-testid="shadow-summary">
        {report.pairs} paired predictions ({report.pairsUsed} in the figures), {report.labelled} labelled.
        {report.agreement && ` Agreement ${interval(report.agreement)}.`}
        {report.differences && ` Shadow − primary: mean ${formatNumber(report.differences.mean)}, 90% of differences in [${formatNumber(report.differences.p05)}, ${formatNumber(report.differences.p95)}].`}
      </p>
      <table className="grid" aria-label="Primary and shadow side by side">
        <thead>
          <tr>
            <th scope="col">Side</th>
            <th scope="col">Latency p50 / p95 / p99 (ms)</th>
            {metrics.map((m) => (
              <th key={m} scope="col">
                {m} (95% interval)
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(['primary', 'shadow'] as const).map((name) => (
            <tr key={name}>
              <th scope="row">
                {name} v{report[name].version}
              </th>
              <td>{`${formatNumber(report[name].latencyMs.p50)} / ${formatNumber(report[name].latencyMs.p95)} / ${formatNumber(report[name].latencyMs.p99)}`}</td>
              {metrics.map((m) => (
                <td key={m}>{interval(report[name].metrics[m])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <ScoresChart primary={report.primary} shadow={report.shadow} classification={report.agreement !== null} />
      {checks.length > 0 && (
        <table className="grid" aria-label="Requirements of the spec">
          <thead>
            <tr>
              <th scope="col">Requirement</th>
              <th scope="col">Required</th>
              <th scope="col">Shown</th>
              <th scope="col">Met</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>{c.required}</td>
                <td>{c.actual}</td>
                <td>{c.passed ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.disagreements.length > 0 && (
        <table className="grid" aria-label="Inputs on which they differ most">
          <thead>
            <tr>
              <th scope="col">Inputs</th>
              <th scope="col">Primary</th>
              <th scope="col">Shadow</th>
              <th scope="col">Label</th>
              <th scope="col">Times</th>
            </tr>
          </thead>
          <tbody>
            {report.disagreements.map((d) => (
              <tr key={d.predictionId}>
                <td>{d.inputs ? <code>{JSON.stringify(d.inputs)}</code> : <span className="hint">withheld: your role does not read served inputs</span>}</td>
                <td>{String(d.primary.value)}</td>
                <td>{String(d.shadow.value)}</td>
                <td>{d.label ?? '—'}</td>
                <td>{d.occurrences}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Both sides' score distributions on the same bins: the top class's probability, or the predicted value. */
function ScoresChart({ primary, shadow, classification }: { primary: Side; shadow: Side; classification: boolean }) {
  const option = useMemo<ChartOption>(() => {
    const bins = primary.scores.counts.map((_, i) => `${formatNumber(primary.scores.edges[i])}–${formatNumber(primary.scores.edges[i + 1])}`);
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: [`primary v${primary.version}`, `shadow v${shadow.version}`] },
      xAxis: { type: 'category', data: bins, name: classification ? 'top class probability' : 'predicted value' },
      yAxis: { type: 'value', name: 'predictions' },
      series: [
        { name: `primary v${primary.version}`, type: 'bar', data: primary.scores.counts },
        { name: `shadow v${shadow.version}`, type: 'bar', data: shadow.scores.counts },
      ],
    };
  }, [primary, shadow, classification]);
  return <Chart option={option} label="The distribution of each side's scores" height={220} testId="shadow-scores-chart" />;
}

/** The latest look from an A/B report, as a look. */
function latestOf(report: AbReport | null): Look[] {
  const latest = report?.latest;
  if (!latest) return [];
  return [{ look: latest.look, at: latest.at, ...latest.state, champion: latest.champion, challenger: latest.challenger }];
}

/** The test over time: the effect with its confidence sequence, and the labelled samples per arm (`plot`), or its latest look. */
function AbTestView({ settings, looks, plot }: { settings: AbSettings; looks: Look[]; plot: boolean }) {
  const last = looks.at(-1);
  const effect = useMemo<ChartOption>(() => {
    const at = looks.map((l) => formatTime(l.at));
    const bounded = (l: Look) => l.lower !== null && l.lower !== undefined && l.upper !== null && l.upper !== undefined;
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: ['effect', 'lower bound', 'upper bound'] },
      xAxis: { type: 'category', data: at, name: 'look' },
      yAxis: { type: 'value', name: `${settings.metric}: challenger − champion`, scale: true },
      series: [
        { name: 'effect', type: 'line', data: looks.map((l) => l.estimate ?? null), markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0 }] } },
        { name: 'lower bound', type: 'line', data: looks.map((l) => (bounded(l) ? l.lower : null)), lineStyle: { type: 'dashed' } },
        { name: 'upper bound', type: 'line', data: looks.map((l) => (bounded(l) ? l.upper : null)), lineStyle: { type: 'dashed' } },
      ],
    };
  }, [looks, settings.metric]);
  const samples = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { data: ['champion labelled', 'challenger labelled'] },
      xAxis: { type: 'category', data: looks.map((l) => formatTime(l.at)) },
      yAxis: { type: 'value', name: 'labelled predictions' },
      series: [
        { name: 'champion labelled', type: 'line', data: looks.map((l) => l.champion.labelled) },
        { name: 'challenger labelled', type: 'line', data: looks.map((l) => l.challenger.labelled) },
      ],
    }),
    [looks],
  );
  if (!last) return null;
  const coverage = (arm: Look['champion']) => (arm.predictions > 0 ? `${arm.labelled} of ${arm.predictions} labelled (${Math.round((100 * arm.labelled) / arm.predictions)}%)` : 'none served');
  return (
    <>
      <p data-testid="ab-summary">
        {settings.metric}, {settings.traffic}% of traffic to the challenger; alpha {settings.alpha} holds however often this is looked at. Look {last.look}: effect {formatNumber(last.estimate)} in [
        {last.lower === null || last.lower === undefined ? '−∞' : formatNumber(last.lower)}, {last.upper === null || last.upper === undefined ? '∞' : formatNumber(last.upper)}], always-valid p {formatNumber(last.pValue)}. Champion v{last.champion.version}: {coverage(last.champion)}; challenger v{last.challenger.version}: {coverage(last.challenger)}.
      </p>
      {plot && <Chart option={effect} label={`The effect on ${settings.metric} at each look, between the bounds of its confidence sequence`} testId="ab-effect-chart" />}
      {plot && <Chart option={samples} label="Labelled predictions per arm at each look" height={200} testId="ab-samples-chart" />}
    </>
  );
}
