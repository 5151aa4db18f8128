import { useMemo } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { refusalOf } from '../graphql/client';
import { Chart, type ChartOption } from '../charts/chart';
import { graphql } from '../graphql/generated';
import type { DriftReportPageQuery } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';
import { formatNumber, formatTime } from '../ui/format';
import { Status } from '../ui/status';

const DriftReportPage = graphql(`
  query DriftReportPage($id: ID!) {
    driftReport(input: { id: $id }) {
      id
      model
      status
      createdAt
      windowStart
      windowEnd
      rows
      labelledRows
      reasons
      temporalUiUrl
      modelVersion {
        id
        version
      }
      features {
        ...ColumnDriftFields
      }
      prediction {
        ...ColumnDriftFields
      }
      performance {
        judged
        labelled
        metrics
        failures
      }
      triggeredRuns {
        id
        status
      }
    }
  }
`);

type Column = DriftReportPageQuery['driftReport']['features'][number];

/** One drift report: per feature its statistics and its reference and current histograms overlaid. */
export function ReportPage({ id }: { id: string }) {
  const [result] = useQuery({ query: DriftReportPage, variables: { id } });
  if (result.error) return <ErrorNote {...refusalOf(result.error)} />;
  if (!result.data) return <p className="loading">Loading…</p>;
  const report = result.data.driftReport;
  return (
    <article aria-labelledby="report-title">
      <h1 id="report-title">
        Drift report: {report.model}
        {report.modelVersion ? ` v${report.modelVersion.version}` : ''} <Status value={report.status} />
      </h1>
      <p>
        {report.rows} predictions served from {formatTime(report.windowStart)} to {formatTime(report.windowEnd)}; {report.labelledRows} with feedback.{' '}
        <a href={report.temporalUiUrl} target="_blank" rel="noreferrer noopener">
          The check in Temporal
        </a>
        {report.modelVersion && (
          <>
            {' · '}
            <Link href={`/lineage/${report.id}`}>lineage</Link>
          </>
        )}
      </p>
      {report.reasons.length > 0 && (
        <ul aria-label="Findings">
          {report.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {report.triggeredRuns.length > 0 && (
        <p>
          Started retraining:{' '}
          {report.triggeredRuns.map((r) => (
            <Link key={r.id} href={`/runs/${r.id}`}>
              {r.id.slice(0, 8)} ({r.status})
            </Link>
          ))}
        </p>
      )}
      <FeatureTable features={report.features} />
      <div className="histograms">
        {report.features.map((f) => (
          <HistogramChart key={f.name ?? ''} column={f} title={f.name ?? ''} />
        ))}
        {report.prediction && <HistogramChart column={report.prediction} title="predictions" />}
      </div>
      {report.performance.judged && (
        <p>
          Performance on {report.performance.labelled} labelled predictions: {report.performance.failures.join('; ') || 'within its limits'}.
        </p>
      )}
    </article>
  );
}

function FeatureTable({ features }: { features: Column[] }) {
  return (
    <table className="grid" aria-label="Drift per feature">
      <thead>
        <tr>
          <th scope="col">Feature</th>
          <th scope="col">Kind</th>
          <th scope="col" className="num">
            PSI
          </th>
          <th scope="col" className="num">
            KS D / χ²
          </th>
          <th scope="col" className="num">
            p-value
          </th>
          <th scope="col">Drifted</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {features.map((f) => (
          <tr key={f.name ?? ''} data-testid="feature-drift" data-drifted={String(f.drifted)}>
            <th scope="row">{f.name}</th>
            <td>{f.kind}</td>
            <td className="num">{formatNumber(f.psi)}</td>
            <td className="num">{formatNumber(f.ksStatistic ?? f.chiSquare)}</td>
            <td className="num">{formatNumber(f.ksPValue ?? f.chiSquarePValue)}</td>
            <td>{f.drifted ? 'yes' : 'no'}</td>
            <td>{f.reasons.join('; ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function HistogramChart({ column, title }: { column: Pick<Column, 'bins' | 'drifted' | 'referenceCount' | 'currentCount'>; title: string }) {
  const option = useMemo<ChartOption | null>(() => {
    if (!column.bins) return null;
    return {
      title: { text: `${title}${column.drifted ? ' (drifted)' : ''}`, textStyle: { fontSize: 13 }, left: 8 },
      legend: { top: 0, right: 8 },
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 16, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: column.bins.labels, axisLabel: { rotate: 30, fontSize: 10 } },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: `reference (${column.referenceCount})`, data: column.bins.reference, barGap: '-100%', itemStyle: { opacity: 0.55, color: '#57606a' } },
        { type: 'bar', name: `current (${column.currentCount})`, data: column.bins.current, itemStyle: { opacity: 0.55, color: '#0969da' } },
      ],
    };
  }, [column, title]);
  if (!option) return <p className="hint">{title}: histograms are kept for reports made from this version on.</p>;
  return <Chart option={option} label={`Reference and current histograms of ${title}`} height={240} testId="histogram" />;
}
