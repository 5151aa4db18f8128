import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { canonicalJson } from '../../domain/canonical-json.js';
import { makePrivateDir } from '../../storage/private-dir.js';
import type { Row } from '../../storage/read-rows.js';
import type { Predictions } from '../metrics.js';
import { paramsOf, predictWithCommand } from './trainer.js';
import { startUserCode, userCodeDirs } from './user-code.js';
import type { CommandModelArtifact } from '../artifact.js';

/** The bytes of a model's file, read (and decrypted) in memory when its process starts. */
export type ModelLoader = () => Promise<Uint8Array>;

/**
 * The `serve` mode of the command contract: one long-lived process per model version, started on
 * first use with `CUSTODY_MODE=serve`, `CUSTODY_MODEL` and `CUSTODY_PARAMS`. It prints one line
 * `{"ready": true}` once its model is loaded, then answers one JSON line per request line:
 *
 *   request   {"id": 7, "rows": [{"feature": value, …}, …]}
 *   answer    {"id": 7, "predictions": [...], "probabilities"?: [[...]], "classes"?: [...]}
 *             {"id": 7, "error": "why"}
 *
 * The process runs as user code (user-code.ts): an allow-listed environment, and a private directory holding
 * its model file, removed when it exits.
 *
 * A program that does not know the mode (it exits, or never says ready) is served the old way, one
 * process per call within the same timeout, and serve mode is tried again five minutes later. A process that dies fails the calls in flight with a clear error, never a hang,
 * and the next call starts a new one. At most `maxPending` calls wait per process: more are refused
 * as busy. A process unused for `idleMs` is stopped.
 */
export class CommandServerError extends Error {
  override readonly name = 'CommandServerError';
  constructor(
    message: string,
    /** busy: too many calls waiting; failed: the process died or answered an error. */
    readonly reason: 'busy' | 'failed' | 'timeout',
  ) {
    super(message);
  }
}

export interface CommandServerOptions {
  readyTimeoutMs: number;
  requestTimeoutMs: number;
  maxPending: number;
  idleMs: number;
}

const DEFAULTS: CommandServerOptions = { readyTimeoutMs: 60_000, requestTimeoutMs: 30_000, maxPending: 64, idleMs: 10 * 60_000 };

interface Pending {
  resolve: (p: Predictions) => void;
  reject: (e: Error) => void;
  rows: number;
  timer: NodeJS.Timeout;
  /** The process the call was sent to: only its exit fails the call. */
  child: ChildProcessWithoutNullStreams;
}

/** How long a program that showed no serve mode is served a process per call before serve mode is tried again. */
const RETRY_SERVE_MS = 5 * 60_000;

/** One serving process of one model version. */
class CommandServer {
  private child: ChildProcessWithoutNullStreams | null = null;
  private ready: Promise<boolean> | null = null;
  /** Counts stops: a launch that a stop overtook while it wrote its files starts nothing. */
  private stops = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;
  /** When the program last showed no serve mode (it exited or never said ready): calls then start a process each. */
  private unsupportedAt: number | null = null;

  constructor(
    private readonly artifact: CommandModelArtifact,
    private readonly loadModel: ModelLoader,
    private readonly options: CommandServerOptions,
  ) {}

