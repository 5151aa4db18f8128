import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { importCycles, sourceFiles } from './support/import-graph.js';

/**
 * The layers' walls are lint rules, and lint runs before every build and test run: a file that
 * imports across a wall fails it. Each case lints an existing file with one forbidden import added.
 */
const eslint = new ESLint();

async function wallErrors(filePath: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const touched = wall;\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layers’ walls', () => {
  const walls: [string, string, RegExp][] = [
    ['domain/pipeline/gates.ts', "import { wall } from '../../db/client.js';", /domain\/ imports nothing else of ours/],
    ['domain/runs.ts', "import { wall } from '../workflows/pipeline/pipeline.js';", /domain\/ imports nothing else of ours/],
    ['db/repositories/runs.ts', "import { wall } from '../../activities/runs/runs.activities.js';", /db\/ may import only domain\//],
    ['db/schema/runs.ts', "import { wall } from '../../ml/predict.js';", /db\/ may import only domain\//],
    ['api/runs/runs.service.ts', "import { wall } from '../../activities/training/training.activities.js';", /api\/ never imports worker code/],
    ['api/serving/serving.service.ts', "import { wall } from '../../worker/main.js';", /api\/ never imports worker code/],
    ['api/runs/runs.service.ts', "import { wall } from '../../workflows/pipeline/start.js';", /api\/ never imports worker code or workflows/],
    ['api/monitoring/schedules.service.ts', "import type { wall } from '../../workflows/monitoring/monitor-model.js';", /api\/ never imports worker code or workflows/],
    ['start-up.ts', "import { wall } from './worker/create-worker.js';", /start-up\.ts is shared by every entry point/],
    ['start-up.ts', "import { wall } from './serving/start-serving.js';", /start-up\.ts is shared by every entry point/],
    ['api/bootstrap.ts', "import { wall } from '../serving/processes.js';", /api\/ never imports worker code/],
    ['serving/start-serving.ts', "import { wall } from '../activities/scoring/scoring.activities.js';", /serving\/ \(the data plane\) composes the API's serving/],
    ['api/serving/serving.service.ts', "import { wall } from '../../serving/start-serving.js';", /api\/ never imports worker code/],
    ['start-up.ts', "import type { wall } from './api/bootstrap.js';", /start-up\.ts is shared by every entry point/],
    ['ml/predict.ts', "import { wall } from '../activities/evaluation/evaluation.activities.js';", /ml\/ may import only/],
    ['ml/predict.ts', "import { wall } from './export/onnx/export.js';", /an exchange format \(ml\/export\/\) is for the edge, never the core/],
    ['ml/trees/forest.ts', "import { wall } from '../export/onnx/graph.js';", /an exchange format \(ml\/export\/\) is for the edge, never the core/],
    ['ml/export/onnx/export.ts', "import { wall } from '../../../storage/artifact-store.js';", /ml\/export\/ \(exchange formats\) translates an artifact with ml\/ and domain\/ alone/],
    ['ml/export/onnx/export.ts', "import { wall } from '../../../db/client.js';", /ml\/export\/ \(exchange formats\) translates an artifact with ml\/ and domain\/ alone/],
    ['storage/artifact-store.ts', "import { wall } from '../ml/predict.js';", /storage\/ may import only/],
    ['observability/tracing.ts', "import { wall } from '../db/client.js';", /observability\/ \(tracing\) wraps what it is given/],
    ['cli/commands/runs.ts', "import { wall } from '../../db/client.js';", /cli\/ is a client of the GraphQL API/],
    ['cli/commands/bundles.ts', "import { wall } from '../../ml/predict.js';", /cli\/ is a client of the GraphQL API/],
    ['bundle/serve.ts', "import { wall } from '../storage/artifact-store.js';", /bundle\/ \(model bundles and custody serve\) uses ml\/ and domain\/ alone/],
    ['bundle/serve.ts', "import { wall } from '../api/serving/serving.service.js';", /bundle\/ \(model bundles and custody serve\) uses ml\/ and domain\/ alone/],
    ['console/src/runs/run-page.tsx', "import { wall } from '../../../db/client.js';", /console\/ is a client of the GraphQL API/],
    ['console/src/approvals/decide.tsx', "import { wall } from '../../../api/runs/runs.service.js';", /console\/ is a client of the GraphQL API/],
  ];
  it.each(walls)('%s cannot import across its wall', { timeout: 60_000 }, async (file, line, message) => {
    const errors = await wallErrors(file, line);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  const writes: [string, string, RegExp][] = [
    ['api/runs/runs.service.ts', 'void repos.runs.create({});', /A run's record has one writer, its workflow/],
    ['api/runs/runs.service.ts', 'void this.repos.runs.update(id, {});', /A run's record has one writer, its workflow/],
    ['api/monitoring/schedules.service.ts', 'void this.repos.runs.upsertStep({});', /A run's record has one writer, its workflow/],
    ['api/runs/runs.service.ts', 'void this.repos.gates.record({});', /A gate's record has one writer/],
    ['activities/registry/registry.activities.ts', 'void repos.gates.record({});', /A gate's record has one writer/],
    ['api/scoring/scoring.service.ts', 'void this.repos.scoring.record({});', /A scoring job's record has one writer, its workflow/],
    ['api/scoring/scoring.service.ts', 'void this.repos.scoring.finish({});', /A scoring job's record has one writer, its workflow/],
    ['api/releases/releases.service.ts', 'void this.repos.releases.finish({});', /A release's record has one writer/],
    ['activities/registry/registry.activities.ts', 'void repos.releases.look({});', /A release's record has one writer/],
  ];
  it.each(writes)('%s cannot write what a workflow owns: %s', { timeout: 60_000 }, async (filePath, line, message) => {
    const [result] = await eslint.lintText(`${line}\n`, { filePath });
    const errors = result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('the projection activities may write the run and gate records, and anyone may read them', { timeout: 60_000 }, async () => {
    for (const [filePath, line] of [
      ['activities/runs/runs.activities.ts', 'void repos.runs.create({}); void repos.gates.record({});'],
      ['activities/scoring/scoring.activities.ts', 'void repos.scoring.record({}); void repos.scoring.progress(); void repos.scoring.finish({});'],
      ['activities/release/release.activities.ts', 'void repos.releases.start({}); void repos.releases.look(id, {}); void repos.releases.finish(id);'],
      ['api/releases/releases.service.ts', 'void this.repos.releases.ofModel(id, 1); void this.repos.releases.looksOf([]);'],
      ['api/scoring/scoring.service.ts', 'void this.repos.scoring.get(id); void this.repos.scoring.list({}, 1);'],
      ['api/runs/runs.service.ts', 'void this.repos.runs.get(id); void this.repos.gates.ofRuns([]);'],
    ]) {
      const [result] = await eslint.lintText(`${line}\n`, { filePath });
      expect(result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax')).toEqual([]);
    }
  });

  it('has no import cycle, type-only imports included (the lint rule sees value imports only)', () => {
    expect(importCycles(sourceFiles())).toEqual([]);
  });

  it('finds a cycle that only a type-only import closes', () => {
    const files = sourceFiles();
    // The circle that was: activities → clients → workflows → (type) activities.
    const planted = new Map(files);
    planted.set('clients/retraining.ts', `${files.get('clients/retraining.ts')}\nimport type { retrainer } from '../workflows/monitoring/retrainer.js';\n`);
    const cycles = importCycles(planted);
    expect(cycles.length).toBeGreaterThan(0);
    expect(cycles.some((cycle) => cycle.includes('clients/retraining.ts') && cycle.includes('workflows/monitoring/retrainer.ts'))).toBe(true);
  });

  it('imports that follow the layers pass', { timeout: 60_000 }, async () => {
    expect(await wallErrors('api/runs/runs.service.ts', "import { wall } from '../../domain/pipeline/gates.js';")).toEqual([]);
    expect(await wallErrors('ml/predict.ts', "import { wall } from '../storage/artifact-store.js';")).toEqual([]);
    expect(await wallErrors('ml/export/onnx/export.ts', "import { wall } from '../../trainers/built-in.js';")).toEqual([]);
    expect(await wallErrors('api/registry/model-export.service.ts', "import { wall } from '../../ml/export/onnx/export.js';")).toEqual([]);
    expect(await wallErrors('db/schema/runs.ts', "import { wall } from '../../domain/runs.js';")).toEqual([]);
    expect(await wallErrors('console/src/approvals/decide.tsx', "import { wall } from '../../../domain/access';")).toEqual([]);
  });
});
