import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../activities/events/signature.js';
import { PROJECT_ROOT } from '../../paths.js';
import { seededRandom } from '../../domain/random.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { recordHistory } from '../support/histories.js';
import { createImportDir } from '../support/imports.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

type Flower = { sepal_length: number; sepal_width: number; petal_length: number; petal_width: number; species: string };

const IRIS: Flower[] = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [a, b, c, d, species] = line.split(',');
    return { sepal_length: Number(a), sepal_width: Number(b), petal_length: Number(c), petal_width: Number(d), species: species! };
  });

/** The world drifting in exactly two named features: petals grow 3 cm longer, sepals 1.5 cm wider. */
const SHIFTED = ['petal_length', 'sepal_width'];
const shift = (f: Flower): Flower => ({ ...f, petal_length: Number((f.petal_length + 3).toFixed(1)), sepal_width: Number((f.sepal_width + 1.5).toFixed(1)) });

/** `n` flowers drawn with replacement from iris, seeded, so every run sends the very same traffic. */
function traffic(n: number, seed: number, transform: (f: Flower) => Flower = (f) => f): Omit<Flower, 'species'>[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const { species: _species, ...features } = transform(IRIS[Math.floor(random() * IRIS.length)]!);
    return features;
  });
}

const csv = (rows: Flower[]) => ['sepal_length,sepal_width,petal_length,petal_width,species', ...rows.map((f) => `${f.sepal_length},${f.sepal_width},${f.petal_length},${f.petal_width},${f.species}`)].join('\n');

/** Iris behind one approval gate, straight to production, monitored over the last hour of traffic. */
function monitoredSpec(name: string): PipelineSpecInput {
  const spec = exampleSpec('iris') as PipelineSpecInput;
  spec.name = name;
  spec.model = name;
  spec.dataset = { name: `${name}-data`, file: 'examples/iris/iris.csv' };
  spec.training!.search = { strategy: 'grid', parallelism: 2, space: { nEstimators: [20], maxDepth: [4] } };
  spec.deployment = { production: {} };
  spec.monitoring = { window: '1h', minRows: 100 };
  return spec;
}

