import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadPool } from '../../activities/threads.js';
import { PROJECT_ROOT } from '../../paths.js';

const MODULE = pathToFileURL(path.join(PROJECT_ROOT, 'test/fixtures/pool-thread.mjs'));
type Reply = { threadId: number; echo?: unknown };

describe('the thread pool that trials and drift run on', () => {
  let pool: ThreadPool<Reply>;
  afterEach(async () => {
    await pool?.close();
  });
  const job = (message: Record<string, unknown>) => () => ({ message });

  it('runs at most `size` threads, one job each at a time, and keeps them between jobs', async () => {
    pool = new ThreadPool<Reply>(MODULE, { name: 'test', size: 2 });
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.run(job({ echo: i, sleepMs: 20 }))));
    expect(replies.map((r) => r.echo)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const threads = new Set(replies.map((r) => r.threadId));
    expect(threads.size).toBe(2);
    // Later jobs go to the same threads: nothing is started again.
    const later = await pool.run(job({ echo: 'later' }));
    expect(threads.has(later.threadId)).toBe(true);
  });

  it('fails only the job whose thread died, and answers the next on a fresh thread', async () => {
    pool = new ThreadPool<Reply>(MODULE, { name: 'test', size: 1 });
    const first = await pool.run(job({ echo: 1 }));
    await expect(pool.run(job({ crash: true }))).rejects.toThrow(/a test thread exited with code 3/);
    const next = await pool.run(job({ echo: 2 }));
    expect(next.echo).toBe(2);
    expect(next.threadId).not.toBe(first.threadId);
    // An error the thread reports fails its job and leaves the thread serving.
    await expect(pool.run(job({ fail: 'bad params' }))).rejects.toThrow('test thread: bad params');
    expect((await pool.run(job({ echo: 3 }))).threadId).toBe(next.threadId);
  });

  it('on abort, drops a waiting job unrun and stops a running one with its thread', async () => {
    pool = new ThreadPool<Reply>(MODULE, { name: 'test', size: 1 });
    const running = new AbortController();
    const waiting = new AbortController();
    let made = 0;
    const long = pool.run(job({ sleepMs: 60_000 }), running.signal);
    const queued = pool.run(() => (made++, { message: { echo: 'never' } }), waiting.signal);
    waiting.abort(new Error('no longer wanted'));
    await expect(queued).rejects.toThrow('no longer wanted');
    const started = Date.now();
    running.abort(new Error('cancelled'));
    await expect(long).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(made).toBe(0);
    // An aborted signal refuses at once; the pool goes on serving with a fresh thread.
    await expect(pool.run(job({ echo: 1 }), running.signal)).rejects.toThrow('cancelled');
    expect((await pool.run(job({ echo: 'after' }))).echo).toBe('after');
  });

  it('replaces a thread after `jobsPerThread` jobs', async () => {
    pool = new ThreadPool<Reply>(MODULE, { name: 'test', size: 1, jobsPerThread: 2 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await pool.run(job({ echo: i }))).threadId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(new Set(ids).size).toBe(3);
  });

  it('fails a job that cannot be made, and the jobs after it run', async () => {
    pool = new ThreadPool<Reply>(MODULE, { name: 'test', size: 1 });
    const bad = pool.run(() => {
      throw new Error('column 3 is not numeric');
    });
    await expect(bad).rejects.toThrow('column 3 is not numeric');
    expect((await pool.run(job({ echo: 'next' }))).echo).toBe('next');
  });

  it('keeps its process alive while a job runs, and lets it end once the threads are idle', () => {
    // A script that only awaits a pool's job: it must print the answer (not end before it) and then exit by itself.
    const script = `import { ThreadPool } from ${JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, 'activities/threads.ts')).href)};
      const pool = new ThreadPool(new URL(${JSON.stringify(MODULE.href)}), { name: 'test', size: 1 });
      const reply = await pool.run(() => ({ message: { echo: 'answered', sleepMs: 300 } }));
      console.log(reply.echo);`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-pool-'));
    try {
      writeFileSync(path.join(dir, 'await-a-job.mjs'), script);
      const output = execFileSync(process.execPath, ['--import', 'tsx', path.join(dir, 'await-a-job.mjs')], { cwd: PROJECT_ROOT, timeout: 20_000, encoding: 'utf8' });
      expect(output.trim()).toBe('answered');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
