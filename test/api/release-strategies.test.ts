import { execFile } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import type { ShadowReport } from '../../domain/release/report.js';
import { rowsOf } from '../../db/client.js';
import { PROJECT_ROOT } from '../../paths.js';
import { recordHistory } from '../support/histories.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

/** Iris flowers of each species, and a few on the border, so that two models trained differently disagree on some. */
const FLOWERS = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.0, sepal_width: 2.9, petal_length: 4.5, petal_width: 1.5 },
  { sepal_length: 6.3, sepal_width: 2.8, petal_length: 5.1, petal_width: 1.5 },
  { sepal_length: 6.5, sepal_width: 3.0, petal_length: 5.8, petal_width: 2.2 },
  { sepal_length: 5.9, sepal_width: 3.2, petal_length: 4.8, petal_width: 1.8 },
  { sepal_length: 6.1, sepal_width: 3.0, petal_length: 4.9, petal_width: 1.8 },
];
const SPECIES = ['setosa', 'versicolor', 'virginica'];

interface Served {
  predictionId: string;
  version: number;
  role: string;
  value: string;
}

interface ReleaseView {
  strategy: string;
  status: string;
  outcome: string | null;
  report: unknown;
  checks: { name: string; passed: boolean }[];
  looks: { look: number; at: string; estimate: number | null; lower: number | null; upper: number | null; pValue: number; champion: { labelled: number; predictions: number }; challenger: { labelled: number; predictions: number } }[];
}

/**
 * Shadow and A/B releases end to end: a real stack trains and releases versions, the test plays production traffic
 * and late labels through the API, and the run's workflow decides; the figures are checked against the log itself.
 */
