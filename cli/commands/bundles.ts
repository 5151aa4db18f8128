import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { BundleError } from '../../bundle/bundle-error.js';
import { readBundle, readBundleDirectory, verifyBundle, type ReadBundle } from '../../bundle/format.js';
import { trustedKeys, type PublicJwk } from '../../bundle/signing.js';
import type { Ctx } from '../context.js';
import { CliError, EXIT, wholeNumber } from '../exit.js';
import { print } from '../output.js';

const PUBLIC_KEY_OPTION = ['--public-key <file>', "trust this key: a PEM public key, or a JWK set as the server's /v1/keys gives it"] as const;

/**
 * Bundles (a model version signed with everything about it, from `custody models export --format bundle`):
 * `models verify` checks one, and `serve` serves one alone, with no database, Temporal or Custody server.
 */
export function registerBundleCommands(program: Command, models: Command, ctx: () => Ctx): void {
  models
    .command('verify')
    .summary("checks a bundle's files and signature; exit 2 naming the file at fault")
    .description("checks a model bundle: every file against its sha256 in the manifest, and the manifest's signature against the server's keys (/v1/keys) or --public-key; exits 2 naming the file at fault")
    .argument('<bundle>', 'the bundle (.tar.gz), or the directory it was unpacked into')
    .option(...PUBLIC_KEY_OPTION)
    .action(async (file: string, opts: { publicKey?: string }) => {
      const c = ctx();
      const trusted = opts.publicKey ? await keysFromFile(opts.publicKey) : trustedKeys(await c.api().getJson('/v1/keys'));
      const bundle = await readAny(file);
      const { manifest, keyId } = rejectedAs(file, () => verifyBundle(bundle, trusted));
      const answer = { bundle: file, model: manifest.model, version: manifest.version, files: manifest.files.length, keyId };
      print(c.out, answer, () => `${file}: verified ${manifest.model} v${manifest.version}, ${manifest.files.length} files, signed by key ${keyId}`);
    });

  program
    .command('serve')
    .summary('serves a model bundle alone: the Open Inference Protocol and REST predict, no database or Temporal')
    .description("serves a model bundle alone (no database, Temporal or Custody server): the Open Inference Protocol under /v2 and REST predict under /v1/models/{name}/predict; every digest is checked first, and the signature with --public-key. Set CUSTODY_SERVE_TOKEN to require it as a bearer token")
    .argument('<bundle>', 'the bundle (.tar.gz), or the directory it was unpacked into')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option(...PUBLIC_KEY_OPTION)
    .action(async (file: string, opts: { port: string; host: string; publicKey?: string }) => {
      const port = wholeNumber('--port', opts.port, 0, 65535);
      const trusted = opts.publicKey ? await keysFromFile(opts.publicKey) : undefined;
      const bundle = await readAny(file);
      // The server loads ml/ (the models' prediction), which no other command needs.
      const { serveBundle } = await import('../../bundle/serve.js');
      const token = process.env.CUSTODY_SERVE_TOKEN || undefined;
      const server = await rejectedAs(file, () => serveBundle({ bundle, host: opts.host, port, token, trusted })).catch((error: NodeJS.ErrnoException) => {
        if (error.code && error.syscall === 'listen') throw new CliError(`cannot listen on ${opts.host}:${port}: ${error.code}`, EXIT.failed);
        throw error;
      });
      const signed = server.signedBy ? `signed by key ${server.signedBy}` : 'signature not checked (no --public-key)';
      process.stderr.write(`custody serve: ${server.manifest.model} v${server.manifest.version} on ${server.url} (${signed}${token ? '; bearer token required' : ''})\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await server.close();
    });
}

/** A bundle file or directory, read; one that is not there, or not a bundle, is a usage error naming it. */
async function readAny(file: string): Promise<ReadBundle> {
  const found = await stat(file).catch(() => null);
  if (!found) throw new CliError(`${file}: no such file or directory`, EXIT.usage);
  return await rejectedAs(file, async () => (found.isDirectory() ? await readBundleDirectory(file) : await readBundle(await readFile(file))));
}

async function keysFromFile(file: string): Promise<PublicJwk[]> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`--public-key ${file}: cannot be read`, EXIT.usage);
  });
  let source: unknown = text;
  if (text.trimStart().startsWith('{')) {
    try {
      source = JSON.parse(text);
    } catch {
      throw new CliError(`--public-key ${file}: is not valid JSON`, EXIT.usage);
    }
  }
  try {
    return trustedKeys(source);
  } catch (error) {
    throw new CliError(`--public-key ${file}: ${(error as Error).message}`, EXIT.usage);
  }
}

/** What `run` gives, or its BundleError as exit 2 (rejected), naming the bundle and the member at fault. */
function rejectedAs<T>(file: string, run: () => T): T {
  const refuse = (error: unknown): never => {
    if (error instanceof BundleError) throw new CliError(`${file}: ${error.message}`, EXIT.rejected);
    throw error;
  };
  try {
    const result = run();
    return (result instanceof Promise ? result.catch(refuse) : result) as T;
  } catch (error) {
    return refuse(error);
  }
}
