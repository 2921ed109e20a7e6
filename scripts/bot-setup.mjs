#!/usr/bin/env node
// Connects the Telegram bot to a deployed Mini Events in one go:
//   getMe             checks the token and shows the bot's username
//   setWebhook        points updates at <url>/telegram/webhook, with the secret
//   setChatMenuButton makes the chat's menu button open the Mini App
//   setMyCommands     lists /start and /events
//
//   BOT_TOKEN=... npm run bot-setup -- --url https://mini-events.<you>.workers.dev
//
// Without --secret it makes a new webhook secret and stores it as the
// Worker's WEBHOOK_SECRET with `wrangler secret put` (so the Worker and
// Telegram agree). The token is never printed.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: BOT_TOKEN=... npm run bot-setup -- --url https://<worker-host> [options]

  --url URL        the deployed Worker's public origin (PUBLIC_URL)
  --token T        the bot token (default: the BOT_TOKEN environment variable)
  --secret S       use this webhook secret (already stored as WEBHOOK_SECRET)
                   instead of making and storing a new one
  --menu-text T    the menu button's label (default "Events")
  --api URL        the Bot API (default https://api.telegram.org)`;

function fail(message) {
  console.error(`bot-setup: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    secret: { type: 'string' },
    'menu-text': { type: 'string', default: 'Events' },
    api: { type: 'string', default: process.env.TELEGRAM_API ?? 'https://api.telegram.org' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const token = values.token ?? process.env.BOT_TOKEN;
if (!token) fail('no bot token: pass --token or set BOT_TOKEN');
let origin;
try {
  origin = new URL(values.url ?? '').origin;
} catch {
  fail('--url must be the Worker\'s https URL');
}
if (!origin.startsWith('https://') && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(`${origin}/`)) {
  fail('--url must be https (Telegram only calls https webhooks)');
}

async function call(method, body) {
  const response = await fetch(`${values.api.replace(/\/$/, '')}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = await response.json().catch(() => ({ ok: false, description: `HTTP ${response.status}` }));
  if (!reply.ok) {
    console.error(`bot-setup: ${method} failed: ${reply.description ?? response.status}`);
    process.exit(1);
  }
  return reply.result;
}

const me = await call('getMe', {});
console.log(`Bot: @${me.username}`);

let secret = values.secret;
if (!secret) {
  secret = randomBytes(24).toString('hex');
  console.log('Storing a new WEBHOOK_SECRET with `wrangler secret put`…');
  execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['secret', 'put', 'WEBHOOK_SECRET'], {
    cwd: ROOT, input: secret, stdio: ['pipe', 'inherit', 'inherit'],
  });
}

const webhook = {
  url: `${origin}/telegram/webhook`,
  secret_token: secret,
  allowed_updates: ['message', 'inline_query'],
};
await call('setWebhook', webhook);
console.log(`Webhook: ${webhook.url} (updates: ${webhook.allowed_updates.join(', ')}; with the secret token)`);

const menu = { type: 'web_app', text: values['menu-text'], web_app: { url: `${origin}/` } };
await call('setChatMenuButton', { menu_button: menu });
console.log(`Menu button: "${menu.text}" opens ${menu.web_app.url}`);

const commands = [
  { command: 'start', description: 'Open the events' },
  { command: 'events', description: 'See what is on' },
];
await call('setMyCommands', { commands });
console.log(`Commands: ${commands.map((c) => `/${c.command}`).join(', ')}`);

console.log(`
Left for you in @BotFather (the Bot API cannot do these):
  /setinline   turn on inline mode, so Share works
  /newapp      create the Mini App with URL ${origin}/ and note its short name
Then set BOT_USERNAME = "${me.username}" and APP_SHORT_NAME in wrangler.toml and deploy again.`);
