// ESLint for every script of ours: the page's modules (browser), the
// scripts and the tests (Node). `npm test` runs it; `npx eslint .` alone
// too.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['build/', 'target/', 'node_modules/', '.wrangler/', 'test-results/', 'static/app.js', 'static/vendor/'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      // Hoisted function declarations may be used first; nothing else.
      'no-use-before-define': ['error', { functions: false, classes: true, variables: true }],
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-shadow': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'smart'],
      'no-var': 'error',
    },
  },
  { files: ['static/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['scripts/**/*.mjs', 'tests/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.mjs'], languageOptions: { globals: globals.node } },
  // Browser tests hand functions to the page, where the browser's globals are.
  { files: ['tests/page*.test.mjs', 'tests/ui*.test.mjs', 'tests/door-page.test.mjs', 'bench/page-load.mjs'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
];
