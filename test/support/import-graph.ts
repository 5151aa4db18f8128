import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../paths.js';

/** Our source files (not tests, not generated code), by path relative to the repository, with their text. */
export function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const skip = new Set(['node_modules', 'dist', 'test', '.data', '.git', 'console']);
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory() && !skip.has(entry.name)) walk(relative);
      else if (entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.set(relative, readFileSync(path.join(PROJECT_ROOT, relative), 'utf8'));
    }
  };
  walk('.');
  return files;
}

/** The files `file` imports or re-exports from among `files`, type-only imports included (they are how layers leak). */
function importsOf(file: string, text: string, files: Map<string, string>): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.normalize(path.join(path.dirname(file), name)).replace(/\.js$/, ''))
    .flatMap((base) => [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].filter((candidate) => files.has(candidate) || existsSync(path.join(PROJECT_ROOT, candidate))).slice(0, 1));
}

/** Every cycle of imports among `files` (path → text), each as the files around it; none when the graph is acyclic. */
export function importCycles(files: Map<string, string>): string[][] {
  const graph = new Map([...files].map(([file, text]) => [file, importsOf(file, text, files).filter((to) => files.has(to))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}
