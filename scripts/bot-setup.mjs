#!/usr/bin/env node
// Connects the Telegram bot to a deployed Mini Events in one go:
//   getMe             checks the token and shows the bot's username
//   setWebhook        points updates at <url>/telegram/webhook, with the secret
//   setChatMenuButton makes the chat's menu button open the Mini App
//   setMyCommands, setMyDescription, setMyShortDescription
//                     in every language of static/i18n/ (its language_code),
//                     and the English ones as the default
//
//   BOT_TOKEN=... npm run bot-setup -- --url https://mini-events.<you>.workers.dev
//
// The token comes from the environment (BOT_TOKEN) or standard input, never
// from the command line, which other users see in `ps` and which shells
// keep in their history. Without WEBHOOK_SECRET in the environment it makes
// a new webhook secret and stores it as the Worker's WEBHOOK_SECRET with
// `wrangler secret put` (so the Worker and Telegram agree). Neither is ever
// printed, not even in an error.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: BOT_TOKEN=... npm run bot-setup -- --url https://<worker-host> [options]
       npm run bot-setup -- --url https://<worker-host> < file-with-the-token

  --url URL        the deployed Worker's public origin (PUBLIC_URL)
  --menu-text T    the menu button's label (default "Events")
  --api URL        the Bot API (default https://api.telegram.org)

The bot token comes from BOT_TOKEN or the first line of standard input.
WEBHOOK_SECRET, when set, is used as the webhook secret (it must already be
the Worker's WEBHOOK_SECRET); otherwise a new one is made and stored.`;

function fail(message) {
  console.error(`bot-setup: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string' },
      'menu-text': { type: 'string', default: 'Events' },
      api: { type: 'string', default: process.env.TELEGRAM_API ?? 'https://api.telegram.org' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  // Never echo the arguments: one of them may be a token.
  const secretFlag = process.argv.some((a) => /^--(token|secret)(=|$)/.test(a));
  fail(secretFlag
    ? 'the token and the secret are not taken on the command line (ps and shell history show it): use BOT_TOKEN / WEBHOOK_SECRET or standard input'
    : error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'unknown option' : 'bad arguments');
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** The first line of standard input (asking for it when it is a terminal). */
async function readToken() {
  if (process.stdin.isTTY) process.stderr.write('Bot token (from @BotFather): ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0].trim();
}

const token = process.env.BOT_TOKEN || await readToken();
if (!token) fail('no bot token: set BOT_TOKEN or give it on standard input');
let api;
try {
  api = new URL(values.api).toString().replace(/\/$/, '');
} catch {
  fail('--api must be a URL, such as https://api.telegram.org');
}
/** `text` with the token taken out. */
const redact = (text) => String(text).replaceAll(token, '<token>').replaceAll(encodeURIComponent(token), '<token>');
let origin;
try {
  origin = new URL(values.url ?? '').origin;
} catch {
  fail('--url must be the Worker\'s https URL');
}
if (!origin.startsWith('https://') && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(`${origin}/`)) {
  fail('--url must be https (Telegram only calls https webhooks)');
}

/** Waits at most this long for one 429's `retry_after`. */
const MAX_RETRY_SECONDS = 120;

async function call(method, body, attempt = 1) {
  let response;
  try {
    response = await fetch(`${api}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    console.error(`bot-setup: ${method} failed: ${redact(error.cause?.message ?? error.message)}`);
    process.exit(1);
  }
  const reply = await response.json().catch(() => ({ ok: false, description: `HTTP ${response.status}` }));
  // Too many calls: Telegram says how long to wait; then the same call again.
  const wait = Number(reply.parameters?.retry_after);
  if (!reply.ok && response.status === 429 && wait > 0 && wait <= MAX_RETRY_SECONDS && attempt < 5) {
    console.log(`Telegram asks to wait ${wait} s before ${method}…`);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    return call(method, body, attempt + 1);
  }
  if (!reply.ok) {
    console.error(`bot-setup: ${method} failed: ${redact(reply.description ?? response.status)}`);
    process.exit(1);
  }
  return reply.result;
}

const me = await call('getMe', {});
console.log(`Bot: @${me.username}`);

let secret = process.env.WEBHOOK_SECRET;
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
  // my_chat_member: the bot added to or removed from a group (its
  // community opens or closes); chat_member: who joins, leaves or is
  // promoted in a group (sent only to bots that are the group's admins).
  allowed_updates: ['message', 'inline_query', 'my_chat_member', 'chat_member'],
  // One update at a time, in order: the Worker handles each before it
  // answers, so a group's updates are applied in the order they happened.
  max_connections: 1,
};
await call('setWebhook', webhook);
console.log(`Webhook: ${webhook.url} (updates: ${webhook.allowed_updates.join(', ')}; one at a time; with the secret token)`);

const menu = { type: 'web_app', text: values['menu-text'], web_app: { url: `${origin}/` } };
await call('setChatMenuButton', { menu_button: menu });
console.log(`Menu button: "${menu.text}" opens ${menu.web_app.url}`);

// The commands and descriptions in every language the app speaks (the
// catalogs the page and the Worker share), English also as the default
// for everyone else.
const LANGUAGES = ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'];
const COMMANDS = [
  ['start', 'bot.command.start'], ['events', 'bot.command.events'],
  ['timezone', 'bot.command.timezone'], ['language', 'bot.command.language'],
];
for (const language of [null, ...LANGUAGES]) {
  const words = JSON.parse(await readFile(join(ROOT, 'static', 'i18n', `${language ?? 'en'}.json`), 'utf8'));
  const scope = language ? { language_code: language } : {};
  const commands = COMMANDS.map(([command, key]) => ({ command, description: words[key] }));
  await call('setMyCommands', { commands, ...scope });
  await call('setMyDescription', { description: words['bot.description'], ...scope });
  await call('setMyShortDescription', { short_description: words['bot.short_description'], ...scope });
}
console.log(`Commands: ${COMMANDS.map(([c]) => `/${c}`).join(', ')}, with the descriptions, in ${LANGUAGES.join(', ')} and English as the default`);

console.log(`
Left for you in @BotFather (the Bot API cannot do these):
  /setinline   turn on inline mode, so Share works
  /newapp      create the Mini App with URL ${origin}/ and note its short name
Then set BOT_USERNAME = "${me.username}" and APP_SHORT_NAME in wrangler.toml and deploy again.`);