describe('monitoring, drift and retraining', () => {
  let stack: TestStack;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let secret: string;
  const imports = createImportDir();

  beforeAll(async () => {
    stack = await startStack({ env: { CUSTODY_IMPORT_DIR: imports.dir, CUSTODY_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8' } });
    hooks = await startWebhookReceiver();
    const created = await stack.api.gql<{ createWebhook: { secret: string } }>(
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }',
      { input: { url: hooks.url, events: ['alert.*', 'model.registered', 'deployment.*'] } },
      { as: 'admin@example.com' },
    );
    expect(created.errors).toBeUndefined();
    secret = created.data!.createWebhook.secret;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await hooks?.close();
  });

  const gql = <T = any>(query: string, variables: Record<string, unknown> = {}, as?: string) => stack.api.data<T>(query, variables, as);
  const run = async (id: string) =>
    (await gql<{ pipelineRun: any }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { id status trigger parentRunId driftReportId submittedBy datasetVersion { version } modelVersion { id version } } }', { id })).pipelineRun;
  const release = async (name: string): Promise<string> => {
    const { submitPipeline } = await gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: monitoredSpec(name) } });
    await approveWhenWaiting(submitPipeline.id);
    await eventually(() => run(submitPipeline.id), (r) => r.status === 'succeeded', 90_000);
    return submitPipeline.id;
  };
  const approveWhenWaiting = async (id: string) => {
    await eventually(() => run(id), (r) => r.status === 'awaiting_approval', 90_000);
    await gql('mutation($id: ID!) { approveGate(input: { runId: $id, comment: "drift handled" }) { status } }', { id }, 'approver@example.com');
  };
  const serve = async (model: string, rows: object[]) => {
    for (let i = 0; i < rows.length; i += 100) {
      await gql('mutation($input: PredictInput!) { predict(input: $input) { predictionId } }', { input: { model, inputs: rows.slice(i, i + 100) } }, 'viewer@example.com');
    }
    await eventually(async () => (await gql('{ servingStats { pending } }')).servingStats.pending, (pending: number) => pending === 0, 10_000);
  };
  const REPORT = 'id status rows driftedFeatures reasons workflowId scheduleId features { name kind psi ksPValue drifted reasons } prediction { psi drifted } triggeredRuns { id }';
  const reports = async (model: string) => (await gql('query($model: String!) { driftReports(input: { model: $model }) { nodes { ' + REPORT + ' } } }', { model })).driftReports.nodes as any[];
  const alerts = async (model: string) => (await gql('query($model: String) { alerts(input: { model: $model }) { nodes { type message data } } }', { model })).alerts.nodes as any[];
  const trigger = (id: string) => gql('mutation($id: String!) { triggerSchedule(input: { id: $id }) { id actionsTaken } }', { id });

  it('detects drift in exactly the two shifted features, retrains through the gate, deploys the new version and links it all in lineage', { timeout: 300_000 }, async () => {
    const model = 'drift-iris';
    const firstRunId = await release(model);
    await serve(model, traffic(400, 11, shift));
    // New labelled data arrives from the drifted world: the next version of the model's dataset.
    const registered = await gql('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { version } }', {
      input: { name: `${model}-data`, format: 'csv', content: csv(IRIS.map(shift)) },
    });
    expect(registered.registerDataset.version).toBe(2);

    const schedule = await gql('mutation { createSchedule(input: { model: "drift-iris", interval: "1h" }) { id action paused } }');
    expect(schedule.createSchedule).toEqual({ id: 'monitor-drift-iris', action: 'MONITOR', paused: false });
    await trigger('monitor-drift-iris');

    const [report] = await eventually(() => reports(model), (r) => r.length === 1 && r[0].triggeredRuns.length === 1, 90_000);
    expect(report.status).toBe('drift');
    expect(report.scheduleId).toBe('monitor-drift-iris');
    expect(report.rows).toBe(400);
    expect([...report.driftedFeatures].sort()).toEqual([...SHIFTED].sort());
    for (const feature of report.features) {
      expect(feature.drifted, `${feature.name}: ${feature.reasons.join('; ')}`).toBe(SHIFTED.includes(feature.name));
      if (SHIFTED.includes(feature.name)) expect(feature.psi).toBeGreaterThan(0.2);
    }

    const retrainingId = report.triggeredRuns[0].id;
    const retraining = await run(retrainingId);
    expect(retraining).toMatchObject({ trigger: 'retrain', parentRunId: firstRunId, driftReportId: report.id, submittedBy: 'system:monitor' });
    const started = await eventually(() => alerts(model), (a) => a.some((x) => x.type === 'alert.retraining_started'), 30_000);
    expect(started.find((a) => a.type === 'alert.retraining_started')).toMatchObject({ data: { runId: retrainingId, driftReportId: report.id, kind: 'drift' } });
    expect(started.find((a) => a.type === 'alert.retraining_started')!.message).toContain('feature petal_length drifted');

    // While the retraining waits at its gate, the next tick finds drift again but may not start another.
    await eventually(() => run(retrainingId), (r) => r.status === 'awaiting_approval', 90_000);
    // A tick that comes while the first still runs is skipped by the schedule (overlap SKIP): let the first end.
    const { schedules } = await gql('query($model: String!) { schedules(input: { model: $model }) { id recentRuns { workflowId } } }', { model });
    const first = schedules.find((s: { id: string }) => s.id === 'monitor-drift-iris').recentRuns.at(-1).workflowId as string;
    await stack.worker.client.workflow.getHandle(first).result();
    // The schedule learns that its action ended a moment later; a trigger before then is skipped as an overlap.
    const monitorSchedule = stack.worker.client.schedule.getHandle('monitor-drift-iris');
    await eventually(() => monitorSchedule.describe(), (d) => d.info.runningActions.length === 0, 30_000);
    const ticks = (await monitorSchedule.describe()).info.recentActions.length;
    await trigger('monitor-drift-iris');
    // The second tick, once it has started: its end is when its alert is recorded, however busy the workers are.
    const second = await eventually(() => monitorSchedule.describe(), (d) => d.info.recentActions.length > ticks, 60_000);
    await stack.worker.client.workflow.getHandle(second.info.recentActions.at(-1)!.action.workflow.workflowId).result();
    const skipped = await alerts(model);
    expect(skipped.filter((a) => a.type === 'alert.retraining_skipped').map((a) => a.message)).toEqual([expect.stringContaining(`a retraining of ${model} is already in progress: run ${retrainingId}`)]);
    expect((await reports(model)).length).toBe(2);

    await gql('mutation($id: ID!) { approveGate(input: { runId: $id }) { status } }', { id: retrainingId }, 'approver@example.com');
    const done = await eventually(() => run(retrainingId), (r) => !['running', 'awaiting_approval'].includes(r.status), 90_000);
    expect(done).toMatchObject({ status: 'succeeded', datasetVersion: { version: 2 }, modelVersion: { version: 2 } });
    const production = await gql('query($name: String!) { model(input: { name: $name }) { productionVersion { version } } }', { name: model });
    expect(production.model.productionVersion.version).toBe(2);
    await eventually(() => alerts(model), (a) => a.some((x) => x.type === 'alert.retraining_finished'), 30_000);

    // Lineage: the retraining's upstream is its new data, the run it replaced, and the drift report, which leads to the version it checked.
    const lineage = await gql('query($id: ID!) { lineage(input: { nodeId: $id, direction: UPSTREAM, depth: 2 }) { nodes { id type driftReport { id status } } edges { fromId toId relation } } }', { id: retrainingId });
    const edges = lineage.lineage.edges.map((e: any) => `${e.fromId}>${e.relation}>${e.toId}`);
    const firstVersion = (await run(firstRunId)).modelVersion.id;
    expect(edges).toEqual(expect.arrayContaining([`${report.id}>triggered>${retrainingId}`, `${firstVersion}>monitored>${report.id}`, `${firstRunId}>retrain>${retrainingId}`]));
    expect(lineage.lineage.nodes.find((n: any) => n.type === 'drift_report')).toMatchObject({ id: report.id, driftReport: { id: report.id, status: 'drift' } });

    // The alerts and registry events reached the webhook, each signed with the secret.
    const received = await eventually(
      async () => hooks.accepted().filter((h) => h.json.model === model),
      (h) => ['alert.retraining_started', 'alert.retraining_skipped', 'alert.retraining_finished'].every((t) => h.some((x) => x.json.type === t)) && h.filter((x) => x.json.type === 'model.registered').length === 2,
      30_000,
    );
    for (const hook of received) expect(verifySignature(secret, hook.body, hook.headers['custody-signature'] as string)).toBe(true);
    expect(received.find((h) => h.json.type === 'alert.retraining_started')!.json.data.runId).toBe(retrainingId);

    const [tick] = (await stack.worker.client.schedule.getHandle('monitor-drift-iris').describe()).info.recentActions;
    recordHistory(tick!.action.workflow.workflowId, 'monitor-started-retraining');
    recordHistory('retrainer-drift-iris', 'retrainer-one-retraining');
  });

  it('starts no retraining when traffic looks like the training data', { timeout: 180_000 }, async () => {
    const model = 'steady-iris';
    await release(model);
    await serve(model, traffic(400, 23));
    await gql('mutation { createSchedule(input: { model: "steady-iris", cron: "0 3 * * *", timeZone: "Europe/Berlin" }) { id } }');
    await trigger('monitor-steady-iris');
    const [report] = await eventually(() => reports(model), (r) => r.length === 1, 60_000);
    expect(report.status, report.reasons.join('; ')).toBe('ok');
    expect(report.driftedFeatures).toEqual([]);
    // The tick has ended: nothing asked for a retraining, and no alert was raised.
    const handle = stack.worker.client.workflow.getHandle(report.workflowId);
    const result = await handle.result();
    expect(result.check.status).toBe('ok');
    expect(result.retraining).toBeUndefined();
    expect(await alerts(model)).toEqual([]);
    const runs = await gql('query($model: String) { pipelineRuns(input: { modelName: $model }) { nodes { trigger } } }', { model });
    expect(runs.pipelineRuns.nodes.map((r: any) => r.trigger)).toEqual(['manual']);
    recordHistory(report.workflowId, 'monitor-no-drift');
  });

  it('judges performance on feedback and, where the spec does not retrain on it, only alerts', { timeout: 180_000 }, async () => {
    const model = 'judged-iris';
    const spec = monitoredSpec(model);
    spec.monitoring = { window: '1h', minRows: 100, retrain: { on: ['drift'] } };
    const { submitPipeline } = await gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
    await approveWhenWaiting(submitPipeline.id);
    await eventually(() => run(submitPipeline.id), (r) => r.status === 'succeeded', 90_000);

    // Unshifted traffic, but the outcomes that come back days later say the model is wrong: every label is another class.
    const served: { predictionId: string; value: string }[] = [];
    const rows = traffic(200, 31);
    for (let i = 0; i < rows.length; i += 100) {
      served.push(...(await gql('mutation($input: PredictInput!) { predict(input: $input) { predictionId value } }', { input: { model, inputs: rows.slice(i, i + 100) } }, 'viewer@example.com')).predict);
    }
    const other = (value: string) => (value === 'setosa' ? 'virginica' : 'setosa');
    for (const p of served.slice(0, 60)) {
      await gql('mutation($id: ID!, $label: JSON!) { recordFeedback(input: { predictionId: $id, label: $label }) { label } }', { id: p.predictionId, label: other(p.value) });
    }
    await gql('mutation { createSchedule(input: { model: "judged-iris", interval: "1d" }) { id } }');
    await trigger('monitor-judged-iris');
    const [report] = await eventually(() => reports(model), (r) => r.length === 1, 60_000);
    expect(report.status).toBe('degraded');
    expect(report.driftedFeatures).toEqual([]);
    const full = await gql('query($id: ID!) { driftReport(input: { id: $id }) { labelledRows performance { labelled judged metrics failures } } }', { id: report.id });
    expect(full.driftReport).toMatchObject({ labelledRows: 60, performance: { labelled: 60, judged: true, metrics: { accuracy: 0 } } });
    expect(full.driftReport.performance.failures).toContain('accuracy 0 is below the minimum 0.85 on the labelled production data');
    const [alert] = await eventually(() => alerts(model), (a) => a.length === 1, 30_000);
    expect(alert.type).toBe('alert.retraining_skipped');
    expect(alert.message).toMatch(/^Retraining of judged-iris skipped: monitoring.retrain.on does not include performance. Found: .*performance: accuracy 0 is below the minimum 0.85/);
    const runs = await gql('query($model: String) { pipelineRuns(input: { modelName: $model }) { nodes { trigger } } }', { model });
    expect(runs.pipelineRuns.nodes).toHaveLength(1);
  });
});
