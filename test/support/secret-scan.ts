/**
 * What every server life of a test file logs, and the secrets none of it may hold. `test/setup/secret-scan.ts`
 * feeds it (this process's own output, with the in-process API and worker, and the output of every child
 * process) and fails the file when `leaks()` finds any. A finding names the life and the kind of secret, with
 * the secret itself masked: the report of a leak must not leak it again.
 */

/** Secret shapes that no log may hold, whoever's life it is: a token or a webhook secret is never logged. */
const SHAPES: { kind: string; pattern: RegExp }[] = [
  // The shapes api/ makes them in; a longer run of the same characters holds one too (a token with a letter added).
  { kind: 'an API token', pattern: /cus_[A-Za-z0-9_-]{43}/g },
  { kind: 'a webhook secret', pattern: /whsec_[A-Za-z0-9_-]{32}/g },
  // scheme://user:password@ with a password that is not masked (***).
  { kind: 'a password in a URL', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:(?!\*+@)[^\s@/'"]+@/gi },
];

/** How the first-admin code is announced on purpose (api/bootstrap.ts): in these three places of that one message, and nowhere else. */
const ANNOUNCED = (code: string) => [`with the code ${code}`, `--first-admin-code ${code}`, `bootstrapCode: \\"${code}\\"`];

export interface Life {
  /** Such as `node dist/main.js (pid 123)`, or `this test process`. */
  name: string;
  /**
   * False for a client whose output may show a token on purpose (the CLI's `tokens create` prints the token it
   * made, once): only the configured secrets are looked for there, not the shapes.
   */
  server: boolean;
  text: string;
}

const lives: Life[] = [];
/** Configured secrets (as each may be written), by what they are. */
const secrets = new Map<string, string>();

/** A new life whose output is appended to `text`. */
export function life(name: string, server: boolean): Life {
  const started: Life = { name, server, text: '' };
  lives.push(started);
  return started;
}

/** Remembers a secret some life was given; shorter values are too common to look for. */
export function noteSecret(kind: string, value: string | undefined): void {
  if (value && value.length >= 8) secrets.set(value, kind);
}

/**
 * Remembers the secrets in an environment a server life is started with: its encryption keys (in base64, base64url
 * and hex, as a log might print key material), its S3 secret key, and the passwords of its URLs.
 */
export function noteSecretsOf(env: Record<string, string | undefined> | NodeJS.ProcessEnv | undefined): void {
  if (!env) return;
  for (const spec of (env.CUSTODY_ENCRYPTION_KEYS ?? '').split(',')) {
    const [id, base64] = spec.trim().split(':');
    if (!id || !base64) continue;
    const key = Buffer.from(base64, 'base64');
    noteSecret(`the encryption key ${id}`, base64);
    noteSecret(`the encryption key ${id}`, key.toString('base64url'));
    noteSecret(`the encryption key ${id}`, key.toString('hex'));
    noteSecret(`the encryption key ${id}`, key.toString('hex').replace(/(..)(?!$)/g, '$1 '));
  }
  noteSecret('the S3 secret key', env.AWS_SECRET_ACCESS_KEY);
  for (const [name, value] of Object.entries(env)) {
    if (!value || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    try {
      const password = decodeURIComponent(new URL(value).password);
      noteSecret(`the password in ${name}`, password);
    } catch {
      // Not a URL after all.
    }
  }
}

/** `text` around `at`, with every secret in it masked. */
function context(text: string, at: number, length: number): string {
  let shown = text.slice(Math.max(0, at - 60), at + length + 60).replace(/\u001b\[[0-9;]*m/g, '');
  for (const secret of secrets.keys()) shown = shown.split(secret).join('[secret]');
  for (const { pattern } of SHAPES) shown = shown.replace(pattern, '[secret]');
  return JSON.stringify(shown);
}

/** Every secret in one life's output: configured secrets anywhere, secret shapes in a server's, a first-admin code outside its announcement. */
export function leaksIn(one: Life, codes: string[] = []): string[] {
  let text = one.text;
  for (const code of codes) for (const place of ANNOUNCED(code)) text = text.split(place).join('');
  const found: string[] = [];
  const named = new Set<string>();
  for (const [secret, kind] of secrets) {
    const at = text.indexOf(secret);
    // One finding a secret, however many of its forms (base64 holds base64url, often) were found.
    if (at >= 0 && !named.has(kind)) found.push(`${one.name} logged ${kind}: ${context(text, at, secret.length)}`);
    if (at >= 0) named.add(kind);
  }
  for (const code of codes) {
    const at = text.indexOf(code);
    // `at` is the first place, so masking every place keeps it where it was.
    if (at >= 0) found.push(`${one.name} logged the first-admin code outside its announcement: ${context(text.split(code).join('[secret]'), at, 8)}`);
  }
  if (one.server) {
    for (const { kind, pattern } of SHAPES) {
      for (const match of text.matchAll(pattern)) found.push(`${one.name} logged ${kind}: ${context(text, match.index, match[0].length)}`);
    }
  }
  return found;
}

/** Every leak in every life of this file so far. First-admin codes are read from a server's announcement of them. */
export function leaks(): string[] {
  const codes = [...new Set(lives.filter((one) => one.server).flatMap((one) => [...one.text.matchAll(/"Create the first admin", with the code ([A-Za-z0-9_-]{16})\b/g)].map((match) => match[1]!)))];
  return lives.flatMap((one) => leaksIn(one, codes));
}
