import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newKeySpec } from '../../storage/encryption/keyring.js';
import { leaksIn, noteSecretsOf, type Life } from '../support/secret-scan.js';

/** A life the file's own scan never sees (it is not made with `life()`), so planted secrets fail only these checks. */
const server = (text: string): Life => ({ name: 'node dist/main.js (pid 1)', server: true, text });

/** The scan that `test/setup/secret-scan.ts` runs after every file finds each kind of secret, and shows none of them. */
describe('the secret scan of server lives', () => {
  const token = `cus_${randomBytes(32).toString('base64url')}`;

  it('finds a token, a webhook secret or a password in a URL in a server log, and masks it in what it reports', () => {
    const found = leaksIn(server(`[Access] made a token ${token} for ci@example.com`));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^node dist\/main\.js \(pid 1\) logged an API token: ".*\[secret\] for ci@example\.com"$/);
    expect(found[0]).not.toContain(token);
    // A token with a character added (refused, and echoed) still holds the token.
    expect(leaksIn(server(`refused ${token}x`))).toHaveLength(1);
    expect(leaksIn(server(`signing with whsec_${randomBytes(24).toString('base64url')}`))[0]).toContain('logged a webhook secret');
    expect(leaksIn(server('connecting to postgres://app:hunter2@db:5432/custody'))[0]).toContain('logged a password in a URL');
  });

  it('passes what may be logged: a token prefix, a masked password, a URL without one', () => {
    expect(leaksIn(server(`token ${token.slice(0, 8)} revoked; postgres://app:***@db/custody; postgres://postgres@127.0.0.1:5432/x`))).toEqual([]);
  });

  it('finds a configured encryption key, as base64 or hex, in any life, the CLI included', () => {
    const spec = newKeySpec('k9');
    noteSecretsOf({ CUSTODY_ENCRYPTION_KEYS: spec });
    const key = Buffer.from(spec.split(':')[1]!, 'base64');
    expect(leaksIn(server(`keyring: ${spec}`))[0]).toContain('logged the encryption key k9');
    expect(leaksIn(server(`key bytes ${key.toString('hex')}`))[0]).toContain('logged the encryption key k9');
    expect(leaksIn({ name: 'node scripts/custody.mjs', server: false, text: `debug: ${key.toString('base64')}` })).toHaveLength(1);
    // The CLI shows a token it made, once, on purpose.
    expect(leaksIn({ name: 'node scripts/custody.mjs', server: false, text: `token: ${token}` })).toEqual([]);
  });

  it('passes the first-admin code in its announcement only', () => {
    const code = randomBytes(12).toString('base64url');
    const announcement = `"Create the first admin", with the code ${code}\n  npx custody login --first-admin-code ${code}\n  -d '{"query":"mutation { createFirstAdminToken(input: { name: \\"you\\", bootstrapCode: \\"${code}\\" }) { token } }"}'`;
    expect(leaksIn(server(announcement), [code])).toEqual([]);
    const found = leaksIn(server(`${announcement}\n[Access] checked code ${code}`), [code]);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('logged the first-admin code outside its announcement');
    expect(found[0]).not.toContain(code);
  });
});
