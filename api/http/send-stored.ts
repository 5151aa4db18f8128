import { Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../../storage/artifact-store.js';

/** What a download is called and read as. */
export interface Download {
  sha256: string;
  contentType: string;
  /** The file name offered to the browser or the CLI (names here are lowercase letters, digits, dashes and dots). */
  filename: string;
}

const logger = new Logger('Downloads');
/** A download whose client takes nothing for this long is ended: on an encrypted store, its plaintext copy lives as long as it does. */
const IDLE_MS = 30_000;

/**
 * Streams stored content to the response, never loading it whole: its type, length, file name and sha256 (so the
 * receiver can check what arrived). A bucket's or an encrypted store's copy is checked against its address before
 * it is sent. A client that leaves mid-stream, or stops taking data for IDLE_MS, only ends its own response.
 */
export async function sendStored(store: ArtifactStore, download: Download, res: ServerResponse): Promise<void> {
  await store.withLocalFile(download.sha256, async (file) => {
    const { size } = await stat(file);
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
  });
}