describe('release strategies', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const specOf = (model: string, change: (s: PipelineSpecInput) => void): PipelineSpecInput => {
    const spec = exampleSpec('iris') as PipelineSpecInput;
    Object.assign(spec, { name: model, model, gates: [], training: { trainer: 'logistic-regression', seed: 1 } });
    spec.evaluation = { primaryMetric: 'accuracy', thresholds: {}, champion: { enabled: false } };
    spec.deployment = { production: {} };
    change(spec);
    return spec;
  };
  const submit = async (spec: PipelineSpecInput) => (await stack.api.data<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } }, 'engineer@example.com')).submitPipeline.id;
  const run = async (id: string) =>
    (
      await stack.api.data<{ pipelineRun: { status: string; currentStep: string | null; releases: ReleaseView[] } }>(
        `query($id: ID!) { pipelineRun(input: { runId: $id }) { status currentStep releases { strategy status outcome report checks { name passed } looks { look at estimate lower upper pValue champion { labelled predictions } challenger { labelled predictions } } } } }`,
        { id },
      )
    ).pipelineRun;
  const settled = (id: string, statuses: string[], timeout = 120_000) => eventually(() => run(id), (r) => statuses.includes(r.status), timeout, 500);
  const deployments = async (model: string) => (await stack.api.data<{ model: { currentDeployments: { role: string; version: number }[] } }>('query($name: String!) { model(input: { name: $name }) { currentDeployments { role version } } }', { name: model })).model.currentDeployments;
  const predict = async (model: string, inputs: unknown[], key: string) =>
    (await stack.api.data<{ predict: Served[] }>('mutation($input: PredictInput!) { predict(input: $input) { predictionId version role value } }', { input: { model, inputs, key } }, 'viewer@example.com')).predict;
  const label = async (predictionId: string, value: string) => {
    const answer = await stack.api.gql('mutation($input: FeedbackInput!) { recordFeedback(input: $input) { predictionId } }', { input: { predictionId, label: value } }, { as: 'engineer@example.com' });
    expect(answer.errors).toBeUndefined();
  };
  const record = async (id: string, name: string) =>
    recordHistory((await stack.api.data<{ pipelineRun: { workflowId: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { workflowId } }', { id })).pipelineRun.workflowId, name);
  const query = async <T>(statement: ReturnType<typeof sql>) => rowsOf<T>(await stack.database.db.execute(statement));
  const releaseFirst = async (model: string) => expect((await settled(await submit(specOf(model, () => undefined)), ['succeeded', 'failed'])).status).toBe('succeeded');

  it('shadows production without answering anyone, reports what the log holds, and promotes through its gate', { timeout: 300_000 }, async () => {
    await releaseFirst('shadowed');
    const id = await submit(
      specOf('shadowed', (s) => {
        // A shallow forest on two features: a model that disagrees with the logistic regression on the border flowers.
        s.training = { trainer: 'random-forest', seed: 3, params: { nEstimators: 5, maxDepth: 1 } };
        s.gates = [{ name: 'promote' }];
        s.deployment = { production: { shadow: { duration: '25s', sample: 100, gate: 'promote', require: { agreement: 0.2 } } } };
      }),
    );
    await eventually(() => deployments('shadowed'), (d) => d.some((x) => x.role === 'shadow'), 120_000, 300);
    const served: Served[] = [];
    for (let i = 0; i < 40; i++) served.push(...(await predict('shadowed', [FLOWERS[i % FLOWERS.length], FLOWERS[(i + 1) % FLOWERS.length]], `user-${i}`)));
    // Users get the primary's answers only: a shadow never answers.
    expect(new Set(served.map((p) => `${p.role} v${p.version}`))).toEqual(new Set(['primary v1']));
    for (const p of served.slice(0, 30)) await label(p.predictionId, p.value);
    // Nor can a caller pin it: the inference protocol serves a pinned version only if it serves production.
    const pinned = await fetch(stack.api.url.replace(/graphql$/, 'v2/models/shadowed/versions/2/infer'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.api.tokens['viewer@example.com']}` },
      body: JSON.stringify({ inputs: Object.entries(FLOWERS[0]!).map(([name, value]) => ({ name, shape: [1], datatype: 'FP64', data: [value] })) }),
    });
    expect([pinned.status, ((await pinned.json()) as { error: string }).error]).toEqual([404, 'Model shadowed version 2 does not serve production']);

    const waiting = await settled(id, ['awaiting_approval', 'failed', 'rolled_back']);
    expect(waiting.currentStep).toBe('gate:promote');
    const [shadow] = waiting.releases;
    expect(shadow).toMatchObject({ strategy: 'shadow', status: 'passed', checks: [{ name: 'agreement', passed: true }] });
    const report = shadow!.report as ShadowReport;
    // The report against the log itself: every served prediction paired once, agreement and labels as logged.
    const [log] = await query<{ pairs: number; agree: number; labelled: number }>(sql`
      select count(*)::int as pairs, count(*) filter (where s.output->>'value' = p.output->>'value')::int as agree, count(p.label)::int as labelled
      from predictions s join predictions p on p.id = s.shadow_of where s.role = 'shadow'
        and s.model_version_id = (select id from model_versions where run_id = ${id})`);
    expect(log).toEqual({ pairs: served.length, agree: expect.any(Number), labelled: 30 });
    expect(report).toMatchObject({ pairs: log!.pairs, pairsUsed: log!.pairs, labelled: 30 });
    expect(report.agreement!.estimate).toBeCloseTo(log!.agree / log!.pairs, 12);
    expect(log!.agree).toBeLessThan(log!.pairs);
    expect(report.disagreements.length).toBeGreaterThan(0);
    expect(report.disagreements[0]!.inputs).not.toBeNull();
    // The inputs it quotes are served data: a viewer reads the report without them.
    const asViewer = await stack.api.data<{ releases: { report: ShadowReport }[] }>('{ releases(input: { model: "shadowed" }) { report } }', {}, 'viewer@example.com');
    expect(asViewer.releases[0]!.report.disagreements.map((d) => d.inputs)).toEqual(report.disagreements.map(() => null));
    expect(asViewer.releases[0]!.report.agreement).toEqual(report.agreement);
    expect(report.primary.metrics.accuracy!.estimate).toBe(1);
    expect(report.shadow.latencyMs.p50).toBeGreaterThan(0);

    // The CLI prints the same report.
    const cli = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'custody.mjs'), 'deployments', 'report', 'shadowed'], { env: { ...process.env, CUSTODY_URL: stack.api.url, CUSTODY_TOKEN: stack.api.tokens['viewer@example.com']!, NO_COLOR: '1', CUSTODY_OUTPUT: '' } }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(cli).toContain(`shadowed v2 shadow against v1: passed (${log!.pairs} paired predictions met the requirements)`);
    expect(cli).toContain(`agreement ${Number((log!.agree / log!.pairs).toPrecision(4))}`);
    expect(cli).toContain('(withheld from your role)');

    const approved = await stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id, gate: "promote" }) { name } }', { id }, { as: 'approver@example.com' });
    expect(approved.errors).toBeUndefined();
    expect((await settled(id, ['succeeded', 'failed', 'rolled_back'])).status).toBe('succeeded');
    expect(await deployments('shadowed')).toEqual([{ role: 'primary', version: 2 }]);
    const [ended] = await query<{ end_reason: string }>(sql`select end_reason from deployments where role = 'shadow' and run_id = ${id}`);
    expect(ended!.end_reason).toBe('promoted');
    await record(id, 'shadow-passed-then-approved');
  });

  const scrape = async () => (await (await fetch(stack.api.url.replace(/graphql$/, 'metrics'), { headers: { authorization: `Bearer ${stack.api.tokens['viewer@example.com']}` } })).text()).split('\n');
  const shadowCount = (lines: string[], model: string, outcome: string) =>
    lines.filter((l) => l.startsWith('custody_shadow_predictions_total{') && l.includes(`model="${model}"`) && l.includes(`outcome="${outcome}"`)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);

  it.each([
    ['slow', { delayMs: 4000 }, 'logged'],
    ['crashing', { crashServing: true }, 'failed'],
  ])('a %s shadow never slows or fails the answers users get', { timeout: 300_000 }, async (kind, params, outcome) => {
    const model = `isolated-${kind}`;
    await releaseFirst(model);
    const id = await submit(
      specOf(model, (s) => {
        s.training = { trainer: 'command', command: ['node', 'test/fixtures/nearest-mean-model.mjs'], params };
        s.deployment = { production: { shadow: { duration: '1h', sample: 100 } } };
      }),
    );
    await eventually(() => deployments(model), (d) => d.some((x) => x.role === 'shadow'), 120_000, 300);
    const answers: Served[] = [];
    for (let i = 0; i < 10; i++) answers.push(...(await predict(model, [FLOWERS[i % FLOWERS.length]], `user-${i}`)));
    // Every answer came from the primary, and before any shadow prediction existed: the slow shadow takes 4 s
    // for its first, the crashing one never gives one. Had an answer waited on the shadow, its row would be here.
    expect(answers.map((a) => `${a.role} v${a.version}`)).toEqual(Array(10).fill('primary v1'));
    const shadowRows = async () => (await query<{ n: number }>(sql`select count(*)::int as n from predictions where role = 'shadow' and model_version_id = (select id from model_versions where run_id = ${id})`))[0]!.n;
    expect(await shadowRows()).toBe(0);
    // The shadow did take the copies: logged (slow), or failed and counted (crashing).
    await eventually(async () => shadowCount(await scrape(), model, outcome), (n) => n >= 1, 60_000, 500);
    // A logged row reaches the database with the log's next batch.
    if (outcome === 'logged') await eventually(shadowRows, (n) => n >= 1, 10_000, 200);
    else expect(await shadowRows()).toBe(0);
    await stack.api.data('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id });
    await eventually(() => deployments(model), (d) => d.every((x) => x.role === 'primary'), 60_000, 300);
  });

  /** Plays an A/B test: every keyed request served, then (late) labels that make each arm right with its own rate. */
  const playAbTest = async (model: string, runId: string, rightRate: { primary: number; canary: number }) => {
    await eventually(() => deployments(model), (d) => d.some((x) => x.role === 'canary'), 120_000, 300);
    const served: Served[] = [];
    for (let i = 0; i < 500; i++) served.push(...(await predict(model, [FLOWERS[i % FLOWERS.length]], `customer-${i}`)));
    // Labels arrive after the first look, which therefore counts served predictions and no labels.
    await eventually(() => run(runId), (r) => (r.releases[0]?.looks.length ?? 0) >= 1, 60_000, 300);
    let k = 0;
    for (const p of served) {
      const right = (k++ % 100) / 100 < rightRate[p.role as 'primary' | 'canary'];
      await label(p.predictionId, right ? p.value : SPECIES[(SPECIES.indexOf(p.value) + 1) % 3]!);
    }
    return served;
  };
  const abSpec = (model: string) =>
    specOf(model, (s) => {
      s.gates = [{ name: 'decide' }];
      s.deployment = { production: { abTest: { traffic: 50, metric: 'accuracy', minimumDetectableEffect: 0.2, checkEvery: '4s', maxDuration: '10m', gate: 'decide' } } };
    });

  it('promotes a better challenger once its labels show it with confidence, with the figures on the release', { timeout: 300_000 }, async () => {
    await releaseFirst('ab-better');
    const id = await submit(abSpec('ab-better'));
    const served = await playAbTest('ab-better', id, { primary: 0.6, canary: 0.95 });
    const done = await settled(id, ['succeeded', 'failed', 'rolled_back', 'awaiting_approval']);
    expect(done.status).toBe('succeeded');
    const [test] = done.releases;
    expect(test).toMatchObject({ strategy: 'ab_test', status: 'promoted', outcome: expect.stringMatching(/^better: accuracy difference 0\.3\d* in \[0\.\d+, 0\.\d+\] at 95%/) });
    expect(test!.looks[0]!.champion.labelled + test!.looks[0]!.challenger.labelled).toBe(0);
    const last = test!.looks.at(-1)!;
    expect(last.lower).toBeGreaterThan(0);
    expect(last.pValue).toBeLessThanOrEqual(0.05);
    // Samples per arm as the log counts them at that look: labelled predictions only.
    const [counts] = await query<{ champion: number; challenger: number }>(sql`
      select count(*) filter (where role = 'primary')::int as champion, count(*) filter (where role = 'canary')::int as challenger from predictions
      where model_id = (select id from models where name = 'ab-better') and labeled_at <= ${last.at}::timestamptz
        and created_at >= (select started_at from deployments where run_id = ${id} and role = 'canary')`);
    expect([last.champion.labelled, last.challenger.labelled]).toEqual([counts!.champion, counts!.challenger]);
    expect(last.champion.predictions + last.challenger.predictions).toBe(served.length);
    expect(await deployments('ab-better')).toEqual([{ role: 'primary', version: 2 }]);
    const history = await stack.api.data<{ deploymentHistory: { role: string; release: { status: string; strategy: string } | null }[] }>('{ deploymentHistory(input: { model: "ab-better" }) { role release { status strategy } } }');
    expect(history.deploymentHistory.find((d) => d.role === 'canary')!.release).toEqual({ status: 'promoted', strategy: 'ab_test' });
    await record(id, 'ab-test-promoted');
    const audit = await query<{ payload: { status: string; report: { latest: { look: number } } } }>(sql`select payload from audit_events where action = 'release.decided' and subject_id = ${id}`);
    expect(audit.map((a) => [a.payload.status, a.payload.report.latest.look])).toEqual([['promoted', last.look]]);
    const { events } = await stack.api.data<{ events: { nodes: { type: string; message: string }[] } }>('{ events(input: { model: "ab-better", type: "release.*" }) { nodes { type message } } }');
    expect(events.nodes).toEqual([{ type: 'release.decided', message: expect.stringMatching(/^ab-better v2: A\/B test promoted: better: accuracy difference/) }]);
  });

  it('asks the A/B test’s gate of a first release, which has nothing to be tested against: no version reaches production unapproved', { timeout: 300_000 }, async () => {
    const id = await submit(abSpec('ab-first'));
    const waiting = await settled(id, ['awaiting_approval', 'succeeded', 'failed']);
    expect([waiting.status, waiting.currentStep]).toEqual(['awaiting_approval', 'gate:decide']);
    expect(waiting.releases[0]).toMatchObject({ strategy: 'ab_test', status: 'skipped' });
    expect(await deployments('ab-first')).toEqual([]);
    await stack.api.data('mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id });
  });

  it('rolls back a worse challenger, restoring the primary to all traffic', { timeout: 300_000 }, async () => {
    await releaseFirst('ab-worse');
    const id = await submit(abSpec('ab-worse'));
    await playAbTest('ab-worse', id, { primary: 0.95, canary: 0.55 });
    const done = await settled(id, ['succeeded', 'failed', 'rolled_back', 'awaiting_approval']);
    expect(done.status).toBe('rolled_back');
    expect(done.releases[0]).toMatchObject({ status: 'rolled_back', outcome: expect.stringMatching(/^worse: accuracy difference -0\.\d+ in \[-0\.\d+, -0\.\d+\]/) });
    expect(await deployments('ab-worse')).toEqual([{ role: 'primary', version: 1 }]);
    await record(id, 'ab-test-rolled-back');
  });
});
