// The page's modules (static/js/) as one minified file, static/app.js, so
// a phone fetches one file in one round trip instead of a dozen over its
// few connections. The sources stay the truth: `npm run dev` and
// `npm test` run this, and `--check` (in `npm test`) fails when the
// committed file is not what the sources make.
//
//   node scripts/bundle.mjs           write static/app.js
//   node scripts/bundle.mjs --check   exit 1 when static/app.js is stale

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'static', 'app.js');
const BANNER = '// Made by scripts/bundle.mjs from static/js/ (the sources); do not edit.';

const result = await build({
  entryPoints: [join(ROOT, 'static', 'js', 'main.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  banner: { js: BANNER },
  // Vendored libraries load on demand from static/vendor/, not with the page.
  external: ['/vendor/*'],
  plugins: [pageWords()],
  write: false,
  logLevel: 'warning',
});
const made = result.outputFiles[0].text;

/**
 * The English catalog the page bundles, without the bot's words (`bot.*`:
 * the Worker reads those from the same file, the page never shows them).
 */
function pageWords() {
  return {
    name: 'page-words',
    setup(on) {
      on.onLoad({ filter: /[\\/]i18n[\\/]en\.json$/ }, async ({ path }) => {
        const words = JSON.parse(await readFile(path, 'utf8'));
        const page = Object.fromEntries(Object.entries(words).filter(([key]) => !key.startsWith('bot.')));
        return { contents: JSON.stringify(page), loader: 'json' };
      });
    },
  };
}

if (process.argv.includes('--check')) {
  const committed = await readFile(OUT, 'utf8').catch(() => '');
  if (committed !== made) {
    console.error('static/app.js is not what static/js/ makes: run `node scripts/bundle.mjs` and commit it');
    process.exit(1);
  }
} else {
  const before = await readFile(OUT, 'utf8').catch(() => '');
  if (before !== made) await writeFile(OUT, made);
}
