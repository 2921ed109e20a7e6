// Shared plumbing for the end-to-end tests: start a real `wrangler dev`
// (workerd, local D1, the Durable Object) on a free port with its own
// --persist-to directory, talk to local D1 with `wrangler d1 execute`, and
// speak the protocol through a real WebSocket client.
//
// The test command builds the Worker once and sets MINI_EVENTS_PREBUILT=1,
// which makes wrangler's [build] step reuse that build (scripts/build.sh).

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

import { chromium } from 'playwright-core';

import { Client as ProtocolClient } from '../scripts/client.mjs';
import { appUrl, signInitData } from '../scripts/sign-init-data.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
export const TOKEN = '424242:test-token-for-e2e';
const run = promisify(execFile);

const childEnv = {
  ...process.env,
  MINI_EVENTS_PREBUILT: '1',
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
};

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh directory for one worker's local state (D1, Durable Objects). */
export async function tempState() {
  return mkdtemp(join(tmpdir(), 'mini-events-'));
}

export async function removeState(dir) {
  await rm(dir, { recursive: true, force: true });
}

/** Runs SQL against the local D1 in `persistTo`; returns the rows of the last statement. */
export async function d1(persistTo, sql) {
  const file = join(persistTo, `query-${process.pid}-${Date.now()}.sql`);
  await writeFile(file, sql);
  try {
    const { stdout } = await run(
      WRANGLER,
      ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--file', file, '--json'],
      { cwd: ROOT, env: childEnv, maxBuffer: 64 * 1024 * 1024 },
    );
    const results = JSON.parse(stdout);
    return results.at(-1)?.results ?? [];
  } finally {
    await rm(file, { force: true });
  }
}

/** Applies schema.sql, then `seedSql` if given. */
export async function prepareDb(persistTo, seedSql = '') {
  const { readFile } = await import('node:fs/promises');
  const schema = await readFile(join(ROOT, 'schema.sql'), 'utf8');
  await d1(persistTo, `${schema}\n${seedSql}`);
}

