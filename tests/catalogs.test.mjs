// The catalogs of words per language (static/i18n/<code>.json), which the
// page, the Worker and bot-setup share: every language has exactly the
// keys English has (none missing, none extra), with the same {placeholders},
// each key is used somewhere, and the bot's texts fit Telegram's limits.
// No Worker needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

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
    for (const key of keys) {
      assert.equal(typeof catalog[key], 'string', `${code} ${key}`);
      assert.ok(catalog[key].trim(), `${code} ${key} is empty`);
      assert.deepEqual(placeholders(catalog[key]), placeholders(catalogs.en[key]), `${code} ${key}: placeholders`);
    }
  }
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
