import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../paths.js';

/** A process of the stack that the suite kills and starts again. */
export class Managed {
  private child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly ready: (output: string) => Promise<boolean> | boolean,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(this.command, this.args, { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH!, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited at start: ${this.output.slice(-2000)}`);
      if (await this.ready(this.output)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not start within 90 s: ${this.output.slice(-2000)}`);
  }

  /** SIGKILL to its whole process group: a crash, with no chance to clean up. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
}
