import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';

/**
 * `npm run faults` runs the compiled suite in plain Node, not through the test runner's transform, so an import
 * that only the transform accepts (a named export of a CommonJS package, say) fails there alone. `npm test` builds
 * first; this loads the build's entry as the script does, without running it.
 */
describe("the fault suite's compiled entry", () => {
  it('loads in plain Node', () => {
    const entry = pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'faults', 'run.js')).href;
    const output = execFileSync(process.execPath, ['-e', `import(${JSON.stringify(entry)}).then(() => console.log('loaded'))`], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(output.trim()).toBe('loaded');
  });
});
