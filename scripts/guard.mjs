// Runs one server so that it cannot outlive the process that started this guard.
//
//   node scripts/guard.mjs PIDFILE -- COMMAND [ARGS…]     (spawned with an IPC channel)
//
// The launcher starts the guard with an IPC channel. The channel closes when the launcher exits,
// however it exits (Ctrl-C, SIGKILL, a closed terminal, the OOM killer), and the guard then stops
// the server: SIGTERM, then SIGKILL after a grace period. The guard records the server's pid and
// command line in PIDFILE ('-' for none) while it runs, so a later start can recognise a server of
// its own that survived anyway (the guard killed too) and stop it.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { writePidFile } from './processes.mjs';

const GRACE_MS = 10_000;
const [pidFile, separator, command, ...args] = process.argv.slice(2);
if (separator !== '--' || !command) {
  process.stderr.write('usage: node scripts/guard.mjs PIDFILE -- COMMAND [ARGS…]\n');
  process.exit(2);
}

const server = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
server.once('error', (error) => {
  process.stderr.write(`custody: could not start ${command}: ${error.message}\n`);
  process.exit(1);
});
if (pidFile !== '-' && server.pid) writePidFile(pidFile, { pid: server.pid, guard: process.pid, launcher: process.ppid, command: [command, ...args] });

let stopping = false;
function stop(signal) {
  if (stopping || server.exitCode !== null) return;
  stopping = true;
  server.kill(signal);
  setTimeout(() => server.kill('SIGKILL'), GRACE_MS).unref();
}

server.once('exit', (code, signal) => {
  if (pidFile !== '-') rmSync(pidFile, { force: true });
  process.exit(code ?? (signal ? 128 : 1));
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop('SIGTERM'));
// The launcher is gone: nobody is left to stop the server in order, so stop it now.
process.on('disconnect', () => stop('SIGTERM'));
if (!process.connected) stop('SIGTERM');
