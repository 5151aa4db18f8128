import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { generateSigningKey, signingKeyFrom } from '../bundle/signing.js';
import { ConfigError, loadConfig } from '../config.js';

describe('configuration', () => {
  it('fills every default from an empty environment', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(config.database.kind).toBe('pglite');
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'custody' });
  });

  it('uses Postgres when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/custody' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/custody' });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a number (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535 (got "70000")'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://x")'],
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS must be host:port, for example 127.0.0.1:7233 (got "localhost")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be debug, info, warn or error (got "loud")'],
    [{ CUSTODY_BODY_LIMIT: 'lots' }, 'CUSTODY_BODY_LIMIT must be a size such as 512kb, 1mb or 2gb (got "lots")'],
    [{ CUSTODY_CORS_ORIGINS: 'https://console.example.com/app' }, 'CUSTODY_CORS_ORIGINS must list origins such as https://console.example.com (scheme, host and port only) (got "https://console.example.com/app")'],
    [{ CUSTODY_WEBHOOK_ALLOW_RANGES: '10.0.0.0/33' }, 'CUSTODY_WEBHOOK_ALLOW_RANGES must list address ranges such as 10.0.0.0/8 or fd00::/8 (got "10.0.0.0/33")'],
    [{ CUSTODY_GRAPHQL_INTROSPECTION: 'yes' }, 'CUSTODY_GRAPHQL_INTROSPECTION must be true or false (got "yes")'],
    // Secrets are named, never echoed: the line goes to stderr, and stderr to logs.
    [{ CUSTODY_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }, 'CUSTODY_ENCRYPTION_KEYS must list keys as id:base64, each id lowercase letters, digits or dashes and each key 32 random bytes in base64 (openssl rand -base64 32) (its value is not shown: it holds secrets)'],
    [{ DATABASE_URL: 'mysql://app:hunter2@db/custody' }, 'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://app:***@db/custody")'],
  ])('reports %o in one line naming the variable and the reason', (env, expected) => {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toBe(`invalid configuration: ${expected}`);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('reads the security settings: small bodies, no cross-origin callers and introspection off in production by default', () => {
    expect(loadConfig({}).security).toEqual({ bodyLimit: 1024 ** 2, uploadLimit: 2 * 1024 ** 3, corsOrigins: [], introspection: true, maxDepth: 12, maxCost: 50_000, authRefusalsPerMinute: 60, auditedRefusalsPerMinute: 10, webhookAllowRanges: [] });
    expect(loadConfig({ NODE_ENV: 'production' }).security.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CUSTODY_GRAPHQL_INTROSPECTION: 'true' }).security.introspection).toBe(true);
    const set = loadConfig({ CUSTODY_BODY_LIMIT: '512kb', CUSTODY_CORS_ORIGINS: 'https://a.example, http://localhost:5173', CUSTODY_WEBHOOK_ALLOW_RANGES: '10.0.0.0/8' }).security;
    expect(set).toMatchObject({ bodyLimit: 512 * 1024, corsOrigins: ['https://a.example', 'http://localhost:5173'], webhookAllowRanges: ['10.0.0.0/8'] });
  });

  it('reads the bundle signing key from CUSTODY_SIGNING_KEY, refusing any other key without quoting it; a development stack keeps its own, production none', () => {
    const { pem } = generateSigningKey();
    expect(loadConfig({ CUSTODY_SIGNING_KEY: pem }).signing.key?.keyId).toBe(signingKeyFrom(pem).keyId);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    for (const bad of [rsa, 'not a key']) {
      expect(() => loadConfig({ CUSTODY_SIGNING_KEY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ CUSTODY_SIGNING_KEY: bad })).toThrow(/^invalid configuration: CUSTODY_SIGNING_KEY: /);
      expect(() => loadConfig({ CUSTODY_SIGNING_KEY: bad })).not.toThrow(bad.split('\n')[1] ?? bad);
    }
    expect(loadConfig({ CUSTODY_DATA_DIR: '/srv/custody' }).signing).toEqual({ key: null, developmentKeyFile: '/srv/custody/signing-key.pem' });
    expect(loadConfig({ NODE_ENV: 'production' }).signing).toEqual({ key: null, developmentKeyFile: null });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).http.port).toBe(4000);
  });
});

describe('README configuration table', () => {
  it('lists every variable the code reads', async () => {
    const { readFileSync } = await import('node:fs');
    const { CONFIG_VARIABLES } = await import('../config.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES) expect(readme, name).toContain(`| \`${name}\` |`);
  });
});
