import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const SCHEDULE = 'id model action cron interval timeZone catchupWindow overlap paused note actionsTaken recentRuns { workflowId } nextRuns createdBy temporalUiUrl';

describe('schedules through GraphQL', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
    // A registered model to schedule: a quick release of iris, no gate.
    const submitted = await stack.api.gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', {
      input: {
        spec: {
          name: 'scheduled',
          dataset: { name: 'iris', file: 'examples/iris/iris.csv' },
          task: 'classification',
          target: 'species',
          training: { trainer: 'logistic-regression', params: { numSteps: 200 } },
          evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
        },
      },
    });
    const id = submitted.data!.submitPipeline.id;
    await eventually(
      async () => (await stack.api.gql<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id })).data!.pipelineRun.status,
      (status) => status === 'succeeded',
      60_000,
    );
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}) => stack.api.data(query, variables);
  const temporal = (id: string) => stack.worker.client.schedule.getHandle(id).describe();

  it('creates a cron schedule in a time zone, paused, and Temporal holds exactly that', async () => {
    const { createSchedule } = await gql(`mutation { createSchedule(input: { model: "scheduled", cron: "30 2 * * 1", timeZone: "Europe/Berlin", catchupWindow: "2h", paused: true, note: "waiting for traffic" }) { ${SCHEDULE} } }`);
    expect(createSchedule).toMatchObject({
      id: 'monitor-scheduled',
      model: 'scheduled',
      action: 'MONITOR',
      cron: '30 2 * * 1',
      interval: null,
      timeZone: 'Europe/Berlin',
      catchupWindow: '2h',
      overlap: 'SKIP',
      paused: true,
      note: 'waiting for traffic',
      actionsTaken: 0,
      createdBy: 'engineer@example.com',
      temporalUiUrl: 'http://localhost:8233/namespaces/default/schedules/monitor-scheduled',
    });
    const described = await temporal('monitor-scheduled');
    expect(described.state).toMatchObject({ paused: true, note: 'waiting for traffic' });
    expect(described.spec.timezone).toBe('Europe/Berlin');
    expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 2 * 3_600_000 });
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'monitorModel', taskQueue: stack.config.temporal.taskQueue, args: [{ model: 'scheduled', action: 'monitor', scheduleId: 'monitor-scheduled' }] });
    // Mondays at 02:30 in Berlin: the next runs Temporal computed fall on a Monday, at 02:30 local time.
    const next = described.info.nextActionTimes[0]!;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(next);
    expect(local).toBe('Mon 02:30');
  });

  it('resumes, pauses and triggers, each visible through the Temporal client', async () => {
    const resumed = await gql('mutation { resumeSchedule(input: { id: "monitor-scheduled", note: "traffic is flowing" }) { paused note } }');
    expect(resumed.resumeSchedule).toEqual({ paused: false, note: 'traffic is flowing' });
    expect((await temporal('monitor-scheduled')).state.paused).toBe(false);

    const paused = await gql('mutation { pauseSchedule(input: { id: "monitor-scheduled" }) { paused note } }');
    expect(paused.pauseSchedule).toEqual({ paused: true, note: 'paused by engineer@example.com' });
    expect((await temporal('monitor-scheduled')).state).toMatchObject({ paused: true, note: 'paused by engineer@example.com' });

    // Trigger now works on a paused schedule too: one tick, a monitorModel workflow of its own.
    await gql('mutation { triggerSchedule(input: { id: "monitor-scheduled" }) { id } }');
    const described = await eventually(() => temporal('monitor-scheduled'), (d) => d.info.numActionsTaken === 1, 30_000);
    const workflowId = described.info.recentActions[0]!.action.workflow.workflowId;
    expect(workflowId).toMatch(/^monitor-scheduled-/);
    const result = await stack.worker.client.workflow.getHandle(workflowId).result();
    // No traffic was served: the check says so and decides nothing.
    expect(result.check).toMatchObject({ status: 'insufficient_data', retrainOn: [] });
    const listed = await gql('{ schedules(input: { model: "scheduled" }) { id actionsTaken recentRuns { workflowId } } }');
    expect(listed.schedules).toEqual([{ id: 'monitor-scheduled', actionsTaken: 1, recentRuns: [{ workflowId }] }]);
  });

  it('creates a retraining schedule on an interval beside the monitor, and deletes both', async () => {
    const { createSchedule } = await gql('mutation { createSchedule(input: { model: "scheduled", action: RETRAIN, interval: "7d" }) { id action interval timeZone catchupWindow paused } }');
    expect(createSchedule).toEqual({ id: 'retrain-scheduled', action: 'RETRAIN', interval: '7d', timeZone: 'UTC', catchupWindow: '1h', paused: false });
    expect((await temporal('retrain-scheduled')).spec.intervals).toMatchObject([{ every: 7 * 86_400_000 }]);
    expect((await gql('{ schedules { id } }')).schedules.map((s: { id: string }) => s.id).sort()).toEqual(['monitor-scheduled', 'retrain-scheduled']);

    for (const id of ['retrain-scheduled', 'monitor-scheduled']) {
      const deleted = await gql('mutation($id: String!) { deleteSchedule(input: { id: $id }) { id } }', { id });
      expect(deleted.deleteSchedule.id).toBe(id);
      await expect(temporal(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }
    expect((await gql('{ schedules { id } }')).schedules).toEqual([]);
  });

  it('scores a dataset on a schedule: each tick is a scoring job of the dataset’s newest version with the version in production', { timeout: 90_000 }, async () => {
    const score = { dataset: 'iris', idColumns: ['species'], parallelism: 2, monitoring: true };
    const { createSchedule } = await gql('mutation($score: ScheduleScoringInput!) { createSchedule(input: { model: "scheduled", action: SCORE, score: $score, cron: "0 2 * * *", paused: true }) { id action score } }', { score });
    expect(createSchedule).toEqual({ id: 'score-scheduled', action: 'SCORE', score: { model: 'scheduled', ...score } });
    const described = await temporal('score-scheduled');
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'batchScore',
      args: [{ request: { model: 'scheduled', ...score }, requestedBy: 'engineer@example.com', scheduleId: 'score-scheduled' }],
    });
    expect((await gql('{ schedules(input: { model: "scheduled" }) { id } }')).schedules).toEqual([{ id: 'score-scheduled' }]);

    await gql('mutation { triggerSchedule(input: { id: "score-scheduled" }) { id } }');
    const JOB = 'id status scheduleId requestedBy rows scored modelVersion { version } inputDatasetVersion { datasetName } outputDatasetVersion { datasetName } driftReport { scheduleId rows }';
    const jobs = await eventually(
      async () => (await gql(`{ scoringJobs(input: { model: "scheduled" }) { nodes { ${JOB} } } }`)).scoringJobs.nodes,
      (nodes: { status: string }[]) => nodes.length === 1 && nodes[0]!.status !== 'running',
      60_000,
    );
    expect(jobs[0]).toMatchObject({
      status: 'succeeded',
      scheduleId: 'score-scheduled',
      requestedBy: 'engineer@example.com',
      rows: 150,
      scored: 150,
      modelVersion: { version: 1 },
      inputDatasetVersion: { datasetName: 'iris' },
      outputDatasetVersion: { datasetName: 'scheduled-scores' },
      driftReport: { scheduleId: 'score-scheduled', rows: 150 },
    });
    await gql('mutation { deleteSchedule(input: { id: "score-scheduled" }) { id } }');
  });

  it('refuses a scoring schedule it could not run, naming the field', async () => {
    await stack.api.gql('mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { id } }', { input: { name: 'no-flowers', content: 'a,b\n1,2\n', format: 'csv' } });
    const cases: [string, Record<string, unknown> | null, string, RegExp][] = [
      ['SCORE', null, 'input.score', /is required with action SCORE/],
      ['MONITOR', { dataset: 'iris' }, 'input.score', /is only for action SCORE/],
      ['SCORE', { dataset: 'nowhere' }, 'input.score.dataset', /names no dataset version/],
      ['SCORE', { dataset: 'no-flowers' }, 'input.score.dataset', /lacks the model's features/],
      ['SCORE', { dataset: 'iris', chunkRows: 5 }, 'input.score.chunkRows', /100/],
      ['SCORE', { dataset: 'iris', idColumns: ['species', 'species'] }, 'input.score.idColumns', /repeated/],
    ];
    for (const [action, score, path, reason] of cases) {
      const response = await stack.api.gql(`mutation($score: ScheduleScoringInput) { createSchedule(input: { model: "scheduled", action: ${action}, score: $score, interval: "1h" }) { id } }`, { score });
      const issue = (response.errors?.[0]?.extensions as { issues?: { path: string; message: string }[] } | undefined)?.issues?.[0];
      expect(issue?.path, `${action} ${JSON.stringify(score)}`).toBe(path);
      expect(issue?.message).toMatch(reason);
    }
    expect((await gql('{ schedules(input: { model: "scheduled" }) { id } }')).schedules).toEqual([]);
  });

  it.each([
    ['both cron and interval', '{ model: "scheduled", cron: "0 * * * *", interval: "1h" }', 'input', 'give exactly one of cron or interval'],
    ['neither', '{ model: "scheduled" }', 'input', 'give exactly one of cron or interval'],
    ['an unknown time zone', '{ model: "scheduled", interval: "1h", timeZone: "Mars/Olympus" }', 'input.timeZone', 'must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")'],
    ['a bad interval', '{ model: "scheduled", interval: "often" }', 'input.interval', 'must be a duration such as 30s, 15m, 1h or 7d'],
    ['too short an interval', '{ model: "scheduled", interval: "2s" }', 'input.interval', 'must be at least 10s'],
    ['too short a catch-up window', '{ model: "scheduled", interval: "1h", catchupWindow: "5s" }', 'input.catchupWindow', 'must be at least 10s (Temporal’s minimum)'],
    ['a bad model name', '{ model: "Not A Model", interval: "1h" }', 'input.model', 'must be a model name: 1-63 lowercase letters, digits or dashes'],
  ])('refuses %s with the field and the reason', async (_case, input, path, message) => {
    const response = await stack.api.gql(`mutation { createSchedule(input: ${input}) { id } }`);
    expect(response.errors![0]).toMatchObject({ message: `${path} ${message}`, extensions: { code: 'BAD_USER_INPUT', issues: [{ path, message }] } });
  });

  it('refuses a cron expression Temporal cannot read, an unregistered model, a duplicate and an unknown id', async () => {
    for (const [cron, reason] of [['every tuesday-ish', 'CronString does not have 5-7 fields'], ['99 * * * *', 'Minute is not in range [0-59]']]) {
      const response = await stack.api.gql('mutation($cron: String!) { createSchedule(input: { model: "scheduled", cron: $cron }) { id } }', { cron });
      expect(response.errors![0]).toMatchObject({ message: `input.cron is not a cron expression Temporal accepts: ${reason}`, extensions: { code: 'BAD_USER_INPUT', issues: [{ path: 'input.cron' }] } });
      await expect(temporal('monitor-scheduled')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }

    const unknown = await stack.api.gql('mutation { createSchedule(input: { model: "never-trained", interval: "1h" }) { id } }');
    expect(unknown.errors![0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: 'Model never-trained is not registered; a schedule needs a model that a pipeline has registered' });

    await gql('mutation { createSchedule(input: { model: "scheduled", interval: "1h", paused: true }) { id } }');
    const again = await stack.api.gql('mutation { createSchedule(input: { model: "scheduled", interval: "2h" }) { id } }');
    expect(again.errors![0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: 'Schedule monitor-scheduled exists already; delete it first to change it' });

    const missing = await stack.api.gql('mutation { pauseSchedule(input: { id: "retrain-scheduled" }) { id } }');
    expect(missing.errors![0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: 'No schedule has id retrain-scheduled' });
    const malformed = await stack.api.gql('mutation { triggerSchedule(input: { id: "../etc" }) { id } }');
    expect(malformed.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', issues: [{ path: 'input.id' }] } });
    await gql('mutation { deleteSchedule(input: { id: "monitor-scheduled" }) { id } }');
  });

  it('records every schedule change in the audit history, with who made it', async () => {
    const trail = await gql('{ auditTrail(input: { subjectId: "monitor-scheduled" }) { nodes { actor action } } }');
    const actions = trail.auditTrail.nodes.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['schedule.created', 'schedule.resumed', 'schedule.paused', 'schedule.triggered', 'schedule.deleted']));
    expect(new Set(trail.auditTrail.nodes.map((e: { actor: string }) => e.actor))).toEqual(new Set(['engineer@example.com']));
  });
});
