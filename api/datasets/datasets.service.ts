import { Inject, Injectable } from '@nestjs/common';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { registerStoredDataset } from '../../storage/register-dataset.js';
import type { DatasetFormat } from '../../domain/data/profile.js';
import { formatBytes } from '../http/respond.js';
import { DataFormatError, formatOf } from '../../storage/read-rows.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import type { Config } from '../../config.js';
import { NAME_PATTERN } from '../../domain/pipeline/spec.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { DatasetRow, DatasetVersionRow } from '../../db/schema/index.js';
import { isUuid, versionParam } from '../common/validate.js';
import { auditRequest } from '../common/audit.js';
import type { Caller } from '../access/principal.js';
import type { Download } from '../http/send-stored.js';
import { ARTIFACT_STORE, CONFIG, REPOSITORIES } from '../core/tokens.js';
import { DatasetError } from './datasets.error.js';
import { budgetChangeRefusal, PrivacyBudgetRefused, type PrivacyBudget } from '../../domain/data/privacy-budget.js';
import type { DatasetVersionInput, RegisterDatasetInput } from './dto/dataset-version.input.js';
import type { DatasetVersion, PrivacyBudgetLedger } from './models/dataset.model.js';

/** A streamed upload's parameters: the path's name, the query's format and datasheet fields, and the request's headers. */
export interface UploadInput {
  name: string;
  format?: string | null;
  source?: string | null;
  license?: string | null;
  intendedUse?: string | null;
  contentType?: string | null;
  contentLength?: number;
  /** ?privacyEpsilon= and ?allowNonPrivate=true: the dataset's privacy budget, as text. */
  privacyEpsilon?: string | null;
  allowNonPrivate?: string | null;
}

/** An upload's privacy budget from its query text; a malformed one is refused as a field error. */
function uploadBudget(input: UploadInput): { epsilon: number; allowNonPrivate: boolean } | undefined {
  if (input.allowNonPrivate !== undefined && input.allowNonPrivate !== null && input.allowNonPrivate !== 'true' && input.allowNonPrivate !== 'false') {
    throw invalid('query.allowNonPrivate', 'must be true or false');
  }
  if (input.privacyEpsilon === undefined || input.privacyEpsilon === null) {
    if (input.allowNonPrivate === 'true') throw invalid('query.allowNonPrivate', 'is for a dataset given a budget with privacyEpsilon');
    return undefined;
  }
  const epsilon = /^\d+(\.\d+)?$/.test(input.privacyEpsilon) ? Number(input.privacyEpsilon) : NaN;
  return { epsilon, allowNonPrivate: input.allowNonPrivate === 'true' };
}

/** Checks an upload's name and datasheet fields (under `scope`, `input` or `query`), and returns its format. */
function checkUpload(input: { name: string; source?: string | null; license?: string | null; intendedUse?: string | null; format?: string | null }, format: string | null, scope: string): DatasetFormat {
  if (typeof input.name !== 'string' || !NAME_PATTERN.test(input.name)) {
    throw invalid(scope === 'input' ? 'input.name' : 'name', 'must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit');
  }
  for (const field of ['source', 'license', 'intendedUse'] as const) {
    if ((input[field]?.length ?? 0) > 2000) throw invalid(`${scope}.${field}`, 'must be at most 2000 characters');
  }
  if (format !== 'csv' && format !== 'jsonl') throw invalid(`${scope}.format`, input.format ? 'must be csv or jsonl' : 'is required (csv or jsonl)');
  return format;
}

/** csv or jsonl from a Content-Type header (text/csv, application/x-ndjson, application/jsonl), else null. */
function formatOfContentType(contentType: string | null | undefined): DatasetFormat | null {
  const type = contentType?.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/x-jsonlines') return 'jsonl';
  return null;
}

export const tooLarge = (limit: number) => new DatasetError('TOO_LARGE', `The upload is larger than the ${formatBytes(limit)} limit (CUSTODY_UPLOAD_LIMIT)`, [{ path: 'body', message: `must be at most ${formatBytes(limit)}` }]);