  async predict(rows: Row[]): Promise<Predictions> {
    const retrying = this.unsupportedAt !== null && Date.now() - this.unsupportedAt < RETRY_SERVE_MS;
    if (retrying || !(await this.start())) return await this.predictPerCall(rows);
    if (this.pending.size >= this.options.maxPending) {
      throw new CommandServerError(`the model server of ${this.label()} is busy (${this.pending.size} calls waiting); retry shortly`, 'busy');
    }
    this.touch();
    const id = this.nextId++;
    const features = this.artifact.features.map((f) => f.name);
    const line = JSON.stringify({ id, rows: rows.map((row) => Object.fromEntries(features.map((name) => [name, row[name] ?? null]))) });
    return await new Promise<Predictions>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandServerError(`the model server of ${this.label()} did not answer within ${this.options.requestTimeoutMs} ms; it is restarted`, 'timeout'));
        this.stop();
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, rows: rows.length, timer, child: this.child! });
      this.child!.stdin.write(`${line}\n`);
    });
  }

  /** The way before serve mode: a process per call, still bounded by the call timeout. */
  private async predictPerCall(rows: Row[]): Promise<Predictions> {
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      return await predictWithCommand(this.artifact, await this.loadModel(), rows, { signal });
    } catch (error) {
      if (signal.aborted) throw new CommandServerError(`${this.label()} did not answer within ${this.options.requestTimeoutMs} ms`, 'timeout');
      throw new CommandServerError(`${this.label()} failed: ${(error as Error).message}`, 'failed');
    }
  }

  /** Stops the process and everything it started (its process group): SIGTERM, then SIGKILL. */
  stop(): void {
    this.stops++;
    if (this.idle) clearTimeout(this.idle);
    const child = this.child;
    this.child = null;
    this.ready = null;
    if (child && child.exitCode === null) {
      child.stdin.end();
      signalGroup(child, 'SIGTERM');
      setTimeout(() => child.exitCode === null && signalGroup(child, 'SIGKILL'), 5000).unref();
    }
  }

  private label(): string {
    return `model ${this.artifact.modelSha256.slice(0, 12)}`;
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), this.options.idleMs);
    this.idle.unref();
  }

  /** Starts the process if none runs; true once it said ready, false when it has no serve mode. */
  private start(): Promise<boolean> {
    this.ready ??= this.launch().catch((error: Error) => {
      this.ready = null;
      throw new CommandServerError(`the model server of ${this.label()} could not start: ${error.message}`, 'failed');
    });
    return this.ready;
  }

  /** Writes the model and its parameters to a private directory, kept for the process's life, and starts it. */
  private async launch(): Promise<boolean> {
    const stops = this.stops;
    const root = await makePrivateDir('serve');
    const dirs = await userCodeDirs(root);
    const files = { CUSTODY_MODEL: path.join(dirs.io, 'model.bin'), CUSTODY_PARAMS: path.join(dirs.io, 'params.json') };
    try {
      await writeFile(files.CUSTODY_MODEL, await this.loadModel(), { mode: 0o600 });
      await writeFile(files.CUSTODY_PARAMS, paramsOf(this.artifact));
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
    // Stopped while the files were written (the version no longer serves, or shutdown): start nothing, keep no copy.
    if (this.stops !== stops) {
      rmSync(root, { recursive: true, force: true });
      return false;
    }
    const child = startUserCode(this.artifact.command, dirs, { CUSTODY_MODE: 'serve', ...files }, { variables: this.artifact.variables, stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
    child.once('exit', () => rmSync(root, { recursive: true, force: true }));
    child.once('error', () => rmSync(root, { recursive: true, force: true }));
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.stdin.on('error', () => undefined);
    const lines = createInterface({ input: child.stdout });
    let saidReady = false;
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.unsupportedAt = Date.now();
        this.stop();
        resolve(false);
      }, this.options.readyTimeoutMs);
      lines.on('line', (text) => {
        const message = parseLine(text);
        if (message?.ready === true) {
          saidReady = true;
          clearTimeout(timer);
          resolve(true);
        } else if (message && typeof message.id === 'number') this.answer(message, child);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) {
          this.child = null;
          this.ready = null;
        }
        const why = `the model server of ${this.label()} exited (${code ?? signal})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        for (const [id, waiting] of this.pending) {
          if (waiting.child !== child) continue;
          clearTimeout(waiting.timer);
          waiting.reject(new CommandServerError(`${why}; the call was not answered, retry it`, 'failed'));
          this.pending.delete(id);
        }
        // Exited before it ever said ready: this program has no serve mode (after ready, resolve does nothing).
        if (!saidReady) this.unsupportedAt = Date.now();
        resolve(false);
      });
      child.once('error', () => {
        clearTimeout(timer);
        this.unsupportedAt = Date.now();
        resolve(false);
      });
    });
  }

  private answer(message: Record<string, unknown>, from: ChildProcessWithoutNullStreams): void {
    const waiting = this.pending.get(message.id as number);
    if (!waiting || waiting.child !== from) return;
    this.pending.delete(message.id as number);
    clearTimeout(waiting.timer);
    if (typeof message.error === 'string') return waiting.reject(new CommandServerError(`the model server of ${this.label()} refused the call: ${message.error}`, 'failed'));
    const predictions = message.predictions;
    if (!Array.isArray(predictions) || predictions.length !== waiting.rows) {
      return waiting.reject(new CommandServerError(`the model server of ${this.label()} answered ${Array.isArray(predictions) ? predictions.length : 'no'} predictions for ${waiting.rows} rows`, 'failed'));
    }
    waiting.resolve({
      values: predictions as (string | number)[],
      probabilities: message.probabilities as number[][] | undefined,
      classes: (message.classes as unknown[] | undefined)?.map(String),
    });
  }
}

function signalGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

function parseLine(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The serving processes of command models, one per model file, started on first use. */
export class CommandServers {
  private readonly servers = new Map<string, CommandServer>();
  private readonly options: CommandServerOptions;

  constructor(options: Partial<CommandServerOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  async predict(artifact: CommandModelArtifact, loadModel: ModelLoader, rows: Row[]): Promise<Predictions> {
    const key = serverKey(artifact);
    let server = this.servers.get(key);
    if (!server) {
      server = new CommandServer(artifact, loadModel, this.options);
      this.servers.set(key, server);
    }
    return await server.predict(rows);
  }

  /** Stops the processes of models that no longer serve (`keys` from serverKey). */
  retain(keys: ReadonlySet<string>): void {
    for (const [sha, server] of this.servers) {
      if (!keys.has(sha)) {
        server.stop();
        this.servers.delete(sha);
      }
    }
  }

  stopAll(): void {
    this.retain(new Set());
  }
}

/**
 * One server per artifact, not per model file: two versions with the same model bytes but another
 * command, parameters or feature list must not share a process.
 */
export function serverKey(artifact: CommandModelArtifact): string {
  return createHash('sha256').update(canonicalJson(artifact)).digest('hex');
}
