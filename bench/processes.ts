import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

// Worker and serving processes as operators run them (the compiled `npm run worker` and `npm run serving`), and what
// processes use, read from /proc: CPU, resident memory, and the machine's load from everything else.

/** Linux's clock ticks a second, the unit of /proc's CPU times. */
const CLOCK_TICKS = 100;

export interface StartedProcess {
  pid: number;
  /** Stops it as an operator would (SIGTERM: in-flight activities finish), and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts a worker process serving `pool` with `env`; resolves once it polls. */
export function startWorkerProcess(env: Record<string, string>, pool: 'orchestration' | 'training'): Promise<StartedProcess> {
  return startProcess([path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')], { ...env, WORKER_TASK_QUEUES: pool }, (output) => output.includes('polling task queue'));
}

/** Starts the data plane (`npm run serving`) with `env` and `processes` processes; resolves once each listens. */
export function startServingProcesses(env: Record<string, string>, processes: number): Promise<StartedProcess> {
  const ready = (output: string) => (output.match(/custody serving: predictions at/g) ?? []).length >= processes;
  return startProcess([path.join(PROJECT_ROOT, 'dist', 'serving', 'main.js')], { ...env, CUSTODY_SERVING_PROCESSES: String(processes) }, ready);
}

/** Starts the bare node:http baseline (bench/bare-http.ts) on `port` with `processes` processes. */
export function startBareProcesses(port: number, processes: number): Promise<StartedProcess> {
  return startProcess([path.join(PROJECT_ROOT, 'dist', 'bench', 'bare-http.js'), String(port), String(processes)], {}, (output) => output.includes('listening'));
}

/** Starts `node args…` in a process group of its own; resolves once its output satisfies `ready`. */
async function startProcess(args: string[], env: Record<string, string>, ready: (output: string) => boolean): Promise<StartedProcess> {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH!, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it reaches the threads and processes it started.
    detached: true,
  });
  await started(child, ready);
  return { pid: child.pid!, stop: () => stopGroup(child) };
}

function started(child: ChildProcess, ready: (output: string) => boolean): Promise<void> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the process did not start: ${output}`)), 120_000);
    const read = (chunk: Buffer) => {
      output = `${output}${chunk.toString()}`.slice(-20_000);
      if (!ready(output)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the process exited with ${code}: ${output}`));
    });
  });
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // gone already
  }
}

/** A process's resident memory in bytes (VmRSS), or null once it has gone. */
export function residentBytes(pid: number): number | null {
  try {
    const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line ? Number(line[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's resident memory every `everyMs` until stopped; `stop` returns the samples. */
export function sampleResident(pid: number, everyMs = 200): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    const bytes = residentBytes(pid);
    if (bytes !== null) samples.push(bytes);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU milliseconds a process has used, its threads included (0 where there is none to read). */
export function processCpuMs(pid: number, withExitedChildren = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (withExitedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** A process and its descendants (the dev server runs under a guard process that stops it with the bench). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(' ').map(Number));
      }
    } catch {
      // gone already
    }
  }
  return tree;
}

/**
 * CPU milliseconds of PostgreSQL on this machine (the bench's database is one of its databases): its live
 * processes, and for its server process also the backends that have exited, which it reaped.
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'postgres') continue;
      const parent = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      const server = readFileSync(`/proc/${parent}/comm`, 'utf8').trim() !== 'postgres';
      total += processCpuMs(Number(name), server);
    } catch {
      // gone already
    }
  }
  return total;
}

/** CPU milliseconds the whole machine has spent busy, over all its cores (/proc/stat). */
function machineBusyMs(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLOCK_TICKS;
}

/**
 * Measures, from now until `stop`, the cores the machine spent on processes other than `ours()` (the bench's
 * own) and the CPU milliseconds `alsoOursMs` counts (PostgreSQL's, say): a benchmark's figures mean little if
 * something else took its cores meanwhile.
 */
export function otherLoad(ours: () => number[], alsoOursMs: () => number = () => 0): { stop(): number } {
  // This process also counts its children that have ended (Python's run, say): their CPU leaves /proc with them.
  const cpu = () => machineBusyMs() - ours().reduce((total, pid) => total + processCpuMs(pid, pid === process.pid), 0) - alsoOursMs();
  const [startCpu, startAt] = [cpu(), performance.now()];
  return { stop: () => Math.max(0, (cpu() - startCpu) / (performance.now() - startAt)) };
}

/** Waits, up to `maxMs`, until other processes take less than `cores` for two seconds; returns their load then. */
export async function quietMachine(ours: () => number[], cores = 0.2, maxMs = 180_000, alsoOursMs?: () => number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const load = otherLoad(ours, alsoOursMs);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const others = load.stop();
    if (others < cores || performance.now() - started > maxMs) return others;
  }
}
