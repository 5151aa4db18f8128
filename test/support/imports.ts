import { claims } from '../../bench/datasets.js';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths.js';

/**
 * A private import directory holding a copy of examples/, so tests can add data files (a shifted
 * sample, labels flipped) without touching the repository.
 */
export function createImportDir(): { dir: string; write(name: string, content: string): string; read(name: string): string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-import-'));
  cpSync(path.join(PROJECT_ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  return {
    dir,
    write(name, content) {
      writeFileSync(path.join(dir, name), content);
      return name;
    },
    read: (name) => readFileSync(path.join(dir, name), 'utf8'),
  };
}

/** The claims benchmark set (6,000 policies) as the CSV a person would register. */
export function claimsCsv(): string {
  const dataset = claims();
  const columns = [...dataset.features.map((f) => f.name), dataset.target];
  return [columns.join(','), ...dataset.rows.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].join('\n');
}
