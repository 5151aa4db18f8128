import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The console builds into dist/console, which the API serves at `/`; nothing is fetched from elsewhere at run time. */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts: the CSP allows scripts from our own origin only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // GraphiQL's Monaco editor is one 2.8 MB chunk, loaded only on /graphql.
    chunkSizeWarningLimit: 3000,
    sourcemap: true,
    rollupOptions: {
      // GraphiQL's packages mark modules "use no memo" for the React compiler; bundling ignores it harmlessly.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: { console: fileURLToPath(new URL('index.html', import.meta.url)), graphiql: fileURLToPath(new URL('graphiql.html', import.meta.url)) },
    },
  },
  server: { proxy: { '/graphql': 'http://127.0.0.1:4000', '/v1': 'http://127.0.0.1:4000' } },
});
