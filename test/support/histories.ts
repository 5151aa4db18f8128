import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

/**
 * With CUSTODY_RECORD_HISTORIES=1, saves a workflow's history, as `temporal workflow show --output json`
 * prints it, as a replay fixture. replay.test.ts replays the committed fixtures against the current code.
 */
export function recordHistory(workflowId: string, name: string): void {
  if (!process.env.CUSTODY_RECORD_HISTORIES) return;
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('recording histories needs TEMPORAL_CLI (npm test sets it)');
  const json = execFileSync(cli, ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', workflowId, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // Stack traces in failures name this machine's directories; fixtures keep only relative places.
  const scrubbed = json.toString().split(PROJECT_ROOT).join('<repo>').split(os.tmpdir()).join('<tmp>');
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), scrubbed);
}