/**
 * The body, at most `limit` bytes of it: past that the copy fails with a 413 error and the body is left
 * unread (paused, not destroyed, so the 413 still reaches the client). A body that ends early fails the copy.
 */
export function limited(body: Readable, limit: number): Readable {
  const incomplete = () => new DatasetError('INVALID_INPUT', 'The upload ended before its body was complete', [{ path: 'body', message: 'is incomplete' }]);
  // The client may have hung up while its token was checked: then there is nothing left to read.
  if (body.destroyed || body.readableAborted) throw incomplete();
  let seen = 0;
  const copy = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge(limit) : null, chunk);
    },
  });
  body.on('error', () => copy.destroy(incomplete()));
  body.on('close', () => {
    if (!body.readableEnded) copy.destroy(incomplete());
  });
  return body.pipe(copy);
}

export const toDatasetVersionModel = (row: DatasetVersionRow & { datasetName: string }): DatasetVersion => ({ ...row });

const budgetFixed = (field: string, reason: string) => new DatasetError('PRIVACY_BUDGET_FIXED', reason, [{ path: field, message: 'differs from the budget already set' }]);

const invalid = (field: string, message: string) => new DatasetError('INVALID_INPUT', `${field} ${message}`, [{ path: field, message }]);

/** Registers datasets and reads their content-addressed versions. */
@Injectable()
export class DatasetsService {
  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /**
   * Registers small uploaded content (it travelled in a GraphQL body, under the body limit) or a file
   * under the import directory; identical content returns its existing version.
   */
  async register(input: RegisterDatasetInput, actor: string): Promise<DatasetVersion> {
    if ((input.content === undefined || input.content === null) === (input.file === undefined || input.file === null)) {
      throw invalid('input', 'must give exactly one of content or file');
    }
    const format = checkUpload(input, input.format ?? (input.file ? formatOf(input.file) : null), 'input');
    const metadata = { source: input.source ?? input.file ?? 'upload', license: input.license, intendedUse: input.intendedUse };
    const privacyBudget = await this.checkBudget(input.name, input.privacyBudget ?? undefined, 'input.privacyBudget');
    return await this.readable({ name: input.name, field: input.file ? 'input.file' : 'input.content', format, budgetField: 'input.privacyBudget' }, async () => {
      const stored = input.file ? await this.store.putFile(this.importedFile(input.file)) : await this.store.putBytes(Buffer.from(input.content!, 'utf8'));
      return await registerStoredDataset({ repos: this.repos, store: this.store }, stored, { name: input.name, format, metadata, actor, privacyBudget });
    });
  }

  /** The budget asked for, refused before any content is stored when it is malformed or differs from the one set. */
  private async checkBudget(name: string, asked: { epsilon: number; allowNonPrivate?: boolean | null } | undefined, field: string): Promise<PrivacyBudget | undefined> {
    if (!asked) return undefined;
    const budget = { epsilon: asked.epsilon, allowNonPrivate: asked.allowNonPrivate ?? false };
    if (budgetChangeRefusal(name, null, budget)) throw invalid(`${field}.epsilon`, 'must be a number above 0 and at most 1000');
    const refused = budgetChangeRefusal(name, await this.repos.privacy.status(name), budget);
    if (refused) throw budgetFixed(field, refused);
    return budget;
  }

  /**
   * Registers a streamed upload (POST /v1/datasets/{name}), read only after its sender authenticated:
   * hashed into the store as it arrives, and refused with 413 once it passes the upload limit.
   */
  async upload(input: UploadInput, body: Readable, actor: string): Promise<{ version: DatasetVersion; created: boolean }> {
    const format = checkUpload(input, input.format ?? formatOfContentType(input.contentType), 'query');
    const limit = this.config.security.uploadLimit;
    if (input.contentLength !== undefined && input.contentLength > limit) throw tooLarge(limit);
    const metadata = { source: input.source ?? 'upload', license: input.license, intendedUse: input.intendedUse };
    const privacyBudget = await this.checkBudget(input.name, uploadBudget(input), 'query.privacyEpsilon');
    let created = false;
    const version = await this.readable({ name: input.name, field: 'body', format, budgetField: 'query.privacyEpsilon' }, async () => {
      const stored = await this.store.putStream(limited(body, limit));
      const result = await registerStoredDataset({ repos: this.repos, store: this.store }, stored, { name: input.name, format, metadata, actor, privacyBudget });
      created = result.created;
      return result;
    });
    return { version, created };
  }

