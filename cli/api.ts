import { createReadStream, statSync } from 'node:fs';
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
    type ErrorAnswer = { error?: { message: string; code?: string }; errors?: GraphQLError[] };
    let body: ErrorAnswer | null;
    try {
      body = JSON.parse(text) as ErrorAnswer;
    } catch {
      body = null;
    }
    if (status >= 200 && status < 300 && body) return body as Answer;
    const error = body?.error ? { message: body.error.message, extensions: { code: body.error.code } } : body?.errors?.[0];
    if (!error) throw new CliError(`${url.origin} answered HTTP ${status} without a Custody error; is it a Custody server?`, EXIT.unreachable);
    throw new CliError(`${error.message} (${error.extensions?.code ?? 'ERROR'})`, exitOf(error));
  }
}
