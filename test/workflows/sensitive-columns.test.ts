import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type temporal } from '@temporalio/proto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../clients/payload-codec.js';
import type { PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { seededRandom } from '../../domain/random.js';
import { newKeySpec } from '../../storage/encryption/keyring.js';
import { openArtifactStore } from '../../storage/open-store.js';
import { createImportDir } from '../support/imports.js';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const MARKER = `marker-${randomBytes(6).toString('hex')}`;
const GROUPS = ['a', 'b', 'c'].map((g) => `group-${g}-${MARKER}`);

/** Loan applications: income and region decide, with a sensitive ethnicity and age among the features, sex for fairness and an id nobody uses. */
function applications(n: number): string {
  const random = seededRandom(17);
  const lines = ['applicant_id,income,region,ethnicity,age,sex,approved'];
  for (let i = 0; i < n; i++) {
    const income = Math.round(20 + random() * 80);
    const region = ['north', 'south', 'east', 'west'][Math.floor(random() * 4)]!;
    const age = Math.round(20 + random() * 50);
    const approved = income + (region === 'north' ? 10 : 0) + random() * 30 > 70 ? 'yes' : 'no';
    lines.push(`${MARKER}-${i},${income},${region},${GROUPS[i % 3]},${age},${random() < 0.5 ? 'f' : 'm'},${approved}`);
  }
  return lines.join('\n') + '\n';
}

function spec(name: string, extra: Partial<PipelineSpecInput> = {}): PipelineSpecInput {
  return {
    name,
    model: name,
    dataset: { name: `${name}-data`, file: 'applications.csv', sensitiveColumns: ['applicant_id', 'ethnicity', 'age', 'sex'] },
    task: 'classification',
    target: 'approved',
    features: ['income', 'region', 'ethnicity', 'age'],
    fairness: { sensitiveAttribute: 'sex', positiveClass: 'yes' },
    training: { trainer: 'logistic-regression', seed: 3 },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    deployment: { production: {} },
    monitoring: { window: '1h', minRows: 50 },
    ...extra,
  };
}

/** Sensitive columns: their values reach no payload, error or log in clear, while fairness and drift still work. */
describe('sensitive columns', () => {
  const imports = createImportDir();
  let stack: TestStack;
  const gql = (query: string, variables: Record<string, unknown> = {}, as?: string) => stack.api.data(query, variables, as);
  const read = async (id: string) => (await gql('query($id: ID!) { pipelineRun(input: { runId: $id }) { status workflowId error { message } modelVersion { fairness } } }', { id })).pipelineRun;
  const finish = async (s: PipelineSpecInput) => {
    const { submitPipeline } = await gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: s } });
    return await eventually(() => read(submitPipeline.id), (r) => !['running', 'awaiting_approval'].includes(r.status), 120_000);
  };
  /** Every payload of a run's history, opened with the codec, as text. */
  const historyText = async (workflowId: string) => {
    const history = await stack.worker.client.workflow.getHandle(workflowId).fetchHistory();
    const found: temporal.api.common.v1.IPayload[] = [];
    const walk = (value: unknown): void => {
      if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
      if ('data' in value && 'metadata' in value && (value as { data: unknown }).data instanceof Uint8Array) found.push(value as temporal.api.common.v1.IPayload);
      else for (const inner of Object.values(value)) walk(inner);
    };
    walk(history);
    const opened = await new EncryptionCodec(stack.config.encryption!.keyring).decode(found as never);
    return Buffer.concat(opened.map((p) => Buffer.from(p.data ?? new Uint8Array()))).toString('utf8');
  };

  beforeAll(async () => {
    imports.write('applications.csv', applications(600));
    stack = await startStack({ env: { CUSTODY_ENCRYPTION_KEYS: newKeySpec('k1'), CUSTODY_IMPORT_DIR: imports.dir } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('trains, reports fairness by the sensitive attribute, and keeps every value out of the decoded history', { timeout: 180_000 }, async () => {
    const run = await finish(spec('loans'));
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.modelVersion.fairness.groups.map((g: { group: string }) => g.group).sort()).toEqual(['f', 'm']);
    const text = await historyText(run.workflowId);
    expect(text.length).toBeGreaterThan(1000);
    expect(text).toContain('ethnicity');
    expect(text.includes(MARKER)).toBe(false);
    const { datasetVersion } = await gql('query { datasetVersion(input: { name: "loans-data" }) { datasheet columns { name categories } } }');
    expect(datasetVersion.columns.find((c: any) => c.name === 'ethnicity').categories).toBeNull();
    expect(datasetVersion.datasheet.includes(MARKER)).toBe(false);
  });

  it('names a failed rule on a sensitive column without its values', { timeout: 120_000 }, async () => {
    const run = await finish(spec('loans-checked', { validation: { columns: { ethnicity: { allowed: ['none'] }, age: { min: 30 } } } }));
    expect(run.status).toBe('failed');
    expect(run.error.message).toContain('values outside the allowed set (values withheld: a sensitive column)');
    expect(run.error.message).toMatch(/column age has \d+ values outside \[30, ∞\] \(values withheld: a sensitive column\)/);
    expect(run.error.message.includes(MARKER)).toBe(false);
    expect((await historyText(run.workflowId)).includes(MARKER)).toBe(false);
  });

  it('logs predictions with a keyed hash of a sensitive category and without a sensitive number, and still measures drift on the hashed one', { timeout: 180_000 }, async () => {
    const inputs = Array.from({ length: 120 }, (_, i) => ({ income: 30 + (i % 60), region: 'south', ethnicity: GROUPS[0], age: 40 + (i % 20) }));
    const { predict } = await gql('mutation($input: PredictInput!) { predict(input: $input) { predictionId } }', { input: { model: 'loans', inputs } }, 'viewer@example.com');
    expect(predict).toHaveLength(120);
    const refused = await stack.api.gql('mutation($input: PredictInput!) { predict(input: $input) { value } }', { input: { model: 'loans', inputs: [{ income: 50, region: 'north', ethnicity: GROUPS[1], age: `${MARKER}` }] } });
    expect(refused.errors![0]!.message).toBe('inputs[0].age must be a number');

    const sql = postgres(stack.database.url!, { max: 1 });
    try {
      const logged = await eventually(() => sql`select inputs from predictions`, (rows) => rows.length === 120, 10_000);
      for (const { inputs: row } of logged) {
        expect(Object.keys(row).sort()).toEqual(['ethnicity', 'income', 'region']);
        expect(row.ethnicity).toMatch(/^h:[0-9a-f]{24}$/);
      }
      expect(new Set(logged.map((r) => r.inputs.ethnicity)).size).toBe(1);
      expect(JSON.stringify(logged).includes(MARKER)).toBe(false);
    } finally {
      await sql.end();
    }

    await gql('mutation { createSchedule(input: { model: "loans", interval: "1h" }) { id } }');
    await gql('mutation { triggerSchedule(input: { id: "monitor-loans" }) { id } }');
    const reports = async () => (await gql('query { driftReports(input: { model: "loans" }) { nodes { status features { name drifted bins { labels } } } } }')).driftReports.nodes as any[];
    const [report] = await eventually(reports, (r) => r.length === 1, 90_000);
    const byName = new Map(report.features.map((f: any) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual(['ethnicity', 'income', 'region']);
    // Every served row is one group: its hashed category drifts from the training mix of three.
    expect((byName.get('ethnicity') as any).drifted).toBe(true);
    expect((byName.get('ethnicity') as any).bins.labels.every((l: string) => /^h:[0-9a-f]{24}$/.test(l))).toBe(true);
    expect(JSON.stringify(report).includes(MARKER)).toBe(false);
    // Let the tick's workflow (and the retraining request it makes on drift) end before the worker stops.
    const { schedules } = await gql('query { schedules(input: { model: "loans" }) { id recentRuns { workflowId } } }');
    await stack.worker.client.workflow.getHandle(schedules[0].recentRuns.at(-1).workflowId).result();
    await gql('mutation { deleteSchedule(input: { id: "monitor-loans" }) { id } }');
  });

  it('scores with sensitive columns: the scores are encrypted at rest, rejects withhold the values, drift hashes the category, and the history and audit carry none', { timeout: 180_000 }, async () => {
    // 300 applications, of which rows 10 and 200 have an age the model cannot read (the marker).
    const lines = applications(300).trim().split('\n');
    for (const row of [10, 200]) lines[row] = lines[row]!.replace(/,(\d+),([fm]),(yes|no)$/, `,${MARKER}-age,$2,$3`);
    await gql('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { id } }', { input: { name: 'loans-open', content: `${lines.join('\n')}\n`, format: 'csv' } });
    const JOB = 'id status workflowId scored rejected rejectsSha256 outputDatasetVersion { id sha256 datasheet columns { name categories } } driftReport { features { name bins { labels } } }';
    const { scoreDataset } = await gql('mutation($input: ScoreDatasetInput!) { scoreDataset(input: $input) { id } }', { input: { model: 'loans', dataset: 'loans-open', idColumns: ['applicant_id'], chunkRows: 100, maxRejectedFraction: 0.05, monitoring: true } });
    const job = await eventually(async () => (await gql(`query($id: ID!) { scoringJob(input: { id: $id }) { ${JOB} } }`, { id: scoreDataset.id })).scoringJob, (j) => j.status !== 'running', 120_000);
    expect([job.status, job.scored, job.rejected]).toEqual(['succeeded', 298, 2]);

    // The scores carry the sensitive id column, as asked: readable through the store, never in clear on its disk.
    const store = openArtifactStore(stack.config.artifacts, stack.config.encryption!.keyring);
    const scores = (await store.read(job.outputDatasetVersion.sha256)).toString('utf8');
    expect(scores).toContain(`${MARKER}-1,`);
    const dir = (stack.config.artifacts as { dir: string }).dir;
    const onDisk = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(onDisk.length).toBeGreaterThan(3);
    for (const file of onDisk) expect(readFileSync(path.join(file.parentPath, file.name)).includes(MARKER), file.name).toBe(false);

    // Rejected rows say which feature and why, without the value; the profile and datasheet keep no values.
    const rejects = (await store.read(job.rejectsSha256)).toString('utf8');
    expect(rejects).toBe('row,reason\n10,age must be a number\n200,age must be a number\n');
    expect(job.outputDatasetVersion.columns.find((c: any) => c.name === 'applicant_id').categories).toBeNull();
    expect(job.outputDatasetVersion.datasheet.includes(MARKER)).toBe(false);
    const ethnicity = job.driftReport.features.find((f: any) => f.name === 'ethnicity');
    expect(ethnicity.bins.labels.every((l: string) => /^h:[0-9a-f]{24}$/.test(l))).toBe(true);
    expect(JSON.stringify(job.driftReport).includes(MARKER)).toBe(false);

    expect((await historyText(job.workflowId)).includes(MARKER)).toBe(false);
    const trail = await gql('query($id: String!) { auditTrail(input: { subjectId: $id }) { nodes { action actor payload } } }', { id: job.id });
    expect(trail.auditTrail.nodes.map((e: any) => e.action)).toEqual(expect.arrayContaining(['scoring.started', 'scoring.succeeded']));
    expect(JSON.stringify(trail).includes(MARKER)).toBe(false);
  });
});