  /** Runs a registration, turning content that cannot be read as `format` into an error on `field`. */
  private async readable(input: { name: string; field: string; format: DatasetFormat; budgetField: string }, register: () => Promise<{ row: DatasetVersionRow }>): Promise<DatasetVersion> {
    try {
      const { row } = await register();
      return toDatasetVersionModel({ ...row, datasetName: input.name });
    } catch (error) {
      if (error instanceof DataFormatError) throw invalid(input.field, `cannot be read as ${input.format}: ${error.message}`);
      if (error instanceof PrivacyBudgetRefused) throw budgetFixed(input.budgetField, error.message);
      throw error;
    }
  }

  /** A file named relative to the import directory, which it must not leave. */
  private importedFile(file: string): string {
    const resolved = path.resolve(this.config.importDir, file);
    const relative = path.relative(this.config.importDir, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw invalid('input.file', 'must be inside the import directory');
    if (!existsSync(resolved) || !statSync(resolved).isFile()) throw invalid('input.file', 'does not exist');
    return resolved;
  }

  async list(): Promise<DatasetRow[]> {
    return await this.repos.datasets.list();
  }

  /** The dataset's privacy budget with its ledger, or null when it has none. */
  async privacyBudget(dataset: DatasetRow): Promise<PrivacyBudgetLedger | null> {
    const status = await this.repos.privacy.status(dataset);
    if (!status) return null;
    const draws = await this.repos.privacy.draws(dataset.id);
    return { ...status, remaining: Math.max(0, status.epsilon - status.spent), draws };
  }

  async version(input: DatasetVersionInput): Promise<DatasetVersion> {
    if (input.id !== undefined && input.id !== null) {
      if (!isUuid(input.id)) throw new DatasetError('INVALID_INPUT', 'input.id must be a UUID', [{ path: 'input.id', message: 'must be a UUID' }]);
      const [row] = await this.repos.datasets.findVersionsByIds([input.id]);
      if (!row) throw new DatasetError('DATASET_NOT_FOUND', `No dataset version has id ${input.id}`);
      return toDatasetVersionModel(row);
    }
    if (!input.name) throw new DatasetError('INVALID_INPUT', 'input needs id, or name (and optionally version)', [{ path: 'input', message: 'needs id or name' }]);
    if (input.version !== undefined && input.version !== null && input.version < 1) {
      throw new DatasetError('INVALID_INPUT', 'input.version must be 1 or more', [{ path: 'input.version', message: 'must be 1 or more' }]);
    }
    const row = await this.repos.datasets.findVersion(input.name, input.version ?? 'latest');
    if (!row) throw new DatasetError('DATASET_NOT_FOUND', `Dataset ${input.name} has no version ${input.version ?? '(none registered)'}`);
    return toDatasetVersionModel(row);
  }

  /**
   * A dataset version's content as a download (`version` a whole number or `latest`): what a scoring job wrote, or
   * what was registered. Audited, since data read back whole should leave a trace.
   */
  async download(name: string, version: string, caller: Caller): Promise<Download> {
    const number = version === 'latest' ? 'latest' : versionParam(version);
    if (number === null) throw invalid('version', 'must be a whole number from 1, or latest');
    const row = await this.repos.datasets.findVersion(name, number);
    if (!row) throw new DatasetError('DATASET_NOT_FOUND', `Dataset ${name} has no version ${version}`);
    const payload = { dataset: row.datasetName, version: row.version, sha256: row.sha256 };
    const audit = () => auditRequest(this.repos, caller, { action: 'dataset.downloaded', subjectType: 'dataset_version', subjectId: row.id, payload });
    const contentType = row.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
    return { sha256: row.sha256, contentType, filename: `${row.datasetName}-v${row.version}.${row.format}`, audit };
  }
}
