import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.js';
import { createRepositories } from '../db/repositories/index.js';
import { ms } from './timing.js';

export interface LineageFigures {
  runs: number;
  runBoth: { p50: number; p99: number; nodes: number };
  datasetDown: { p50: number; p99: number; nodes: number };
  lookup: { p50: number; p99: number };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

/**
 * Seeds RUNS runs over 100 dataset versions, each with a trial, a model version and (for one in five) a
 * deployment, and one run in ten derived from an earlier one; then times lineage queries at depth 5.
 */
export async function lineageBench(db: Db, runs = 100_000, samples = 200): Promise<LineageFigures> {
  await db.execute(sql`insert into datasets (name) values ('bench-data') on conflict do nothing`);
  await db.execute(sql`insert into models (name) values ('bench-model') on conflict do nothing`);
  await db.execute(sql`
    insert into dataset_versions (dataset_id, version, sha256, format, size_bytes, row_count, columns, registered_by)
    select (select id from datasets where name = 'bench-data'), v, md5(v::text) || md5((v + 1)::text), 'csv', 1, 1, '[]', 'bench'
    from generate_series(1, 100) v`);
  await db.execute(sql`
    insert into pipeline_runs (id, workflow_id, pipeline_name, model_name, spec, spec_hash, submitted_by, status, dataset_version_id)
    select gen_random_uuid(), 'lineage-bench-' || n, 'lineage-bench', 'bench-model', '{}', 'x', 'bench', 'succeeded',
      (select id from dataset_versions where version = 1 + n % 100 and dataset_id = (select id from datasets where name = 'bench-data'))
    from generate_series(1, ${runs}) n`);
  await db.execute(sql`
    with numbered as (select id, row_number() over (order by workflow_id) n from pipeline_runs where pipeline_name = 'lineage-bench')
    update pipeline_runs r set parent_run_id = p.id, trigger = 'retrain'
    from numbered c join numbered p on p.n = c.n - 1 where r.id = c.id and c.n % 10 = 0`);
  await db.execute(sql`
    insert into trials (run_id, trial_index, trainer, params, cache_key, code_version, status)
    select id, 0, 'random-forest', '{}', md5(id::text), 'bench', 'succeeded' from pipeline_runs where pipeline_name = 'lineage-bench'`);
  await db.execute(sql`
    insert into model_versions (model_id, version, artifact_sha256, trainer, params, metrics, dataset_version_id, run_id, trial_id, code_version, features, target, task)
    select (select id from models where name = 'bench-model'), row_number() over (), md5(r.id::text), 'random-forest', '{}', '{}', r.dataset_version_id, r.id, t.id, 'bench', '[]', 'y', 'classification'
    from pipeline_runs r join trials t on t.run_id = r.id where r.pipeline_name = 'lineage-bench'`);
  await db.execute(sql`
    insert into deployments (model_id, model_version_id, stage, role, traffic_percent, run_id, idempotency_key)
    select model_id, id, 'production', 'primary', 100, run_id, 'bench-' || id from model_versions where version % 5 = 0`);
  await db.execute(sql`analyze`);

  const repos = createRepositories(db);
  const roots = rowsOf<{ id: string }>(await db.execute(sql`select id from pipeline_runs where pipeline_name = 'lineage-bench' order by random() limit ${samples}`));
  const datasetRoots = rowsOf<{ id: string }>(await db.execute(sql`select id from dataset_versions order by random() limit 20`));
  const time = async (fn: () => Promise<number>) => {
    const t = performance.now();
    const size = await fn();
    return { ms: performance.now() - t, size };
  };
  for (const root of roots.slice(0, 20)) await repos.lineage.graph(root.id, 'run', 'BOTH', 5); // warm-up
  const runBoth = [];
  const lookup = [];
  for (const root of roots) {
    runBoth.push(await time(async () => (await repos.lineage.graph(root.id, 'run', 'BOTH', 5)).nodes.length));
    lookup.push(await time(async () => ((await repos.runs.get(root.id)) ? 1 : 0)));
  }
  const datasetDown = [];
  for (const root of datasetRoots) datasetDown.push(await time(async () => (await repos.lineage.graph(root.id, 'dataset_version', 'DOWNSTREAM', 5)).nodes.length));
  const figures = (xs: { ms: number; size: number }[]) => ({ p50: quantile(xs.map((x) => x.ms), 0.5), p99: quantile(xs.map((x) => x.ms), 0.99), nodes: Math.round(xs.reduce((a, x) => a + x.size, 0) / xs.length) });
  return { runs, runBoth: figures(runBoth), datasetDown: figures(datasetDown), lookup: figures(lookup) };
}

export function lineageSection(lineage: LineageFigures, kind: string): string {
  return `## Lineage

${lineage.runs.toLocaleString('en')} runs over 100 dataset versions, each with a trial and a model version, one in five deployed, one in ten retrained from the run before; \`lineage\` computed in ${kind} with a recursive CTE, at depth 5. Baseline: fetching one run by primary key.

| query | p50 | p99 | nodes returned (mean) |
| --- | --- | --- | --- |
| a run, BOTH directions | ${ms(lineage.runBoth.p50)} | **${ms(lineage.runBoth.p99)}** | ${lineage.runBoth.nodes} |
| a dataset version, DOWNSTREAM | ${ms(lineage.datasetDown.p50)} | ${ms(lineage.datasetDown.p99)} | ${lineage.datasetDown.nodes} |
| run by primary key (baseline) | ${ms(lineage.lookup.p50)} | ${ms(lineage.lookup.p99)} | 1 |
| **ratio (run lineage / lookup)** | ${(lineage.runBoth.p50 / lineage.lookup.p50).toFixed(1)}× | ${(lineage.runBoth.p99 / lineage.lookup.p99).toFixed(1)}× | |

Target: p99 under 50 ms for a run's lineage at depth 5 over 100k runs — ${lineage.runBoth.p99 < 50 ? 'met' : '**not met**'} here.
`;
}

