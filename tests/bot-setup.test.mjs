// The one-command bot set-up (scripts/bot-setup.mjs) against the fake Bot API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './helpers.mjs';
import { FAKE_BOT_USERNAME, startFakeTelegram } from './fake-telegram.mjs';

const run = promisify(execFile);

test('bot-setup makes the three calls with the right bodies and says what it set', async () => {
  const fake = await startFakeTelegram();
  try {
    const { stdout } = await run('node', [
      join(ROOT, 'scripts', 'bot-setup.mjs'),
      '--url', 'https://events.example/some/path', '--token', '123:abc', '--secret', 's3cret', '--api', fake.url,
    ]);
    assert.deepEqual(fake.calls.map((c) => c.method), ['getMe', 'setWebhook', 'setChatMenuButton', 'setMyCommands']);
    assert.ok(fake.calls.every((c) => c.token === '123:abc'));
    const body = (method) => fake.calls.find((c) => c.method === method).body;
    assert.deepEqual(body('setWebhook'), {
      url: 'https://events.example/telegram/webhook',
      secret_token: 's3cret',
      allowed_updates: ['message', 'inline_query'],
    });
    assert.deepEqual(body('setChatMenuButton'), {
      menu_button: { type: 'web_app', text: 'Events', web_app: { url: 'https://events.example/' } },
    });
    assert.deepEqual(body('setMyCommands').commands.map((c) => c.command), ['start', 'events']);
    assert.match(stdout, new RegExp(`@${FAKE_BOT_USERNAME}`));
    assert.match(stdout, /Webhook: https:\/\/events\.example\/telegram\/webhook/);
    assert.ok(!stdout.includes('123:abc') && !stdout.includes('s3cret'), 'no token or secret in the output');
  } finally {
    await fake.close();
  }
});

test('bot-setup refuses a missing token or a plain-http URL', async () => {
  const attempt = (args, env = {}) =>
    run('node', [join(ROOT, 'scripts', 'bot-setup.mjs'), ...args], { env: { ...process.env, BOT_TOKEN: '', ...env } })
      .then(() => ({ code: 0 }), (error) => ({ code: error.code, stderr: error.stderr }));
  const noToken = await attempt(['--url', 'https://events.example']);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /no bot token/);
  const plain = await attempt(['--url', 'http://events.example', '--token', '1:a']);
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /https/);
});