/** A running `wrangler dev`. */
export class Worker {
  constructor(child, port, log) {
    this.child = child;
    this.port = port;
    this.log = log;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/ws`;
  }

  /**
   * Starts `wrangler dev` on a free port and waits until it serves.
   * @param {{persistTo: string, vars?: Record<string,string>, port?: number}} options
   *   `port` reuses a port (for a restart that clients should find again);
   *   `scheduled` lets tests run the cron through GET /__scheduled
   */
  static async start({ persistTo, vars = {}, port, scheduled = false }) {
    // A start can fail for reasons of the machine, not the Worker (a port
    // taken between our check and wrangler's bind); try once more then.
    try {
      return await Worker.startOnce({ persistTo, vars, scheduled, port: port ?? await freePort() });
    } catch (error) {
      return Worker.startOnce({ persistTo, vars, scheduled, port: port ?? await freePort(), previous: error });
    }
  }

  static async startOnce({ persistTo, vars, port, scheduled, previous }) {
    const inspector = await freePort();
    const allVars = { BOT_TOKEN: TOKEN, ADMIN_IDS: '', AUTH_MAX_AGE_SECONDS: '86400', ...vars };
    const args = [
      'dev', '--ip', '127.0.0.1', '--port', String(port),
      '--inspector-port', String(inspector),
      '--persist-to', persistTo,
      '--show-interactive-dev-session=false',
      '--live-reload=false',
    ];
    if (scheduled) args.push('--test-scheduled');
    for (const [name, value] of Object.entries(allVars)) args.push('--var', `${name}:${value}`);
    const child = spawn(WRANGLER, args, {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const log = [];
    const keep = (chunk) => log.push(chunk.toString());
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const worker = new Worker(child, port, log);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const response = await fetch(`${worker.url}/ws`);
        if (response.status === 426) return worker;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    await worker.stop();
    const earlier = previous ? `\n(an earlier try failed too: ${previous.message.slice(0, 2000)})` : '';
    throw new Error(`wrangler dev did not start on port ${port}:\n${log.join('')}${earlier}`);
  }

  /** Kills wrangler and workerd at once (SIGKILL: no clean shutdown), as a crash would. */
  async kill() {
    return this.stop({ signal: 'SIGKILL' });
  }

  /** Stops wrangler and workerd, and waits until they are gone. */
  async stop({ signal = 'SIGTERM' } = {}) {
    const group = -this.child.pid;
    const alive = () => {
      try {
        process.kill(group, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (!alive()) return;
    process.kill(group, signal);
    // Wait for the whole process group (wrangler and its workerd), so the
    // ports and the state directory are free when this returns.
    for (let waited = 0; alive(); waited += 100) {
      if (waited === 10_000) process.kill(group, 'SIGKILL');
      await sleep(100);
    }
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let nextUserId = 5_000_000_001; // over 32 bits, as real Telegram ids can be

/** A test user with a fresh id (unless given), and signed initData for them. */
export function user({
  id = nextUserId++, first = 'Test', last = `User${id}`, username, photoUrl, languageCode, startParam, authDate, token = TOKEN,
} = {}) {
  const profile = { id, first_name: first, last_name: last };
  if (username) profile.username = username;
  if (photoUrl) profile.photo_url = photoUrl;
  if (languageCode) profile.language_code = languageCode;
  return {
    id,
    name: `${first} ${last}`.trim(),
    initData: signInitData({ token, user: profile, startParam, authDate }),
  };
}

/** A protocol client (scripts/client.mjs) that knows the test's Worker. */
export class Client extends ProtocolClient {
  /** Opens a socket to `worker` and waits for `connect`. */
  static async open(worker, options) {
    return super.open(worker.wsUrl, options);
  }

  /** Opens a socket and logs in as `who`; returns what the login sent. */
  static async login(worker, who) {
    const client = await this.open(worker);
    const login = await client.login(who.initData);
    return Object.assign(client, { login, user: who });
  }
}

/** SQL that inserts events with fixed ids. */
export function eventsSql(events) {
  const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;
  return events
    .map((e) => `INSERT INTO events (id, title, description, image, start, duration) VALUES (${e.id}, ${quote(e.title)}, ${quote(e.description ?? '')}, ${quote(e.image ?? '')}, ${quote(e.start)}, ${e.duration ?? 1});`)
    .join('\n');
}

/** A real PNG of `size` x `size` pixels in one colour, made with zlib. */
export function makePng(size = 8, rgb = [200, 80, 40]) {
  const { deflateSync, crc32 } = zlib;
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3).map((_, i) => rgb[i % 3])]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Headless Debian Chromium, started the way this machine needs (no network). */
/**
 * A stand-in for telegram-web-app.js at version 8.0 that records every
 * call in `window.calls`; `window.tap('main' | 'back')` presses a button;
 * `window.scan(text)` is a code read by the QR scanner while it is open.
 */
export const FAKE_TELEGRAM = `
  window.TelegramWebviewProxy = { postEvent() {} };
  window.calls = [];
  const handlers = { main: [], back: [] };
  const button = (kind) => ({
    isVisible: false, text: '', isProgressVisible: false, isActive: true,
    setText(text) { this.text = text; calls.push([kind + '.setText', text]); return this; },
    show() { this.isVisible = true; calls.push([kind + '.show']); return this; },
    hide() { this.isVisible = false; calls.push([kind + '.hide']); return this; },
    onClick(f) { handlers[kind].push(f); return this; },
    offClick(f) { handlers[kind] = handlers[kind].filter((h) => h !== f); return this; },
    showProgress() { this.isProgressVisible = true; calls.push([kind + '.showProgress']); return this; },
    hideProgress() { this.isProgressVisible = false; return this; },
    enable() { this.isActive = true; return this; },
    disable() { this.isActive = false; return this; },
  });
  window.tap = (kind) => handlers[kind].forEach((h) => h());
  const data = new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') || '';
  const newer = (v) => { const [a, b = 0] = String(v).split('.').map(Number); return a < 8 || (a === 8 && b <= 0); };
  window.Telegram = { WebApp: {
    initData: data, platform: 'android', version: '8.0', isVersionAtLeast: newer,
    initDataUnsafe: { start_param: new URLSearchParams(data).get('start_param') || undefined },
    ready: () => calls.push(['ready']), expand: () => calls.push(['expand']), onEvent() {},
    MainButton: button('main'), BackButton: button('back'),
    HapticFeedback: {
      notificationOccurred: (kind) => calls.push(['haptic', kind]), impactOccurred() {}, selectionChanged() {},
    },
    openLink: (url) => calls.push(['openLink', url]),
    downloadFile: (params) => calls.push(['downloadFile', params]),
    shareToStory: (url, params) => calls.push(['shareToStory', url, params]),
    showConfirm: (message, cb) => { calls.push(['showConfirm', message]); setTimeout(() => cb(true), 10); },
    requestWriteAccess: (cb) => setTimeout(() => cb(true), 10),
    switchInlineQuery: (query, types) => calls.push(['switchInlineQuery', query, types]),
    showScanQrPopup: (params, cb) => {
      calls.push(['showScanQrPopup', params.text]);
      window.scan = (text) => { if (cb(text) === true) { calls.push(['scanClosed']); window.scan = null; } };
    },
    closeScanQrPopup: () => { calls.push(['closeScanQrPopup']); window.scan = null; },
  } };`;

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * Opens the app in a new browser context as `who` (from `user()`), the way
 * Telegram opens it: the launch data in the URL fragment. Telegram's script
 * cannot load here; `telegramScript` serves a stand-in for it instead.
 */
export async function openApp(browser, worker, who, { colorScheme = 'light', timezoneId, themeParams, telegramScript, fragment, setup } = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme, timezoneId });
  await context.route('https://telegram.org/**', (route) =>
    telegramScript
      ? route.fulfill({ contentType: 'text/javascript', body: telegramScript })
      : route.abort(),
  );
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  await setup?.(page);
  let url = who ? appUrl(worker.url, who.initData) : `${worker.url}/`;
  if (themeParams) url += `&tgWebAppThemeParams=${encodeURIComponent(JSON.stringify(themeParams))}`;
  if (fragment !== undefined) url = `${worker.url}/#${fragment}`;
  await page.goto(url);
  // Attached, not visible: an event's view may stand over the list.
  if (who) await page.waitForSelector('#events[aria-busy="false"]', { state: 'attached' });
  return page;
}

/**
 * Runs `body(pages)` and, when it fails, saves a screenshot of every page in
 * test-results/ before passing the failure on.
 */
export async function withScreenshots(name, pages, body) {
  try {
    await body();
  } catch (error) {
    const { mkdir } = await import('node:fs/promises');
    const dir = join(ROOT, 'test-results');
    await mkdir(dir, { recursive: true });
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    await Promise.all(pages.map((page, i) =>
      page.screenshot({ path: join(dir, `${slug}-${i}.png`), fullPage: true }).catch(() => {})));
    throw error;
  }
}

/**
 * A WebSocket client written by hand over TCP, for what a well-behaved
 * library will not do: it keeps sending after the server's close frame.
 * Its frames (`{opcode, text}`, opcode 1 text, 8 close) collect in `frames`.
 */
export async function rawSocket(worker, { headers = {} } = {}) {
  const { connect } = await import('node:net');
  const { randomBytes } = await import('node:crypto');
  const socket = connect(worker.port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = randomBytes(16).toString('base64');
  const lines = [
    'GET /ws HTTP/1.1', `Host: 127.0.0.1:${worker.port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const raw = {
    frames: [],
    status: null,
    /** Sends a masked text frame, as a client must. */
    sendText(text) {
      const payload = Buffer.from(text);
      const length = payload.length < 126 ? Buffer.from([payload.length | 0x80])
        : payload.length < 65536 ? Buffer.from([126 | 0x80, payload.length >> 8, payload.length & 255])
          : Buffer.concat([Buffer.from([127 | 0x80]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(payload.length)); return b; })()]);
      const mask = randomBytes(4);
      const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
      if (!socket.destroyed) socket.write(Buffer.concat([Buffer.from([0x81]), length, mask, masked]));
    },
    texts() {
      return this.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.text));
    },
    close() {
      socket.destroy();
    },
  };
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      raw.status = Number(buffer.subarray(0, end).toString().split(' ')[1]);
      buffer = buffer.subarray(end + 4);
      upgraded = true;
    }
    for (;;) {
      if (buffer.length < 2) return;
      let length = buffer[1] & 127;
      let offset = 2;
      if (length === 126) { length = buffer.readUInt16BE(2); offset = 4; }
      if (length === 127) { length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      const opcode = buffer[0] & 15;
      raw.frames.push({ opcode, text: opcode === 8 ? payload.subarray(2).toString() : payload.toString() });
      buffer = buffer.subarray(offset + length);
    }
  });
  for (let waited = 0; raw.status === null && waited < 5000; waited += 20) await sleep(20);
  return raw;
}

/** The fields of an `event` the seed's protocol has (what a client of the seed knows). */
export function seedFields(event) {
  const { type, id, title, description, image, start, duration, attending, attendees } = event;
  return { type, id, title, description, image, start, duration, attending, attendees };
}

/** Whether `events` come in the listing's order: upcoming by (starts_at, id), then past ones. */
export function inListingOrder(events) {
  const key = (e) => [e.past ? 1 : 0, e.past ? -Date.parse(e.ends_at) : Date.parse(e.starts_at), e.id];
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [key(events[i - 1]), key(events[i])];
    const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    if (cmp >= 0) return false;
  }
  return true;
}

/**
 * The bot's webhook as Telegram calls it (with `secret`), the updates a
 * group's life brings, and logging in to a group's community: what the
 * tests of communities share. `fake` is the fake Bot API.
 */
export function telegram({ worker, fake, secret, botId = 424242 }) {
  let updateId = 1;
  const tg = {
    /** Posts an update (given the next update_id unless it has one); the webhook answers once it is handled. */
    async post(update) {
      const id = updateId++;
      // Bounded: a webhook that never answers fails the test, not the whole run.
      const response = await fetch(`${worker.url}/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secret },
        body: JSON.stringify({ update_id: id, ...update }),
        signal: AbortSignal.timeout(30_000),
      }).catch((error) => {
        const said = worker.log.join('').split('\n').slice(-20).join('\n');
        throw new Error(`the webhook did not answer update ${id} (${Object.keys(update).join(', ')}) within 30 s: ${error.message}\nwrangler dev said last:\n${said}`);
      });
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      await response.text();
    },
    get updateId() {
      return updateId;
    },
    group: (id, title, type = 'supergroup') => ({ id, type, title }),
    /** The bot's own status in `chat` changed (at `date`). */
    botStatus: (chat, status, { date = 0, from = 1 } = {}) => ({
      my_chat_member: {
        chat, from: { id: from, is_bot: false, first_name: 'Someone' }, date,
        old_chat_member: { user: { id: botId, is_bot: true, first_name: 'Bot' }, status: 'left' },
        new_chat_member: { user: { id: botId, is_bot: true, first_name: 'Bot' }, status },
      },
    }),
    /** Someone's status in a group changed (what Telegram sends bots that are group admins). */
    memberStatus: (chat, who, from, oldStatus, newStatus) => ({
      chat_member: {
        chat, from: { id: from, is_bot: false, first_name: 'Someone' }, date: 0,
        old_chat_member: { user: { id: who, is_bot: false, first_name: 'Member' }, status: oldStatus },
        new_chat_member: { user: { id: who, is_bot: false, first_name: 'Member' }, status: newStatus },
      },
    }),
    say: (chat, from, text) => ({
      message: { message_id: updateId, date: 0, text, chat, from: { id: from, is_bot: false, first_name: 'Someone' } },
    }),
    /** Waits for the bot's message to `chat` and returns its body. */
    async messageTo(chat, matching = () => true, timeout = 10_000) {
      const [call] = await fake.waitFor((c) => c.method === 'sendMessage' && c.status === 200 && c.body.chat_id === chat && matching(c.body), timeout);
      return call.body;
    },
    /** Logs in to community `slug` (or the default one); returns the client, or the close it got. */
    async enter(who, slug, startParam) {
      const url = slug ? `${worker.wsUrl}?c=${slug}` : worker.wsUrl;
      const client = await Client.open({ wsUrl: url });
      const signed = startParam ? user({ id: who.id, first: who.name.split(' ')[0], startParam }) : who;
      const login = await client.login(signed.initData);
      if (login.welcome.type !== 'welcome') return { refused: await client.closed, client };
      return Object.assign(client, { login, user: who });
    },
    /** The slug the bot's button for `chat` opens (from its message). */
    slugIn(body) {
      const url = body.reply_markup.inline_keyboard[0][0].url;
      return /startapp=c([A-Za-z0-9]{8,16})/.exec(url)?.[1] ?? /[?&]c=([A-Za-z0-9]{8,16})/.exec(url)?.[1];
    },
  };
  return tg;
}
