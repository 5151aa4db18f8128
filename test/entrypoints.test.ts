import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.js';

// The compiled entry points, as `npm start`, `npm run api`, `npm run worker` and `npm run serving` run them (npm test builds first).
describe.each(['main.js', 'api/main.js', 'worker/main.js', 'serving/main.js'])('dist/%s', (entry) => {
  const file = path.join(PROJECT_ROOT, 'dist', entry);

  it.each([
    [{ PORT: 'not-a-port' }, 'custody: invalid configuration: PORT must be a number (got "not-a-port")'],
    [{ TEMPORAL_ADDRESS: 'nowhere' }, 'custody: invalid configuration: TEMPORAL_ADDRESS must be host:port, for example 127.0.0.1:7233 (got "nowhere")'],
  ])('stops on %o with exactly one line naming the variable', (env, line) => {
    expect(existsSync(file), `${file} is built by npm test`).toBe(true);
    const result = spawnSync(process.execPath, [file], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${line}\n`);
  });
});

it('dist/serving/main.js refuses the embedded database with one line saying what it needs', () => {
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'serving/main.js')], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
  expect([result.status, result.stderr]).toEqual([1, 'custody serving: the data plane as a process of its own needs PostgreSQL (DATABASE_URL); on the embedded database, the API answers predictions itself\n']);
});
