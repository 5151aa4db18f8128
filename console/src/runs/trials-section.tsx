import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { metricAxisExtent } from '../../../domain/pipeline/metric-range';
import { Chart, type ChartOption } from '../charts/chart';
import { compareHref } from '../compare/compare-page';
import { between, formatDuration, formatNumber, formatParams, numericLeaves } from '../ui/format';
import { Status } from '../ui/status';
import type { Run, Trial } from './run-query';

/** A trial's plottable columns: its params (numbers or categories), its metrics, share of rows and duration. */
function columnsOf(trial: Trial): Record<string, number | string> {
  const params = Object.fromEntries(
    Object.entries((trial.params ?? {}) as Record<string, unknown>).map(([k, v]) => [`param.${k}`, typeof v === 'number' ? v : JSON.stringify(v)]),
  );
  const metrics = Object.fromEntries(Object.entries(numericLeaves(trial.metrics)).map(([k, v]) => [`metric.${k}`, v]));
  const duration = between(trial.startedAt, trial.finishedAt);
  return { trainer: trial.trainer, ...params, ...metrics, sampleFraction: trial.sampleFraction, ...(duration !== null ? { durationMs: duration } : {}) };
}

export const primaryMetricOf = (run: Run): string => ((run.spec as { evaluation?: { primaryMetric?: string } }).evaluation?.primaryMetric ?? 'accuracy');

/** Every trial of the search: a table, a parallel-coordinates plot of params → primary metric, and a scatter of any two columns. */
export function TrialsSection({ run }: { run: Run }) {
  const primary = primaryMetricOf(run);
  const trials = [...run.trials].sort((a, b) => a.index - b.index);
  const rows = useMemo(() => trials.map((t) => ({ trial: t, columns: columnsOf(t) })), [trials]);
  const [picked, setPicked] = useState<number[]>([]);
  return (
    <section aria-labelledby="trials-title">
      <h2 id="trials-title">
        Trials <span className="hint">{run.trialsPlanned ? `${trials.length} of ${run.trialsPlanned}` : trials.length}</span>
      </h2>
      {trials.length > 0 && (
        <>
          {picked.length >= 2 && (
            <p className="actions">
              <Link href={compareHref(picked.map((i) => `${run.id}:${i}`))}>Compare trials {picked.join(', ')}</Link>
            </p>
          )}
          <div className="table-scroll">
            <table className="grid" aria-label="Trials">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                  <th scope="col">#</th>
                  <th scope="col">Trainer</th>
                  <th scope="col">Params</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    {primary}
                  </th>
                  <th scope="col" className="num">
                    Rows
                  </th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {trials.map((t) => (
                  <tr key={t.id} data-testid="trial-row">
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select trial ${t.index} to compare`}
                        checked={picked.includes(t.index)}
                        onChange={(e) => setPicked(e.target.checked ? [...picked, t.index] : picked.filter((i) => i !== t.index))}
                      />
                    </td>
                    <td>{t.index}</td>
                    <td>{t.trainer}</td>
                    <td>
                      <code>{formatParams(t.params)}</code>
                    </td>
                    <td>
                      <Status value={t.status} />
                      {t.reusedFromTrialId ? <span className="hint"> reused</span> : null}
                      {t.seededFromTrialId ? <span className="hint"> warm start</span> : null}
                      {t.prunedAtRound ? <span className="hint"> pruned at round {t.prunedAtRound}</span> : null}
                      {t.error ? <span className="error-text"> {t.error}</span> : null}
                    </td>
                    <td className="num">{formatNumber(numericLeaves(t.metrics)[primary])}</td>
                    <td className="num">{`${Math.round(t.sampleFraction * 100)}%`}</td>
                    <td className="num">{formatDuration(between(t.startedAt, t.finishedAt))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ParallelPlot rows={rows} primary={primary} />
          <ScatterPlot rows={rows} primary={primary} />
        </>
      )}
    </section>
  );
}

type Row = { trial: Trial; columns: Record<string, number | string> };

/** A column's axis extent: a metric between 0 and 1 stays within them. */
const extentOf = (column: string) => (column.startsWith('metric.') ? metricAxisExtent(column.slice('metric.'.length)) : undefined);

function ParallelPlot({ rows, primary }: { rows: Row[]; primary: string }) {
  const option = useMemo<ChartOption>(() => {
    const target = `metric.${primary}`;
    const dims = [...new Set(rows.flatMap((r) => Object.keys(r.columns)))].filter((k) => k === 'trainer' || k.startsWith('param.'));
    const axes = [...dims, target].map((name, dim) => {
      const categorical = rows.some((r) => typeof r.columns[name] === 'string');
      const values = categorical ? [...new Set(rows.map((r) => String(r.columns[name] ?? '—')))] : undefined;
      const short = name.replace(/^(param|metric)\./, '');
      return { dim, name: short, type: categorical ? 'category' : 'value', data: values, scale: !categorical, ...extentOf(name) };
    });
    const data = rows.filter((r) => typeof r.columns[target] === 'number').map((r) => [...dims, target].map((d) => r.columns[d] ?? '—'));
    return {
      parallelAxis: axes,
      parallel: { left: 60, right: 80, bottom: 40, top: 50 },
      tooltip: {},
      series: [{ type: 'parallel', name: 'trials', data, lineStyle: { width: 1.5, opacity: 0.6 } }],
    };
  }, [rows, primary]);
  return <Chart option={option} label={`Parallel coordinates of each trial's params and its ${primary}`} testId="parallel-plot" />;
}

function ScatterPlot({ rows, primary }: { rows: Row[]; primary: string }) {
  const numeric = [...new Set(rows.flatMap((r) => Object.entries(r.columns).filter(([, v]) => typeof v === 'number').map(([k]) => k)))].sort();
  const [x, setX] = useState(numeric.find((c) => c.startsWith('param.')) ?? numeric[0] ?? '');
  const [y, setY] = useState(numeric.includes(`metric.${primary}`) ? `metric.${primary}` : (numeric[1] ?? ''));
  const option = useMemo<ChartOption>(() => {
    const trainers = [...new Set(rows.map((r) => r.trial.trainer))];
    return {
      legend: { top: 0 },
      tooltip: { trigger: 'item' },
      xAxis: { name: x, type: 'value', scale: true, nameLocation: 'middle', nameGap: 28, ...extentOf(x) },
      yAxis: { name: y, type: 'value', scale: true, ...extentOf(y) },
      grid: { left: 70, right: 30, top: 40, bottom: 50 },
      series: trainers.map((trainer) => ({
        type: 'scatter',
        name: trainer,
        data: rows.filter((r) => r.trial.trainer === trainer && typeof r.columns[x] === 'number' && typeof r.columns[y] === 'number').map((r) => [r.columns[x], r.columns[y], r.trial.index]),
      })),
    };
  }, [rows, x, y]);
  return (
    <figure>
      <figcaption className="axis-pickers">
        <label>
          x
          <select value={x} onChange={(e) => setX(e.target.value)}>
            {numeric.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          y
          <select value={y} onChange={(e) => setY(e.target.value)}>
            {numeric.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </figcaption>
      <Chart option={option} label={`Trials plotted by ${x} and ${y}`} testId="scatter-plot" />
    </figure>
  );
}
