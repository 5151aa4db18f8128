import { useMemo } from 'react';
import { useQuery } from 'urql';
import { Chart, type ChartOption } from '../charts/chart';
import { graphql } from '../graphql/generated';
import { formatNumber } from '../ui/format';

const RunExtremesQuery = graphql(`
  query RunExtremes($id: ID!) {
    pipelineRun(input: { runId: $id }) {
      id
      modelVersion {
        id
        explanations {
          of
          link
          extremes {
            rank
            output
            top {
              feature
              value
            }
          }
        }
      }
    }
  }
`);

/** A waiting run's highest and lowest scored test rows, read on their own (a page of waiting runs with theirs would cost too much at once). */
export function RunExtremes({ runId }: { runId: string }) {
  const [result] = useQuery({ query: RunExtremesQuery, variables: { id: runId }, requestPolicy: 'cache-and-network' });
  const explanations = result.data?.pipelineRun.modelVersion?.explanations;
  return explanations ? <ExtremeRows explanations={explanations} /> : null;
}

/** A model version's explanations as the API gives them (the fields the console reads). */
export interface Explanations {
  rows?: number | null;
  of?: string | null;
  link?: string | null;
  meanAbs?: { feature: string; value: number }[];
  dependence?: { feature: string; points: number[][] }[];
  extremes?: { rank: string; output: number; top: { feature: string; value: number }[] }[];
  skipped?: string | null;
}

const linkName = (link?: string | null) => (link === 'logit' ? 'log-odds' : link === 'softmax' ? 'raw score' : 'value');

/** Mean |SHAP| per input column on the test split, and a dependence plot for each top numeric column. */
export function ExplanationCharts({ explanations }: { explanations: Explanations }) {
  if (explanations.skipped) return <p className="hint">No explanations: {explanations.skipped}.</p>;
  const meanAbs = explanations.meanAbs ?? [];
  if (meanAbs.length === 0) return null;
  return (
    <>
      <h3>Explanations</h3>
      <p className="hint">
        Exact SHAP values on {explanations.rows} test rows, of the {linkName(explanations.link)} of {explanations.of}.
      </p>
      <MeanAbsChart meanAbs={meanAbs} />
      {(explanations.dependence ?? []).map((d) => (
        <DependenceChart key={d.feature} feature={d.feature} points={d.points} />
      ))}
    </>
  );
}

function MeanAbsChart({ meanAbs }: { meanAbs: { feature: string; value: number }[] }) {
  const option = useMemo<ChartOption>(() => {
    const sorted = [...meanAbs].sort((a, b) => a.value - b.value);
    return {
      grid: { left: 140, right: 30, top: 20, bottom: 44 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'mean |SHAP|', nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'category', data: sorted.map((m) => m.feature) },
      series: [{ type: 'bar', name: 'mean |SHAP|', data: sorted.map((m) => m.value) }],
    };
  }, [meanAbs]);
  return <Chart option={option} label="Mean absolute SHAP value of each input column on the test split" height={Math.max(160, meanAbs.length * 28 + 60)} testId="shap-chart" />;
}

function DependenceChart({ feature, points }: { feature: string; points: number[][] }) {
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 70, right: 30, top: 30, bottom: 50 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'value', name: feature, scale: true, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: `SHAP value of ${feature}`, scale: true },
      series: [{ type: 'scatter', name: feature, symbolSize: 5, data: points }],
    }),
    [feature, points],
  );
  return <Chart option={option} label={`Dependence of the output on ${feature}: its SHAP value against its value`} testId="dependence-plot" />;
}

/** The test rows scored highest and lowest, with the columns that moved them most: what an approver asks first. */
export function ExtremeRows({ explanations }: { explanations: Explanations }) {
  const extremes = explanations.extremes ?? [];
  if (extremes.length === 0) return null;
  return (
    <table className="grid" aria-label="Top contributions of the highest and lowest scored test rows">
      <caption>
        Highest and lowest scored test rows ({linkName(explanations.link)} of {explanations.of})
      </caption>
      <thead>
        <tr>
          <th scope="col">Row</th>
          <th scope="col" className="num">
            Output
          </th>
          <th scope="col">Top contributions</th>
        </tr>
      </thead>
      <tbody>
        {extremes.map((e, i) => (
          <tr key={i} data-testid="extreme-row">
            <td>{e.rank}</td>
            <td className="num">{formatNumber(e.output)}</td>
            <td>{e.top.map((c) => `${c.feature} ${c.value >= 0 ? '+' : ''}${formatNumber(c.value)}`).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
