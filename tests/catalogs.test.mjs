// The catalogs of words per language (static/i18n/<code>.json), which the
// page, the Worker and bot-setup share: every language has exactly the
// keys English has (none missing, none extra), with the same {placeholders},
// a plural key with exactly the plural forms of its language, each key is
// used somewhere, and the bot's texts fit Telegram's limits. And no words
// for people are left in the page's code (static/js/) outside the catalogs.
// No Worker needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import * as espree from 'espree';

import { ROOT } from './helpers.mjs';

const LANGUAGES = ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'];
const DIR = join(ROOT, 'static', 'i18n');
const catalogs = Object.fromEntries(await Promise.all(LANGUAGES.map(async (code) => [
  code, JSON.parse(await readFile(join(DIR, `${code}.json`), 'utf8')),
])));
const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('there is a catalog for each language offered, and no other', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  assert.deepEqual(files, [...LANGUAGES].sort());
});

test('every language has exactly the keys English has, each a text with the same placeholders', () => {
  const keys = Object.keys(catalogs.en).sort();
  for (const code of LANGUAGES) {
    const catalog = catalogs[code];
    const own = Object.keys(catalog).sort();
    assert.deepEqual(own.filter((k) => !keys.includes(k)), [], `${code}: extra keys`);
    assert.deepEqual(keys.filter((k) => !own.includes(k)), [], `${code}: missing keys`);
    // Plural keys (objects in English) have each of the language's plural forms, and no other.
    const forms = new Intl.PluralRules(code).resolvedOptions().pluralCategories.sort();
    for (const key of keys) {
      const english = catalogs.en[key];
      const plural = typeof english === 'object';
      if (plural) {
        assert.equal(typeof catalog[key], 'object', `${code} ${key}: plural forms`);
        assert.deepEqual(Object.keys(catalog[key]).sort(), forms, `${code} ${key}: the plural forms of ${code}`);
      }
      const texts = plural ? Object.values(catalog[key]) : [catalog[key]];
      for (const text of texts) {
        assert.equal(typeof text, 'string', `${code} ${key}`);
        assert.ok(text.trim(), `${code} ${key} is empty`);
        assert.deepEqual(placeholders(text), placeholders(plural ? english.other : english), `${code} ${key}: placeholders`);
      }
    }
  }
});

test('a plural key changes with the count: three forms in Russian and Ukrainian, two in English', () => {
  const forms = (code, key) => [1, 3, 5, 21].map((n) => catalogs[code][key][new Intl.PluralRules(code).select(n)]);
  assert.deepEqual(forms('en', 'seats.left'), ['{n} spot left', '{n} spots left', '{n} spots left', '{n} spots left']);
  assert.deepEqual(forms('ru', 'seats.left'), ['Осталось {n} место', 'Осталось {n} места', 'Осталось {n} мест', 'Осталось {n} место']);
  assert.deepEqual(new Set(forms('uk', 'compose.people')).size, 3);
});

test('every key is used by the page, the Worker or the scripts', async () => {
  const sources = [];
  const walk = async (dir, ext) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, ext);
      else if (ext.some((e) => entry.name.endsWith(e))) sources.push(await readFile(path, 'utf8'));
    }
  };
  await walk(join(ROOT, 'src'), ['.rs']);
  await walk(join(ROOT, 'static', 'js'), ['.js']);
  await walk(join(ROOT, 'scripts'), ['.mjs', '.js']);
  sources.push(await readFile(join(ROOT, 'static', 'index.html'), 'utf8'));
  const all = sources.join('\n');
  const unused = Object.keys(catalogs.en).filter((key) => !all.includes(`'${key}'`) && !all.includes(`"${key}"`));
  assert.deepEqual(unused, []);
});

test("the bot's commands and descriptions fit Telegram's limits in every language", () => {
  for (const code of LANGUAGES) {
    const words = catalogs[code];
    for (const key of Object.keys(words).filter((k) => k.startsWith('bot.command.'))) {
      assert.ok(words[key].length >= 1 && words[key].length <= 256, `${code} ${key}`);
    }
    assert.ok(words['bot.description'].length <= 512, `${code} description`);
    assert.ok(words['bot.short_description'].length <= 120, `${code} short description`);
  }
});

/**
 * What may stand in the page's code as it is: names the code uses, not
 * words for people (each checked to be one).
 */
const NOT_WORDS = new Set([
  'Escape', // a key's name (KeyboardEvent.key)
  'BarcodeDetector', // the browser's API, tested for
  'Byte', // the QR encoding mode
]);
/** Names that are the same in every language. */
const NAMES = /Mini Events|Telegram/g;
/** Calls whose text arguments are selectors or classes, never shown. */
const SELECTING = new Set(['querySelector', 'querySelectorAll', 'closest', 'matches', 'add', 'remove', 'toggle', 'contains', 'q']);
/** Properties whose text values are never shown. */
const UNSHOWN = new Set(['className', 'rel']);

/** Whether a text literal under `ancestors` (nearest last) is shown to people (not a selector, class or compared value). */
function shown(ancestors) {
  // Through a choice (`a ? 'x' : 'y'`, `a || 'x'`) to what takes it.
  let at = ancestors.length - 1;
  while (at >= 0 && ['ConditionalExpression', 'LogicalExpression'].includes(ancestors[at].type)) at -= 1;
  const parent = ancestors[at];
  if (!parent) return true;
  const callee = parent.callee?.property?.name ?? parent.callee?.name;
  if (parent.type === 'CallExpression' && SELECTING.has(callee)) return false;
  if (parent.type === 'AssignmentExpression' && UNSHOWN.has(parent.left.property?.name)) return false;
  if (parent.type === 'Property' && UNSHOWN.has(parent.key.name)) return false;
  if (parent.type === 'BinaryExpression' && ['===', '!=='].includes(parent.operator)) return false;
  return true;
}

test("no words for people are left in the page's code outside the catalogs", async () => {
  const found = [];
  const dir = join(ROOT, 'static', 'js');
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.js'))) {
    const source = await readFile(join(dir, name), 'utf8');
    const ast = espree.parse(source, { ecmaVersion: 'latest', sourceType: 'module', loc: true });
    const visit = (node, ancestors) => {
      if (!node || typeof node.type !== 'string') return;
      const literal = node.type === 'Literal' && typeof node.value === 'string' ? node.value
        : node.type === 'TemplateElement' ? node.value.cooked : null;
      const text = literal?.replace(NAMES, '');
      // A word with a capital, or two words: English for people.
      if (text && !NOT_WORDS.has(text) && shown(ancestors) && (/\b[A-Z][a-z]+/.test(text) || /[a-z]{2,} [a-z]{2,}/i.test(text))) {
        found.push(`${name}:${node.loc.start.line} ${JSON.stringify(literal)}`);
      }
      for (const [key, value] of Object.entries(node)) {
        if (key === 'loc') continue;
        if (Array.isArray(value)) value.forEach((child) => visit(child, [...ancestors, node]));
        else if (value && typeof value === 'object') visit(value, [...ancestors, node]);
      }
    };
    visit(ast, []);
  }
  assert.deepEqual(found, []);
});
