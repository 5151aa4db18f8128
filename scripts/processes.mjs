// Pid files and process identity, so that a start after a crash can stop what is left of its own
// earlier start, and never a process that is not its own. Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `{ pid, command, … }` atomically, so a reader never sees half a file. */
export function writePidFile(file, record) {
  mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}.tmp`;
  writeFileSync(staging, JSON.stringify(record));
  renameSync(staging, file);
}

export function readPidFile(file) {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8'));
    return Number.isInteger(record?.pid) && Array.isArray(record.command) ? record : null;
  } catch {
    return null;
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** The process's command line as one string, or null when it is gone or cannot be read. */
export function commandLine(pid) {
  const proc = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(proc, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      return null;
    }
  }
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 ? ps.stdout.trim() || null : null;
}

/** True while `pid` still runs the command recorded for it (a reused pid runs something else). */
export function runsRecordedCommand(record) {
  const line = commandLine(record.pid);
  return line !== null && line === record.command.join(' ');
}

async function waitForExit(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // gone in the meantime, or not ours to signal: either way nothing to stop
  }
}

/** True while the launcher that wrote a record (an `npm start`) still runs: its servers are not left over. */
export function launcherAlive(record) {
  if (!Number.isInteger(record?.launcher) || record.launcher === process.pid || !isAlive(record.launcher)) return false;
  return (commandLine(record.launcher) ?? '').includes('start.mjs');
}

/**
 * Stops the process a pid file names if it is left over: it still runs the recorded command and the
 * launcher that started it is gone. SIGTERM, then SIGKILL after `graceMs`. A pid file whose process is
 * gone, or now runs something else, is only removed; one whose launcher still runs is left alone.
 * Returns what it did: 'stopped', 'stale', 'none', or 'live' (another start owns it).
 */
export async function reclaim(file, graceMs = 10_000) {
  const record = readPidFile(file);
  if (!record) {
    rmSync(file, { force: true });
    return 'none';
  }
  if (launcherAlive(record)) return 'live';
  let outcome = 'stale';
  if (isAlive(record.pid) && runsRecordedCommand(record)) {
    signal(record.pid, 'SIGTERM');
    if (!(await waitForExit(record.pid, graceMs))) {
      signal(record.pid, 'SIGKILL');
      await waitForExit(record.pid, 5_000);
    }
    outcome = 'stopped';
  }
  rmSync(file, { force: true });
  return outcome;
}
