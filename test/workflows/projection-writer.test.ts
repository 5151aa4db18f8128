import { describe, expect, it } from 'vitest';
import type { ProjectionWrite } from '../../domain/runs.js';
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
