import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import http from 'node:http';
import https from 'node:https';
import type { Connection } from './config.js';
import { CliError, EXIT, type ExitCode } from './exit.js';

interface GraphQLError {
  message: string;
  extensions?: { code?: string; domainCode?: string };
}

/** What a GraphQL error means for the exit status. */
function exitOf(error: GraphQLError): ExitCode {
  // A gate decision the rules refuse (your own run, the wrong role, already approved) is "not allowed".
  if (error.extensions?.domainCode === 'GATE_DECISION_REFUSED') return EXIT.denied;
  switch (error.extensions?.code) {
    case 'UNAVAILABLE':
      return EXIT.unreachable;
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return EXIT.denied;
    case 'RATE_LIMITED':
      return EXIT.denied;
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'QUERY_TOO_COSTLY':
    case 'PAYLOAD_TOO_LARGE':
    case 'NOT_FOUND':
    case 'CONFLICT':
      return EXIT.usage;
    default:
      return EXIT.failed;
  }
}

/** The API, as the CLI uses it: one typed request, errors turned into one line and an exit code. */
export class Api {
  constructor(private readonly connection: Connection) {}

  async request<Data, Variables extends Record<string, unknown> = Record<string, never>>(query: string, variables?: Variables, timeoutMs = 60_000): Promise<Data> {
    let response: Response;
    try {
      response = await fetch(this.connection.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.connection.token ? { authorization: `Bearer ${this.connection.token}` } : {}) },
        body: JSON.stringify({ query, variables: variables ?? {} }),
        signal: AbortSignal.timeout(Math.max(1000, timeoutMs)),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.connection.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, EXIT.unreachable);
    }
    let body: { data?: Data | null; errors?: GraphQLError[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new CliError(`${this.connection.url} answered HTTP ${response.status} without GraphQL; is it a Custody server?`, EXIT.unreachable);
    }
    if (!body.errors?.length && !body.data) throw new CliError(`${this.connection.url} answered HTTP ${response.status} with no data`, EXIT.unreachable);
    const first = body.errors?.[0];
    if (first) throw new CliError(`${first.message} (${first.extensions?.code ?? 'ERROR'})`, exitOf(first));
    return body.data as Data;
  }

  /** A REST GET's JSON answer (`/v1/keys`); an error answer becomes one line and its exit code, as for GraphQL. */
  async getJson(path: string): Promise<unknown> {
    const url = new URL(this.connection.url.replace(/\/graphql$/, '') + path);
    const response = await fetch(url, { headers: this.connection.token ? { authorization: `Bearer ${this.connection.token}` } : {} }).catch((error: Error & { cause?: { code?: string } }) => {
      throw new CliError(`cannot reach ${url.origin}: ${error.cause?.code ?? error.message}`, EXIT.unreachable);
    });
    const body: unknown = await response.json().catch(() => null);
    if (response.ok && body !== null) return body;
    throw refusal(url, response.status, body);
  }

  /**
   * Streams a file to a REST upload endpoint (`/v1/datasets/{name}`), never holding it whole, and returns
   * the JSON answer; an error answer becomes one line and its exit code, as for GraphQL. A server that
   * answers early (a refusal, a size limit) and hangs up is heard: its answer wins over the broken write.
   */
  async upload<Answer>(path: string, file: string, headers: Record<string, string>): Promise<Answer> {
    const url = new URL(this.connection.url.replace(/\/graphql$/, '') + path);
    const auth: Record<string, string> = this.connection.token ? { authorization: `Bearer ${this.connection.token}` } : {};
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      let answered = false;
      const request = client.request(url, { method: 'POST', headers: { 'content-length': String(statSync(file).size), ...headers, ...auth } }, (response) => {
        answered = true;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        // EPIPE or a reset after the answer arrived: the answer (above) is what counts.
        if (answered) return;
        reject(new CliError(`cannot reach ${url.origin}: ${error.code ?? error.message}`, EXIT.unreachable));
      });
      createReadStream(file).on('error', reject).pipe(request);
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (status >= 200 && status < 300 && body) return body as Answer;
    throw refusal(url, status, body);
  }

  /**
   * Streams a REST download (`/v1/datasets/{name}/versions/{v}`, a scoring job's rejects, a model's export) to `file`, or to stdout
   * when `file` is null, never holding it whole, and checks what arrived against the sha256 the API sent. A file
   * appears only whole and checked (written beside it, then renamed). Returns its size and sha256.
   */
  async download(path: string, file: string | null): Promise<{ bytes: number; sha256: string }> {
    const url = new URL(this.connection.url.replace(/\/graphql$/, '') + path);
    const response = await fetch(url, { headers: this.connection.token ? { authorization: `Bearer ${this.connection.token}` } : {} }).catch((error: Error & { cause?: { code?: string } }) => {
      throw new CliError(`cannot reach ${url.origin}: ${error.cause?.code ?? error.message}`, EXIT.unreachable);
    });
    if (!response.ok || !response.body) throw refusal(url, response.status, await response.json().catch(() => null));
    // The command promises a checked file: content without its sha256 (a proxy dropped the header) is refused.
    const sent = response.headers.get('x-custody-sha256');
    if (!sent) throw new CliError(`${url.origin} sent no sha256 (x-custody-sha256) to check the download against; nothing was written`, EXIT.failed);
    const partial = file === null ? null : `${file}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // Interrupted (Ctrl-C, a stop), the part written so far goes too: a file appears only whole.
    const interrupted = () => {
      if (partial) rmSync(partial, { force: true });
      process.exit(130);
    };
    process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
    try {
      await this.receive(response.body, counted, partial, url);
      const sha256 = hash.digest('hex');
      if (sha256 !== sent) throw new CliError(`the download from ${url.origin} does not match its sha256 (${sent}); ${partial ? 'nothing was kept' : 'what was written to stdout is corrupt'}`, EXIT.failed);
      if (partial && file) renameSync(partial, file);
      return { bytes, sha256 };
    } catch (error) {
      if (partial) rmSync(partial, { force: true });
      if (error instanceof CliError) throw error;
      throw new CliError(`the download could not be written to ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.failed);
    } finally {
      process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    }
  }

  /** Pipes a download's body through `counted` to `partial`, or stdout; a reader that stops early (`| head`) ends it quietly. */
  private async receive(body: NonNullable<Response['body']>, counted: Transform, partial: string | null, url: URL): Promise<void> {
    try {
      // stdout stays open for what the command prints after.
      await pipeline(body, counted, partial ? createWriteStream(partial) : (process.stdout as Writable), { end: partial !== null });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
      throw new CliError(`the download from ${url.origin} broke off: ${(error as Error).message}`, EXIT.unreachable);
    }
  }
}

/** A REST refusal as one line and its exit code: the API's `{ error }` body, or a GraphQL-shaped refusal from before it. */
function refusal(url: URL, status: number, body: unknown): CliError {
  const answer = body as { error?: { message: string; code?: string }; errors?: GraphQLError[] } | null;
  const error = answer?.error ? { message: answer.error.message, extensions: { code: answer.error.code } } : answer?.errors?.[0];
  if (!error) return new CliError(`${url.origin} answered HTTP ${status} without a Custody error; is it a Custody server?`, EXIT.unreachable);
  return new CliError(`${error.message} (${error.extensions?.code ?? 'ERROR'})`, exitOf(error));
}
