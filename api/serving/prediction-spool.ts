import { randomBytes } from 'node:crypto';
import { close, fsync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';

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

  /** Appends rows, each as its JSON text, to the open segment (opening one if none is); throws if the disk refuses them. */
  append(rowsJson: readonly string[]): void {
    this.current ??= this.open();
    writeSync(this.current.fd, `${rowsJson.join('\n')}\n`);
  }

  /**
   * Closes the open segment, whose rows are about to be written, and returns its path (null if none was open).
   * Its rows are on disk already, for any process to read; the flush to the device and the close happen off
   * the event loop.
   */
  seal(): string | null {
    if (!this.current) return null;
    const { file, fd } = this.current;
    this.current = null;
    fsync(fd, () => close(fd, () => undefined));
    return file;
  }

  /** A sealed segment's rows, each as the JSON text it was appended as. */
  read(file: string): string[] {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        try {
          JSON.parse(line);
          return true;
        } catch {
          return false; // The torn last line of a process killed mid-append: its answer never went out.
        }
      });
  }

  async remove(file: string): Promise<void> {
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
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
