import { Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ArtifactIntegrityError, type ArtifactStore } from '../../storage/artifact-store.js';
import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

/** What a download is called and read as, and how it is audited. */
export interface Download {
  sha256: string;
  contentType: string;
  /** The file name offered to the browser or the CLI (names here are lowercase letters, digits, dashes and dots). */
  filename: string;
  /** Records the download (an audit event): once its content is found, as it starts; never for a HEAD request. */
  audit?: () => Promise<void>;
}

/** Content a download names that the store cannot give (missing, or not matching its hash): the operator's to mend. */
export class DownloadError extends DomainError<'CONTENT_UNAVAILABLE'> {
  readonly domain = 'downloads';
  publicCode(): PublicErrorCode {
    return 'UNAVAILABLE';
  }
}

const logger = new Logger('Downloads');
/** A download whose client takes nothing for this long is ended: on an encrypted store, its plaintext copy lives as long as it does. */
const IDLE_MS = 30_000;

/**
 * Streams stored content to the response, never loading it whole: its type, length, file name and sha256 (so the
 * receiver can check what arrived). A bucket's or an encrypted store's copy is checked against its address before
 * it is sent, and the download is audited only then. Content the store cannot give is a 503 that names no path (the
 * log has the detail). A client that leaves mid-stream, or stops taking data for IDLE_MS, only ends its own response.
 */
export async function sendStored(store: ArtifactStore, download: Download, res: ServerResponse): Promise<void> {
  try {
    await store.withLocalFile(download.sha256, (file) => send(file, download, res));
  } catch (error) {
    if (!(error instanceof ArtifactIntegrityError) || res.headersSent) throw error;
    logger.error(`a download of ${download.filename} could not be read: ${error.message}`);
    throw new DownloadError('CONTENT_UNAVAILABLE', `The stored content of ${download.filename} (sha256 ${download.sha256}) cannot be read from the artifact store; an operator must restore it`);
  }
}

/** The found file to the response, after its audit. */
async function send(file: string, download: Download, res: ServerResponse): Promise<void> {
  const { size } = await stat(file);
  if (res.req?.method !== 'HEAD') await download.audit?.();
  res.setTimeout(IDLE_MS, () => res.destroy(new Error(`no data taken for ${IDLE_MS / 1000} s`)));
  res.writeHead(200, {
    'content-type': download.contentType,
    'content-length': String(size),
    'content-disposition': `attachment; filename="${download.filename}"`,
    'x-custody-sha256': download.sha256,
  });
  await pipeline(createReadStream(file), res).catch((error: Error) => {
    logger.warn(`a download of ${download.sha256} ended early: ${error.message}`);
    res.destroy();
  });
}
