/**
 * What a trial was trained with, beyond its code: Custody, Node and the machine, and for a command
 * trainer its interpreter with every installed package (or the lock file the spec names). It joins
 * the trial's cache key, so an upgraded library never reuses an artifact built by the old one.
 */
export interface TrialEnvironment {
  custody: string;
  node: string;
  os: string;
  arch: string;
  interpreter?: { command: string; version: string };
  /** Installed packages by lower-case name, as the interpreter reports them. */
  packages?: Record<string, string>;
  lockfile?: { path: string; sha256: string };
  /** An imported model: its ONNX file's sha256, the program that wrote it, and its opset. */
  imported?: { sha256: string; producer: string; producerVersion: string; opset: number };
}

/** Every field in which two environments differ, packages one by one, for a reproduction to report. */
export function environmentDifferences(original: TrialEnvironment | null, now: TrialEnvironment | null): { key: string; original: string | null; reproduction: string | null }[] {
  const [a, b] = [flatEnvironment(original), flatEnvironment(now)];
  return [...new Set([...a.keys(), ...b.keys()])]
    .sort()
    .filter((key) => a.get(key) !== b.get(key))
    .map((key) => ({ key, original: a.get(key) ?? null, reproduction: b.get(key) ?? null }));
}

/** An environment as `key → value` lines: `node`, `interpreter`, `package scikit-learn`, … */
export function flatEnvironment(e: TrialEnvironment | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!e) return out;
  for (const key of ['custody', 'node', 'os', 'arch'] as const) out.set(key, e[key]);
  if (e.interpreter) out.set('interpreter', `${e.interpreter.command} ${e.interpreter.version}`);
  for (const [name, version] of Object.entries(e.packages ?? {})) out.set(`package ${name}`, version);
  if (e.lockfile) out.set(`lockfile ${e.lockfile.path}`, e.lockfile.sha256);
  if (e.imported) out.set('imported', `${e.imported.sha256} from ${e.imported.producer} ${e.imported.producerVersion} (opset ${e.imported.opset})`.replace('  ', ' '));
  return out;
}

/** Why a reproduction of a privately trained model differs from it by design: its lots and noise are drawn afresh, never from the seed. */
export const PRIVATE_TRAINING_DIFFERS = 'private training draws fresh noise';
