// The bot through `wrangler dev` and a fake Bot API: the webhook and its
// secret, /start and /events, inline queries, the start-time reminders
// (cron through --test-scheduled), and the one-command bot set-up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { TOKEN, Worker, d1, eventsSql, prepareDb, removeState, tempState } from './helpers.mjs';
import { FAKE_BOT_USERNAME, startFakeTelegram } from './fake-telegram.mjs';

const SECRET = 'webhook-secret-for-tests';
const PUBLIC_URL = 'https://events.example';
const APP = 'events';
let state;
let worker;
let fake;

// The Worker's calendar clock (CLOCK_OFFSET_SECONDS) is set to 12:07:30 UTC
// of today when this file starts, so what "next" and "due" mean does not
// depend on the hour the tests run at: no event of the day starts or ends
// within the seven minutes after that.
const DAY_START = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const OFFSET_SECONDS = Math.round((DAY_START + (12 * 60 + 7.5) * 60_000 - Date.now()) / 1000);
/** The Worker's calendar time now. */
const serverNow = () => new Date(Date.now() + OFFSET_SECONDS * 1000);

// 60 events: more than one inline answer holds. Event 57 is the only one
// that mentions a zeppelin, and it sorts after the first 50.
const EVENTS = Array.from({ length: 60 }, (_, i) => ({
  id: i + 1,
  title: `Meetup ${i + 1}`,
  description: i + 1 === 57 ? 'Watch the Zeppelin land' : 'Talks and snacks',
  start: `${String(Math.floor(i / 4) + 6).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`,
  duration: 1,
  image: i + 1 === 5 ? '/media/abc123.png' : '',
}));

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state, eventsSql(EVENTS));
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: {
      WEBHOOK_SECRET: SECRET, TELEGRAM_API: fake.url, PUBLIC_URL,
      BOT_USERNAME: FAKE_BOT_USERNAME, APP_SHORT_NAME: APP, TIMEZONE: 'UTC',
      CLOCK_OFFSET_SECONDS: String(OFFSET_SECONDS),
    },
  });
});

after(async () => {
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

let updateId = 1;
function post(update, secret = SECRET) {
  const headers = { 'content-type': 'application/json' };
  if (secret !== null) headers['X-Telegram-Bot-Api-Secret-Token'] = secret;
  return fetch(`${worker.url}/telegram/webhook`, {
    method: 'POST', headers, body: typeof update === 'string' ? update : JSON.stringify({ update_id: updateId++, ...update }),
  });
}

function message(text, { chatType = 'private', chatId = 777, from = 777 } = {}) {
  return { message: { message_id: 1, date: 0, text, chat: { id: chatId, type: chatType }, from: { id: from, is_bot: false, first_name: 'Rita' } } };
}

/**
 * Posts a /start that is answered, and waits for the answer: once it came,
 * whatever was posted before it had its turn. Returns every call until then.
 */
async function afterAll() {
  const marker = `/start ${9000 + updateId}`;
  await post(message(marker, { chatId: 4242 }));
  await fake.waitFor((c) => c.method === 'sendMessage' && c.body.chat_id === 4242);
  return fake.calls.filter((c) => c.body?.chat_id !== 4242);
}

/** Posts an update and returns the one Bot API call it leads to. */
async function callFor(update, method) {
  fake.reset();
  const response = await post(update);
  assert.equal(response.status, 200);
  const [call] = await fake.waitFor((c) => c.method === method);
  assert.equal(call.token, TOKEN, 'calls use the bot token');
  return call.body;
}

test('the webhook refuses a wrong or missing secret and processes nothing', async () => {
  fake.reset();
  for (const secret of [null, '', 'wrong-secret', `${SECRET}x`]) {
    const response = await post(message('/start'), secret);
    assert.equal(response.status, 401, `secret ${secret}`);
  }
  assert.deepEqual(await afterAll(), []);
});

test('/start in a private chat answers with a web_app button, and /start 3 opens event 3', async () => {
  const plain = await callFor(message('/start'), 'sendMessage');
  assert.equal(plain.chat_id, 777);
  assert.match(plain.text, /Rita/);
  assert.deepEqual(plain.reply_markup, { inline_keyboard: [[{ text: 'Open events', web_app: { url: `${PUBLIC_URL}/` } }]] });

  const deep = await callFor(message('/start 3'), 'sendMessage');
  assert.deepEqual(deep.reply_markup.inline_keyboard[0][0].web_app, { url: `${PUBLIC_URL}/?event=3` });
  assert.match(deep.text, /Meetup 3: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3} · 06:30 · 1 h · daily\./, 'the date of its next occurrence');

  const events = await callFor(message('/events'), 'sendMessage');
  assert.equal(events.reply_markup.inline_keyboard[0][0].web_app.url, `${PUBLIC_URL}/`);
});

test("/start in a group answers with a t.me link to the group's own community", async () => {
  const group = { chatType: 'supergroup', chatId: -100123 };
  const plain = await callFor(message(`/start@${FAKE_BOT_USERNAME}`, group), 'sendMessage');
  assert.equal(plain.chat_id, -100123);
  const [[button]] = plain.reply_markup.inline_keyboard;
  assert.equal(button.text, 'Open events');
  const link = new RegExp(`^https://t\\.me/${FAKE_BOT_USERNAME}/${APP}\\?startapp=c([A-Za-z0-9]{8,16})$`).exec(button.url);
  assert.ok(link, button.url);
  const deep = await callFor(message('/start 3', group), 'sendMessage');
  assert.equal(deep.reply_markup.inline_keyboard[0][0].url, `https://t.me/${FAKE_BOT_USERNAME}/${APP}?startapp=c${link[1]}_3`);

  fake.reset();
  assert.equal((await post(message('/start@SomeOtherBot', group))).status, 200);
  assert.equal((await post(message('hello there', group))).status, 200);
  assert.deepEqual(await afterAll(), [], 'commands for other bots and chatter are ignored');
});

test('updates the bot does not handle, or cannot read, still get 200', async () => {
  fake.reset();
  for (const update of [{ edited_message: { text: 'x' } }, { callback_query: { id: '1' } }, '{"update_id": 9', '[]']) {
    assert.equal((await post(update)).status, 200);
  }
  assert.deepEqual(await afterAll(), []);
});

const inline = (query) => ({ inline_query: { id: `q${updateId}`, from: { id: 777, is_bot: false, first_name: 'Rita' }, query, offset: '' } });

test('inline event:<id> answers that event as an article linking to the Mini App', async () => {
  const body = await callFor(inline('event:5'), 'answerInlineQuery');
  assert.equal(body.results.length, 1);
  const [result] = body.results;
  const link = `https://t.me/${FAKE_BOT_USERNAME}/${APP}?startapp=5`;
  assert.equal(result.type, 'article');
  assert.equal(result.id, '5');
  assert.equal(result.title, 'Meetup 5');
  assert.equal(result.thumbnail_url, `${PUBLIC_URL}/media/abc123.png`);
  const text = result.input_message_content.message_text;
  for (const part of ['Meetup 5', 'Talks and snacks', '07:00', '1 h', link]) assert.ok(text.includes(part), part);
  assert.match(text, /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3} · 07:00 · 1 h · daily/, 'with the date');
  assert.deepEqual(result.reply_markup.inline_keyboard[0][0], { text: 'Open in Mini Events', url: link });

  const missing = await callFor(inline('event:999'), 'answerInlineQuery');
  assert.deepEqual(missing.results, []);
});

