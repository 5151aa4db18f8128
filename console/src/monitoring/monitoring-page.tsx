import { useMemo } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
import { refusalOf } from '../graphql/client';
import { Chart, type ChartOption } from '../charts/chart';
import { graphql } from '../graphql/generated';
import type { MonitoringQuery } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';
import { Status } from '../ui/status';
import { SchedulesSection } from './schedules-section';

const ModelNames = graphql(`
  query ModelNames {
    models {
      name
    }
  }
`);

const Monitoring = graphql(`
  query Monitoring($model: String!) {
    driftReports(input: { model: $model, first: 100 }) {
      nodes {
        id
        status
        createdAt
        rows
        driftedFeatures
        features {
          name
          psi
        }
      }
    }
    alerts(input: { model: $model, first: 50 }) {
      nodes {
        id
        type
        message
        createdAt
      }
    }
    model(input: { name: $model }) {
      productionVersion {
        runId
      }
    }
  }
`);

const MonitoringLimits = graphql(`
  query MonitoringLimits($runId: ID!) {
    pipelineRun(input: { runId: $runId }) {
      spec
    }
  }
`);

/** The monitoring of one model: drift over time, each report, alerts and schedules. */
export function MonitoringPage() {
  const params = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const model = params.get('model') ?? '';
  const [names] = useQuery({ query: ModelNames });
  return (
    <section aria-labelledby="monitoring-title">
      <h1 id="monitoring-title">Monitoring</h1>
      <label>
        Model{' '}
        <select value={model} onChange={(e) => navigate(`/monitoring?model=${encodeURIComponent(e.target.value)}`)}>
          <option value="">choose…</option>
          {names.data?.models.map((m) => (
            <option key={m.name}>{m.name}</option>
          ))}
        </select>
      </label>
      {model && <ModelMonitoring model={model} />}
    </section>
  );
}

type Report = MonitoringQuery['driftReports']['nodes'][number];

function ModelMonitoring({ model }: { model: string }) {
  const [result] = useQuery({ query: Monitoring, variables: { model } });
  const runId = result.data?.model.productionVersion?.runId;
  const [limits] = useQuery({ query: MonitoringLimits, variables: { runId: runId ?? '' }, pause: !runId });
  const psiLimit = ((limits.data?.pipelineRun.spec as { monitoring?: { drift?: { psi?: number } } } | undefined)?.monitoring?.drift?.psi ?? 0.2) as number;
  if (result.error) return <ErrorNote {...refusalOf(result.error)} />;
  if (!result.data) return <p className="loading">Loading…</p>;
  const reports = result.data.driftReports.nodes;
  return (
    <>
      <h2>Drift over time</h2>
      {reports.length === 0 ? <p>No drift report yet: a MONITOR schedule's tick makes one.</p> : <PsiChart reports={reports} limit={psiLimit} />}
      <table className="grid" aria-label="Drift reports">
        <thead>
          <tr>
            <th scope="col">Report</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Rows
            </th>
            <th scope="col">Drifted features</th>
          </tr>
        </thead>
        <tbody>
          {reports.map((r) => (
            <tr key={r.id} data-testid="report-row">
              <td>
                <Link href={`/monitoring/reports/${r.id}`}>{formatTime(r.createdAt)}</Link>
              </td>
              <td>
                <Status value={r.status} />
              </td>
              <td className="num">{r.rows}</td>
              <td>{r.driftedFeatures.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Alerts</h2>
      {result.data.alerts.nodes.length === 0 ? (
        <p>No alerts.</p>
      ) : (
        <ul className="alerts">
          {result.data.alerts.nodes.map((a) => (
            <li key={a.id}>
              {formatTime(a.createdAt)} <strong>{a.type}</strong> {a.message}
            </li>
          ))}
        </ul>
      )}
      <SchedulesSection model={model} />
    </>
  );
}

/** PSI per feature across reports, one line a feature, with the limit as a dashed line. */
function PsiChart({ reports, limit }: { reports: Report[]; limit: number }) {
  const option = useMemo<ChartOption>(() => {
    const ordered = [...reports].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    const features = [...new Set(ordered.flatMap((r) => r.features.map((f) => f.name ?? '')))].sort();
    return {
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 30, top: 40, bottom: 40 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'PSI' },
      series: features.map((feature, i) => ({
        type: 'line',
        name: feature,
        showSymbol: true,
        data: ordered.map((r) => [r.createdAt, r.features.find((f) => f.name === feature)?.psi ?? null]),
        ...(i === 0 ? { markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: '#a40e26' }, label: { formatter: `limit ${limit}` }, data: [{ yAxis: limit }] } } : {}),
      })),
    };
  }, [reports, limit]);
  return <Chart option={option} label={`PSI per feature over time, limit ${limit}`} testId="psi-chart" />;
}
