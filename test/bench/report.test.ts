import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../bench/report.js';

const FILE = `# Benchmarks

Produced by \`npm run bench\` on 2026-11-28. Every figure is measured against its baseline in the same run.

Machine: the first one.

## Throughput

old throughput

## Drift statistics

old drift
`;

describe('the benchmarks file, rewritten a section at a time', () => {
  it('replaces only the sections measured again, and says of each when and where it was measured last', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'custody-report-')), 'BENCHMARKS.md');
    writeFileSync(file, FILE);
    writeReport(file, ['## Throughput\n\nthroughput, second machine\n', '## Drift statistics\n\ndrift, second machine\n'], { whole: false, machine: 'the second one' });
    writeReport(file, ['## Drift statistics\n\ndrift, third machine\n'], { whole: false, machine: 'the third one' });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('on 2026-11-28');
    expect(text).toContain('## Throughput\n\nthroughput, second machine\n\n## Drift statistics\n\ndrift, third machine\n');
    const notes = text.split('\n').filter((line) => line.startsWith('Measured again on'));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/: Throughput\. Machine then: the second one\.$/);
    expect(notes[1]).toMatch(/: Drift statistics\. Machine then: the third one\.$/);
  });
});