test('an inline search looks through every event, not just the first 50', async () => {
  const body = await callFor(inline('zeppelin'), 'answerInlineQuery');
  assert.deepEqual(body.results.map((r) => r.id), ['57']);
  const many = await callFor(inline('Meetup'), 'answerInlineQuery');
  assert.equal(many.results.length, 50, 'at most 50 results');
});

test('a short or empty inline query answers the next 50 events by start time', async () => {
  const body = await callFor(inline(''), 'answerInlineQuery');
  assert.equal(body.results.length, 50);
  const starts = body.results.map((r) => EVENTS[Number(r.id) - 1].start);
  // The events are daily and an hour long, and it is 12:07 on the
  // Worker's clock: the ones still on or later today (from 11:15) come
  // first, by start, then tomorrow's from 06:00.
  const today = EVENTS.map((e) => e.start).filter((s) => s >= '11:15');
  const tomorrow = EVENTS.map((e) => e.start).filter((s) => s < '11:15');
  assert.deepEqual(starts, [...today, ...tomorrow].slice(0, 50));
  assert.equal((await callFor(inline('M'), 'answerInlineQuery')).results.length, 50);
});

async function runCron() {
  const response = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(response.status, 200);
  await response.text();
}

test('reminders: one per attendee at the start minute, none twice, 429 retried, 403 skipped, leavers skipped', async () => {
  const now = serverNow();
  const start = now.toISOString().slice(11, 16); // TIMEZONE is UTC
  const [happy, limited, blocked, leaver] = [9_000_000_001, 9_000_000_002, 9_000_000_003, 9_000_000_004];
  await d1(state, `
    INSERT INTO events (id, title, description, image, start, duration) VALUES (100, 'Rooftop concert', '', '', '${start}', 2);
    INSERT INTO attendance (event_id, telegram_id) VALUES (100, ${happy}), (100, ${limited}), (100, ${blocked});`);
  // The leaver was due (a run recorded it while they attended) and then
  // left: their row is there, their attendance is not.
  await d1(state, `INSERT INTO notifications (event_id, telegram_id, day, status, created_at, updated_at)
    VALUES (100, ${leaver}, '${now.toISOString().slice(0, 10)}', 'pending', ${Math.floor(now / 1000)}, ${Math.floor(now / 1000)});`);
  fake.reset();
  fake.blocked.add(blocked);
  fake.rateLimited.set(limited, { times: 1, retryAfter: 1 });

  await runCron();
  const sends = () => fake.calls.filter((c) => c.method === 'sendMessage');
  const byChat = (id) => sends().filter((c) => c.body.chat_id === id);
  assert.deepEqual(byChat(happy).map((c) => c.status), [200]);
  assert.match(byChat(happy)[0].body.text, /^Rooftop concert is starting now, \d\d:\d\d$/);
  assert.deepEqual(byChat(limited).map((c) => c.status), [429, 200], 'retried after the 429');
  const [first, second] = byChat(limited);
  assert.ok(second.at - first.at >= 1000, 'waited retry_after before retrying');
  assert.deepEqual(byChat(blocked).map((c) => c.status), [403]);
  assert.deepEqual(byChat(leaver), []);

  const rows = await d1(state, 'SELECT telegram_id, status FROM notifications WHERE event_id = 100 ORDER BY telegram_id');
  assert.deepEqual(rows.map((r) => [r.telegram_id, r.status]), [[happy, 'sent'], [limited, 'sent'], [blocked, 'blocked'], [leaver, 'left']]);

  await runCron();
  assert.equal(sends().length, 4, 'a second run in the same minute sends nothing');
});
