import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { NewPredictionRow } from '../../db/schema/index.js';

/** A segment of another live process is left to it this long; after that it counts as abandoned. */
const ABANDONED_AFTER_MS = 60_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The prediction log's write-ahead spool: every prediction is appended to a segment file (one JSON row a line)
 * before its answer goes out, so a process killed before its batch reached the database loses nothing. A
 * segment is sealed when its batch is written, and removed once the database has it. A segment left by a
 * process that died (or by this process's earlier life under the same pid) is an orphan: the next process
 * writes it, as inserts are idempotent by prediction id, so writing one twice is harmless.
 */
export class PredictionSpool {
  /** This process's mark in its segment names: `<pid>-<incarnation>-<sequence>.jsonl`. */
  private readonly incarnation = randomBytes(4).toString('hex');
  private sequence = 0;
  private current: { file: string; fd: number } | null = null;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Appends rows to the open segment (opening one if none is); throws if the disk refuses them. */
  append(rows: readonly NewPredictionRow[]): void {
    this.current ??= this.open();
    writeSync(this.current.fd, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  }

  /** Closes the open segment, whose rows are about to be written, and returns its path (null if none was open). */
  seal(): string | null {
    if (!this.current) return null;
    const { file, fd } = this.current;
    this.current = null;
    fsyncSync(fd);
    closeSync(fd);
    return file;
  }

  /** A sealed segment's rows, as they were appended. */
  read(file: string): NewPredictionRow[] {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          const row = JSON.parse(line) as NewPredictionRow & { createdAt: string };
          return [{ ...row, createdAt: new Date(row.createdAt) }];
        } catch {
          return []; // The torn last line of a process killed mid-append: its answer never went out.
        }
      });
  }

  remove(file: string): void {
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Segments no live process will write: of dead processes, of this pid's earlier life, or abandoned. */
  orphans(): string[] {
    const now = Date.now();
    return readdirSync(this.dir).flatMap((name) => {
      const match = /^(\d+)-([0-9a-f]+)-\d+\.jsonl$/.exec(name);
      if (!match) return [];
      const file = path.join(this.dir, name);
      const [pid, incarnation] = [Number(match[1]), match[2]];
      if (pid === process.pid) return incarnation === this.incarnation ? [] : [file];
      if (!alive(pid)) return [file];
      const stat = statSync(file, { throwIfNoEntry: false });
      return stat && now - stat.mtimeMs > ABANDONED_AFTER_MS ? [file] : [];
    });
  }

  private open(): { file: string; fd: number } {
    const file = path.join(this.dir, `${process.pid}-${this.incarnation}-${this.sequence++}.jsonl`);
    return { file, fd: openSync(file, 'a', 0o600) };
  }
}
