// The one-command bot set-up (scripts/bot-setup.mjs) against the fake Bot API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { ROOT } from './helpers.mjs';
import { FAKE_BOT_USERNAME, startFakeTelegram } from './fake-telegram.mjs';

const TOKEN = '123:abc-secret-token';

/** Runs bot-setup with `args`, `env` and `stdin`; resolves { code, stdout, stderr }. */
function botSetup(args, { env = {}, stdin = '' } = {}) {
  return new Promise((resolve) => {
    const child = execFile('node', [join(ROOT, 'scripts', 'bot-setup.mjs'), ...args], {
      env: { ...process.env, BOT_TOKEN: '', WEBHOOK_SECRET: '', ...env },
    }, (error, stdout, stderr) => resolve({ code: error?.code ?? 0, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('bot-setup makes the calls with the right bodies and says what it set', async () => {
  const fake = await startFakeTelegram();
  try {
    const { code, stdout, stderr } = await botSetup(
      ['--url', 'https://events.example/some/path', '--api', fake.url],
      { env: { BOT_TOKEN: TOKEN, WEBHOOK_SECRET: 's3cret' } },
    );
    assert.equal(code, 0, stderr);
    const words = ['setMyCommands', 'setMyDescription', 'setMyShortDescription'];
    assert.deepEqual(fake.calls.map((c) => c.method), [
      'getMe', 'setWebhook', 'setChatMenuButton', ...Array.from({ length: 8 }, () => words).flat(),
    ]);
    assert.ok(fake.calls.every((c) => c.token === TOKEN));
    const body = (method) => fake.calls.find((c) => c.method === method).body;
    assert.deepEqual(body('setWebhook'), {
      url: 'https://events.example/telegram/webhook',
      secret_token: 's3cret',
      allowed_updates: ['message', 'inline_query', 'my_chat_member', 'chat_member'],
      max_connections: 1,
    });
    assert.deepEqual(body('setChatMenuButton'), {
      menu_button: { type: 'web_app', text: 'Events', web_app: { url: 'https://events.example/' } },
    });
    assert.deepEqual(body('setMyCommands').commands.map((c) => c.command), ['start', 'events', 'timezone', 'language']);
    // Every language, from the catalogs, and English as the default (no language_code).
    for (const method of words) {
      const scopes = fake.calls.filter((c) => c.method === method).map((c) => c.body.language_code ?? 'default');
      assert.deepEqual(scopes, ['default', 'en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'], method);
    }
    const inRussian = (method) => fake.calls.find((c) => c.method === method && c.body.language_code === 'ru').body;
    assert.equal(inRussian('setMyCommands').commands[0].description, 'Открыть события');
    assert.match(inRussian('setMyDescription').description, /^События сообщества в Telegram/);
    assert.equal(inRussian('setMyShortDescription').short_description, 'События сообщества: афиша, запись, напоминания и билеты.');
    assert.deepEqual(body('setMyDescription'), { description: fake.calls.find((c) => c.method === 'setMyDescription' && c.body.language_code === 'en').body.description });
    assert.equal(fake.calls.find((c) => c.method === 'setMyShortDescription' && c.body.language_code === 'fa').body.short_description,
      'رویدادهای جمع: برنامه، ثبت حضور، یادآوری و بلیت.');
    assert.match(stdout, new RegExp(`@${FAKE_BOT_USERNAME}`));
    assert.match(stdout, /Webhook: https:\/\/events\.example\/telegram\/webhook/);
    assert.ok(!stdout.includes(TOKEN) && !stdout.includes('s3cret'), 'no token or secret in the output');
  } finally {
    await fake.close();
  }
});

test('bot-setup waits out a 429 retry_after and makes the call again', async () => {
  const fake = await startFakeTelegram();
  try {
    fake.methodLimits.set('setMyDescription', { times: 1, retryAfter: 1 });
    const began = Date.now();
    const { code, stdout, stderr } = await botSetup(
      ['--url', 'https://events.example', '--api', fake.url],
      { env: { BOT_TOKEN: TOKEN, WEBHOOK_SECRET: 's3cret' } },
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Telegram asks to wait 1 s before setMyDescription/);
    assert.ok(Date.now() - began >= 1000, 'it waited');
    const descriptions = fake.calls.filter((c) => c.method === 'setMyDescription');
    assert.equal(descriptions.length, 9, 'the refused call again, then one per language and the default');
    assert.equal(descriptions[0].body.language_code, undefined);
    assert.equal(descriptions[1].body.language_code, undefined, 'the same call again');
  } finally {
    await fake.close();
  }
});

test('bot-setup reads the token from standard input when BOT_TOKEN is unset', async () => {
  const fake = await startFakeTelegram();
  try {
    const { code, stderr } = await botSetup(['--url', 'https://events.example', '--api', fake.url], {
      env: { WEBHOOK_SECRET: 's3cret' }, stdin: `${TOKEN}\n`,
    });
    assert.equal(code, 0, stderr);
    assert.ok(fake.calls.length > 0 && fake.calls.every((c) => c.token === TOKEN));
  } finally {
    await fake.close();
  }
});

test('bot-setup refuses a token on the command line, a missing token or a plain-http URL', async () => {
  const argv = await botSetup(['--url', 'https://events.example', '--token', TOKEN]);
  assert.equal(argv.code, 2);
  assert.match(argv.stderr, /not taken on the command line/);
  assert.ok(!argv.stderr.includes(TOKEN), 'the refusal does not repeat the token');
  const noToken = await botSetup(['--url', 'https://events.example']);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /no bot token/);
  const plain = await botSetup(['--url', 'http://events.example'], { env: { BOT_TOKEN: TOKEN } });
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /https/);
});

test('a Bot API that cannot be reached or a malformed --api never shows the token', async () => {
  for (const api of ['http://127.0.0.1:1', 'ftp://example.org', 'htp//not a url', 'http://[::1']) {
    const { code, stdout, stderr } = await botSetup(['--url', 'https://events.example', '--api', api], {
      env: { BOT_TOKEN: TOKEN, WEBHOOK_SECRET: 's3cret' },
    });
    assert.notEqual(code, 0, api);
    assert.match(stderr, /bot-setup: /, api);
    assert.ok(!`${stdout}${stderr}`.includes('abc-secret'), `${api}: ${stderr}`);
  }
});
