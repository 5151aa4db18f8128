// `npm run console:build`: builds the web console (console/) with Vite into dist/console, which the API
// serves at `/`. `npm start` and `npm test` call the same build when it is missing or stale.
import { ensureConsole, ensureDependencies } from './lib.mjs';

ensureDependencies();
ensureConsole({ force: process.argv.includes('--force') });
