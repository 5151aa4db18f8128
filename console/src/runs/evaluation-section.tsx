import { useMemo } from 'react';
import { Chart, type ChartOption } from '../charts/chart';
import { ExplanationCharts, ExtremeRows } from './explanations';
import { formatNumber, numericLeaves } from '../ui/format';
import type { Run } from './run-query';
import { primaryMetricOf } from './trials-section';

interface Threshold {
  min?: number;
  max?: number;
}
interface Evaluation {
  metrics?: Record<string, number>;
  champion?: { version: number; metrics: Record<string, number>; note?: string } | null;
  importances?: { feature: string; importance: number; std: number }[];
}
export interface FairnessGroup {
  group: string;
  count: number;
  selectionRate: number;
  truePositiveRate: number | null;
}
export interface FairnessReport {
  attribute: string;
  positiveClass: string;
  groups: FairnessGroup[];
  demographicParityDifference: number;
  equalOpportunityDifference: number;
}

export const evaluationOf = (run: Run): Evaluation => (run.steps.find((s) => s.name === 'evaluate')?.output ?? {}) as Evaluation;
const thresholdsOf = (run: Run) => ((run.spec as { evaluation?: { thresholds?: Record<string, Threshold> } }).evaluation?.thresholds ?? {});

function verdict(value: number | undefined, threshold: Threshold | undefined): string {
  if (value === undefined || !threshold) return '';
  if (threshold.min !== undefined && value < threshold.min) return 'below';
  if (threshold.max !== undefined && value > threshold.max) return 'above';
  return 'meets';
}

/** The chosen model on the test split: metrics against the thresholds and the champion, fairness, importances. */
export function EvaluationSection({ run }: { run: Run }) {
  const evaluation = evaluationOf(run);
  const metrics = numericLeaves(run.modelVersion?.metrics ?? evaluation.metrics);
  if (Object.keys(metrics).length === 0) return null;
  const importances = run.modelVersion?.importances ?? evaluation.importances ?? [];
  return (
    <section aria-labelledby="evaluation-title">
      <h2 id="evaluation-title">Evaluation</h2>
      <MetricsTable metrics={metrics} thresholds={thresholdsOf(run)} champion={evaluation.champion ?? null} primary={primaryMetricOf(run)} />
      {run.modelVersion?.privacy && <PrivacyNote privacy={run.modelVersion.privacy} />}
      <FairnessTables reports={fairnessReports(run.modelVersion?.fairness)} />
      {importances.length > 0 && <ImportanceChart importances={importances} />}
      {run.modelVersion?.explanations && (
        <>
          <ExplanationCharts explanations={run.modelVersion.explanations} />
          <ExtremeRows explanations={run.modelVersion.explanations} />
        </>
      )}
    </section>
  );
}

export function MetricsTable({ metrics, thresholds, champion, primary }: { metrics: Record<string, number>; thresholds: Record<string, Threshold>; champion: Evaluation['champion']; primary: string }) {
  return (
    <table className="grid" aria-label="Metrics against thresholds and champion">
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col" className="num">
            This model
          </th>
          <th scope="col">Threshold</th>
          <th scope="col" className="num">
            {champion ? `Champion v${champion.version}` : 'Champion'}
          </th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(metrics).map(([name, value]) => {
          const threshold = thresholds[name];
          const state = verdict(value, threshold);
          return (
            <tr key={name} className={name === primary ? 'primary' : undefined}>
              <th scope="row">
                {name}
                {name === primary ? ' (primary)' : ''}
              </th>
              <td className="num">{formatNumber(value)}</td>
              <td>
                {threshold ? `${threshold.min !== undefined ? `≥ ${threshold.min}` : ''}${threshold.max !== undefined ? ` ≤ ${threshold.max}` : ''}` : '—'}
                {state && <span className={`verdict verdict-${state}`}> {state}</span>}
              </td>
              <td className="num">{champion ? formatNumber(champion.metrics[name]) : 'none yet'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The privacy guarantee beside the metrics, for a model trained with DP-SGD. */
export function PrivacyNote({ privacy }: { privacy: { epsilon: number; delta: number; noiseMultiplier: number; clipNorm: number; steps: number } }) {
  return (
    <p className="privacy" data-testid="privacy">
      Differentially private: <strong>ε = {formatNumber(privacy.epsilon)}</strong> at δ = {privacy.delta.toExponential()} (DP-SGD, noise multiplier {formatNumber(privacy.noiseMultiplier)}, clip norm{' '}
      {formatNumber(privacy.clipNorm)}, {privacy.steps} steps).
    </p>
  );
}

export const fairnessReports = (value: unknown): FairnessReport[] => (Array.isArray(value) ? (value as FairnessReport[]) : value && typeof value === 'object' ? [value as FairnessReport] : []);

export function FairnessTables({ reports }: { reports: FairnessReport[] }) {
  if (reports.length === 0) return <p className="hint">No fairness attributes in the spec.</p>;
  return (
    <>
      {reports.map((report) => (
        <table key={report.attribute} className="grid" aria-label={`Fairness by ${report.attribute}`}>
          <caption>
            Fairness by <strong>{report.attribute}</strong> (positive class {report.positiveClass}): demographic parity difference {formatNumber(report.demographicParityDifference)}, equal opportunity difference{' '}
            {formatNumber(report.equalOpportunityDifference)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                Selection rate
              </th>
              <th scope="col" className="num">
                True positive rate
              </th>
            </tr>
          </thead>
          <tbody>
            {report.groups.map((g) => (
              <tr key={g.group}>
                <th scope="row">{g.group}</th>
                <td className="num">{g.count}</td>
                <td className="num">{formatNumber(g.selectionRate)}</td>
                <td className="num">{formatNumber(g.truePositiveRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}

export function ImportanceChart({ importances }: { importances: { feature: string; importance: number; std: number }[] }) {
  const option = useMemo<ChartOption>(() => {
    const sorted = [...importances].sort((a, b) => a.importance - b.importance);
    return {
      grid: { left: 140, right: 30, top: 20, bottom: 44 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'permutation importance', nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'category', data: sorted.map((i) => i.feature) },
      series: [{ type: 'bar', name: 'importance', data: sorted.map((i) => i.importance) }],
    };
  }, [importances]);
  return <Chart option={option} label="Permutation feature importance on the test split" height={Math.max(160, importances.length * 28 + 60)} testId="importance-chart" />;
}
