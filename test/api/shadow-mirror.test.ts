import { describe, expect, it } from 'vitest';
import { ShadowMirror, type ShadowOutcome } from '../../api/serving/shadow-mirror.js';

/** The shadow queue alone: what it runs, drops and abandons, and that offering never waits or throws. */
describe('the shadow mirror', () => {
  const counting = () => {
    const outcomes: Record<string, number> = {};
    const count = (_job: unknown, outcome: ShadowOutcome, rows: number) => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + rows);
    return { outcomes, count };
  };
  const job = (run: () => Promise<number>) => ({ modelName: 'm', version: 2, run });
  const never = () => new Promise<number>(() => undefined);

  it('runs at most `concurrency` at once, keeps at most `queue` waiting, and drops and counts the rest', async () => {
    const { outcomes, count } = counting();
    const mirror = new ShadowMirror(count, { concurrency: 1, queue: 2, timeoutMs: 60_000 });
    let started = 0;
    for (let i = 0; i < 5; i++) mirror.offer(job(() => (started++, never())));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toBe(1);
    expect(outcomes).toEqual({ dropped: 3 });
    expect(mirror.pending).toBe(2);
  });

  it('gives a hung shadow’s slot back after its timeout, and counts failures and logged rows', async () => {
    const { outcomes, count } = counting();
    const mirror = new ShadowMirror(count, { concurrency: 1, queue: 10, timeoutMs: 20 });
    mirror.offer(job(never));
    mirror.offer(job(() => Promise.reject(new Error('crashed'))));
    mirror.offer(job(() => Promise.resolve(3)));
    await expect.poll(() => outcomes, { timeout: 2000 }).toEqual({ timeout: 1, failed: 1, logged: 3 });
    expect(mirror.pending).toBe(0);
  });
});
