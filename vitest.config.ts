import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Node resolves `graphql` to its CommonJS build for NestJS; tests must load that same copy, not the .mjs one.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  // SWC keeps decorator metadata, which NestJS dependency injection needs.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    // Every file's server lives (in this process and in the children it starts) are searched for secrets after it.
    setupFiles: ['test/setup/secret-scan.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // A condition polled (`expect.poll`) gets 15 s, not 1 s: under CI's load a page or a projection can lag that long.
    expect: { poll: { timeout: 15_000 } },
  },
});
