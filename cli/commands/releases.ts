import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { CliError, EXIT, wholeNumber } from '../exit.js';
import { RELEASES } from '../graphql/operations.js';
import type { ReleasesQuery, ReleasesQueryVariables } from '../graphql/types.js';
import { num, print, table, type Out } from '../output.js';
import type { ShadowReport } from '../../domain/release/report.js';

type Release = ReleasesQuery['releases'][number];

export function registerReleaseCommands(program: Command, ctx: () => Ctx): void {
  const deployments = program.command('deployments').description('release strategies: shadows and A/B tests');
  deployments
    .command('report')
    .summary("a model's latest shadow or A/B test report")
    .description("a model's release strategies, newest first: a shadow's agreement, scores, latency, metrics with intervals, disagreements and checks; an A/B test's looks (effect, confidence sequence, always-valid p-value, labelled samples per arm); -o json for every field")
    .argument('<model>', 'the model name')
    .option('--limit <n>', 'this many releases, newest first', '1')
    .action(async (model: string, opts: { limit: string }) => {
      const c = ctx();
      const limit = wholeNumber('--limit', opts.limit, 1, 100);
      const { releases } = await c.api().request<ReleasesQuery, ReleasesQueryVariables>(RELEASES, { model, limit });
      if (releases.length === 0 && c.out.format === 'table') throw new CliError(`${model} has no shadow or A/B test yet`, EXIT.usage);
      print(c.out, releases, () => releases.map((r) => releaseText(c.out, r)).join('\n\n'));
    });
}

function releaseText(out: Out, release: Release): string {
  const against = release.championVersion === null ? 'with nothing to compare against' : `against v${release.championVersion}`;
  const what = release.strategy === 'shadow' ? 'shadow' : 'A/B test';
  const head = `${release.modelName} v${release.challengerVersion} ${what} ${against}: ${release.status.replace('_', ' ')}${release.outcome ? ` (${release.outcome})` : ''}\nrun ${release.runId}, started ${release.startedAt}${release.endedAt ? `, ended ${release.endedAt}` : ''}`;
  if (!release.report) return head;
  return [head, release.strategy === 'shadow' ? shadowText(out, release.report as ShadowReport) : abTestText(out, release)].join('\n\n');
}

const interval = (i: { estimate: number; lower: number; upper: number } | null | undefined) => (i ? `${num(i.estimate)} [${num(i.lower)}, ${num(i.upper)}]` : '');

function shadowText(out: Out, report: ShadowReport): string {
  const lines = [`${report.pairs} paired predictions (${report.pairsUsed} in the figures), ${report.labelled} labelled, as of ${report.at}`];
  if (report.agreement) lines.push(`agreement ${interval(report.agreement)}`);
  if (report.differences) lines.push(`shadow − primary: mean ${num(report.differences.mean)}, p05 ${num(report.differences.p05)}, p50 ${num(report.differences.p50)}, p95 ${num(report.differences.p95)}`);
  const metrics = [...new Set([...Object.keys(report.primary.metrics), ...Object.keys(report.shadow.metrics)])].sort();
  const sides = [report.primary, report.shadow].map((side, i) => [i === 0 ? 'primary' : 'shadow', `v${side.version}`, `${num(side.latencyMs.p50)} / ${num(side.latencyMs.p95)} / ${num(side.latencyMs.p99)}`, ...metrics.map((m) => interval(side.metrics[m]))]);
  const parts = [lines.join('\n'), table(out, ['SIDE', 'VERSION', 'LATENCY MS P50/P95/P99', ...metrics.map((m) => m.toUpperCase())], sides)];
  if (report.checks.length > 0) parts.push(table(out, ['CHECK', 'REQUIRED', 'ACTUAL', 'PASSED'], report.checks.map((c) => [c.name, c.required, c.actual, c.passed ? 'yes' : 'NO'])));
  if (report.disagreements.length > 0) {
    const value = (o: { value: string | number }) => String(o.value);
    parts.push(`most different:\n${table(out, ['PREDICTION', 'PRIMARY', 'SHADOW', 'LABEL', 'DISTANCE', 'TIMES', 'INPUTS'], report.disagreements.map((d) => [d.predictionId, value(d.primary), value(d.shadow), d.label, num(d.distance), d.occurrences, d.inputs ? JSON.stringify(d.inputs) : '(withheld from your role)']))}`);
  }
  return parts.join('\n\n');
}

function abTestText(out: Out, release: Release): string {
  const settings = release.settings as { metric: string; alpha: number; power: number; minimumDetectableEffect: number; traffic: number };
  const head = `${settings.metric}, challenger − champion; ${settings.traffic}% of traffic; alpha ${settings.alpha} (valid however often looked at), power ${settings.power} at a difference of ${settings.minimumDetectableEffect}`;
  const bound = (x: number | null | undefined, infinite: string) => (x === null || x === undefined ? infinite : num(x));
  const rows = release.looks.map((l) => [
    l.look,
    l.at,
    num(l.estimate),
    `[${bound(l.lower, '-∞')}, ${bound(l.upper, '∞')}]`,
    num(l.pValue),
    `${l.champion.labelled}/${l.champion.predictions}${l.plannedChampion ? ` of ${l.plannedChampion}` : ''}`,
    `${l.challenger.labelled}/${l.challenger.predictions}${l.plannedChallenger ? ` of ${l.plannedChallenger}` : ''}`,
  ]);
  return `${head}\n${table(out, ['LOOK', 'AT', 'EFFECT', 'CONFIDENCE SEQUENCE', 'P (ALWAYS VALID)', 'CHAMPION LABELLED/SERVED', 'CHALLENGER LABELLED/SERVED'], rows)}`;
}
