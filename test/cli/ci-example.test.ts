import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../paths.js';

/** The CI example must use only commands and options the CLI has: each is checked against its --help. */
describe('examples/ci/github-actions.yml', () => {
  const workflow = parseYaml(readFileSync(path.join(PROJECT_ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
  const commands = Object.values(workflow.jobs)
    .flatMap((job) => job.steps.flatMap((step) => (step.run ?? '').split('\n')))
    .filter((line) => line.trim().startsWith('custody '))
    .map((line) => line.trim().split(/\s+/).slice(1));

  it('registers a dataset and submits with --wait', () => {
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual(['datasets register', 'submit pipeline.yaml']);
    expect(commands[1]).toContain('--wait');
  });

  it.each(commands.map((c) => [c.join(' '), c] as const))('custody %s uses real commands and options', (_text, args) => {
    const words = args.filter((a) => /^[a-z]+$/.test(a));
    const command = words.slice(0, words[0] === 'datasets' ? 2 : 1);
    const help = execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/custody.mjs'), ...command, '--help'], { encoding: 'utf8' });
    for (const option of args.filter((a) => a.startsWith('--'))) expect(help).toContain(option);
  });
});
