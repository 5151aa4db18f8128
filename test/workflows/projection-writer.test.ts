import { describe, expect, it } from 'vitest';
import { projectionSummary, readProjectionSummary, type ProjectionWrite } from '../../domain/runs.js';
import { projectionWriter, runWrite, stepWrite } from '../../workflows/pipeline/steps.js';

/** Stands in for the run's projection activities: records what each call was sent; `failNext` makes the next batch fail. */
function recordingRuns() {
  const calls: { activity: string; writes: ProjectionWrite[] }[] = [];
  let failNext = false;
  const mark = { auditSeq: 1, auditHash: 'h' };
  return {
    calls,
    failNextBatch: () => (failNext = true),
    runs: {
      recordStep: async (step: Parameters<typeof stepWrite>[0]) => (calls.push({ activity: 'recordStep', writes: [stepWrite(step)] }), mark),
      updateRun: async (run: Parameters<typeof runWrite>[0]) => (calls.push({ activity: 'updateRun', writes: [runWrite(run)] }), mark),
      recordProjection: async (input: { runId: string; writes: ProjectionWrite[] }) => {
        calls.push({ activity: 'recordProjection', writes: input.writes });
        if (failNext) {
          failNext = false;
          throw new Error('cancelled');
        }
        return { audit: input.writes.map(() => mark) };
      },
    },
  };
}

const fence = (seq: number) => ({ epoch: 1, seq });
const running = (step: string, seq: number) => stepWrite({ runId: 'r', step, position: seq, status: 'running', fence: fence(seq) });
const succeeded = (step: string, seq: number) => stepWrite({ runId: 'r', step, position: seq, status: 'succeeded', output: {}, fence: fence(seq) });
const seqs = (writes: ProjectionWrite[]) => writes.map((w) => ('step' in w ? w.step : w.run).fence!.seq);

describe('projection writer', () => {
  it('sends each write as its own activity for runs before batching, in order', async () => {
    const { runs, calls } = recordingRuns();
    const writer = projectionWriter(runs, 'r', false);
    await writer.now(running('a', 1));
    await writer.later(succeeded('a', 2));
    await writer.now(runWrite({ runId: 'r', status: 'succeeded', fence: fence(3) }));
    expect(calls.map((c) => c.activity)).toEqual(['recordStep', 'recordStep', 'updateRun']);
  });

  it('holds a later write and sends it with the next, as one batch in the order made', async () => {
    const { runs, calls } = recordingRuns();
    const writer = projectionWriter(runs, 'r', true);
    await writer.now(running('a', 1));
    await writer.later(succeeded('a', 2));
    await writer.later(runWrite({ runId: 'r', status: 'running', datasetVersionId: 'd', fence: fence(3) }));
    expect(calls).toHaveLength(1);
    await writer.now(running('b', 4));
    expect(calls.map((c) => seqs(c.writes))).toEqual([[1], [2, 3, 4]]);
    expect(calls.every((c) => c.activity === 'recordProjection')).toBe(true);
  });

  it('keeps the writes of a batch that failed and sends them first with the next', async () => {
    const { runs, calls, failNextBatch } = recordingRuns();
    const writer = projectionWriter(runs, 'r', true);
    await writer.later(succeeded('a', 1));
    failNextBatch();
    await expect(writer.now(running('b', 2))).rejects.toThrow('cancelled');
    await writer.now(stepWrite({ runId: 'r', step: 'b', position: 2, status: 'cancelled', fence: fence(3) }));
    expect(calls.map((c) => seqs(c.writes))).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
  });
});

describe("a batch's summary", () => {
  const reused = (step: string, seq: number) => stepWrite({ runId: 'r', step, position: seq, status: 'reused', output: {}, fence: fence(seq) });

  it('names each write, and reads back as the writes it names', () => {
    const summary = projectionSummary([succeeded('validate-data', 3), running('train', 4)]);
    expect(summary).toBe('validate-data succeeded · train running');
    expect(readProjectionSummary(summary)).toEqual({ writes: [{ name: 'validate-data', status: 'succeeded' }, { name: 'train', status: 'running' }], reused: 0 });
  });

  it("counts a resumed run's reused steps, so five long gate names stay within what the server takes", () => {
    const gates = Array.from({ length: 5 }, (_, i) => `gate:${String(i).repeat(63)}`);
    const names = ['register-dataset', 'validate-data', 'train', 'evaluate', 'register-model', ...gates];
    const summary = projectionSummary([...names.map((name, i) => reused(name, i + 1)), running('deploy:production', 11), runWrite({ runId: 'r', status: 'running', fence: fence(12) })]);
    expect(summary).toBe('10 reused · deploy:production running · run running');
    expect(readProjectionSummary(summary)).toEqual({ writes: [{ name: 'deploy:production', status: 'running' }, { name: 'run', status: 'running' }], reused: 10 });
  });

  it('reads nothing from text that is not a summary', () => {
    expect(readProjectionSummary('deploy my model')).toBeNull();
    expect(readProjectionSummary('train reused')).toBeNull();
  });
});

