import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { ChunkResult, ResolvedScoringJob, ScoringChunk } from '../../domain/scoring.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { withPrivateDir } from '../../storage/private-dir.js';
import { readRowRange, type Row } from '../../storage/read-rows.js';
import type { ModelArtifact } from '../artifact.js';
import type { CommandServers } from '../command/server.js';
import { checkInput } from '../input-check.js';
import { predictRows } from '../predict.js';
import { outputColumns, rejectLine, ScoreWriter } from './output.js';

/** Rows given to the model at once: large enough to amortise a call, small enough to keep memory flat. */
const BATCH_ROWS = 4096;

export interface ChunkScoring {
  store: ArtifactStore;
  artifact: ModelArtifact;
  /** Command models' warm serving processes, shared by the chunks of this process. */
  commands?: CommandServers;
  signal?: AbortSignal;
  onProgress?: (rows: number) => void;
  /** Filled in, when given, with where the chunk's time went (the benchmark asks; the activity does not). */
  phases?: ChunkPhases;
}

/** A chunk's time by phase, in milliseconds: it adds to what the object holds. */
export interface ChunkPhases {
  /** Reading and parsing the rows, and checking each against the model's features. */
  readMs: number;
  /** Inside the model, as `scoreMs`. */
  scoreMs: number;
  /** Formatting the scores and writing them to the part's file. */
  writeMs: number;
  /** Storing the parts by their content. */
  storeMs: number;
}

/**
 * Scores one chunk of a job's input: streams its rows, checks each against the model's features, predicts in
 * batches and writes the scores (and the rejected rows' numbers and reasons) to files that are stored by their
 * content. The same chunk scored again writes the same bytes, so a retried chunk stores nothing new.
 */
export async function scoreChunk(deps: ChunkScoring, job: ResolvedScoringJob, columns: string[], chunk: ScoringChunk, inputFile: string): Promise<ChunkResult> {
  return await withPrivateDir('score', async (dir) => {
    const parts = { scores: path.join(dir, 'scores'), rejects: path.join(dir, 'rejects') };
    const out = { scores: createWriteStream(parts.scores), rejects: createWriteStream(parts.rejects) };
    const lap = lapper(deps.phases);
    try {
      const counts = await scoreRows(deps, job, readRowRange(inputFile, job.format, { start: chunk.startByte, end: chunk.endByte, columns }), chunk.firstRow, out, lap);
      await Promise.all([close(out.scores), close(out.rejects)]);
      lap('writeMs');
      const scores = await deps.store.putFile(parts.scores);
      const rejects = counts.rejected > 0 ? await deps.store.putFile(parts.rejects) : null;
      lap('storeMs');
      return { index: chunk.index, rows: counts.scored + counts.rejected, scored: counts.scored, rejected: counts.rejected, partSha256: scores.sha256, rejectsSha256: rejects?.sha256 ?? null, scoreMs: counts.scoreMs };
    } finally {
      out.scores.destroy();
      out.rejects.destroy();
    }
  });
}

async function scoreRows(deps: ChunkScoring, job: ResolvedScoringJob, rows: AsyncIterable<Row>, firstRow: number, out: { scores: WriteStream; rejects: WriteStream }, lap: Lap) {
  const { artifact } = deps;
  const writer = new ScoreWriter(job.format, outputColumns(job.idColumns, artifact.classes), job.idColumns, job.version, artifact.classes);
  const sensitive = new Set(job.sensitiveFeatures);
  const batch: { numbers: number[]; ids: Row[]; rows: Row[] } = { numbers: [], ids: [], rows: [] };
  const counts = { scored: 0, rejected: 0, scoreMs: 0 };
  const flush = async () => {
    if (batch.rows.length === 0) return;
    const started = performance.now();
    const predictions = await predictRows(deps.store, artifact, batch.rows, deps.signal, deps.commands);
    counts.scoreMs += performance.now() - started;
    lap('scoreMs');
    await write(out.scores, writer.lines(batch.numbers, batch.ids, predictions));
    lap('writeMs');
    counts.scored += batch.rows.length;
    batch.numbers = [];
    batch.ids = [];
    batch.rows = [];
    deps.onProgress?.(counts.scored + counts.rejected);
  };
  let number = firstRow;
  for await (const input of rows) {
    deps.signal?.throwIfAborted();
    const checked = checkInput(input, artifact, sensitive, { emptyIsMissing: true });
    lap('readMs');
    if (checked.ok) {
      batch.numbers.push(number);
      batch.ids.push(input);
      batch.rows.push(checked.row);
    } else {
      await write(out.rejects, rejectLine(number, checked.feature === null ? checked.reason : `${checked.feature} ${checked.reason}`));
      lap('writeMs');
      counts.rejected++;
    }
    number++;
    if (batch.rows.length >= BATCH_ROWS) await flush();
  }
  await flush();
  return counts;
}

type Lap = (phase: keyof ChunkPhases) => void;

/** Adds the time since the last lap to `phase`; nothing at all when no one asked for phases. */
function lapper(phases: ChunkPhases | undefined): Lap {
  if (!phases) return () => {};
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    phases[phase] += now - last;
    last = now;
  };
}

/** Writes text, waiting when the stream's buffer is full: memory stays flat however large the chunk. */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (text.length > 0 && !stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}
