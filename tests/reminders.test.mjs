// Reminders at the lead time each user chose (at the start, 15 minutes, an
// hour or a day before, or none), through the scheduled handler and the
// fake Bot API, in the event's zone, across the spring change of clocks.
// The Worker's calendar clock is moved to the night of the change with the
// test-only CLOCK_OFFSET_SECONDS (logins are not affected by it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Worker, d1, prepareDb, removeState, tempState } from './helpers.mjs';
import { startFakeTelegram } from './fake-telegram.mjs';

const ZONE = 'Europe/Berlin';
// The Worker's "now": 2027-03-28 00:45 UTC (01:45 in Berlin), 15 minutes
// before clocks go from 02:00 to 03:00.
const FAKE_START = Date.parse('2027-03-28T00:45:00Z');
const OFFSET_SECONDS = Math.round((FAKE_START - Date.now()) / 1000);
let state;
let worker;
let fake;

/** Berlin's date and wall time ("HH:MM") at the instant `ms`. */
function wall(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

const MINUTE = 60_000;
const fakeNow = () => Date.now() + OFFSET_SECONDS * 1000;
const users = { atStart: 9_100_000_001, quarter: 9_100_000_002, hour: 9_100_000_003, day: 9_100_000_004, gap: 9_100_000_005, off: 9_100_000_006, notYet: 9_100_000_007 };

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  const now = fakeNow();
  const at = (ms) => wall(Math.floor(ms / MINUTE) * MINUTE);
  const events = [
    [1, 'Starting now', at(now)],
    [2, 'Quarter', at(now + 13 * MINUTE)], // still before the gap
    [3, 'After the change', at(now + 50 * MINUTE)], // 03:3x, after it
    [4, 'Tomorrow', at(now + 23 * 60 * MINUTE)],
  ];
  const sql = events.map(([id, title, w]) => `
    INSERT INTO events (id, title, start, duration, date, repeat) VALUES (${id}, '${title}', '${w.time}', 1, '${w.date}', 'none');`).join('');
  await prepareDb(state, `${sql}
    INSERT INTO events (id, title, start, duration, date, repeat) VALUES (5, 'Night run', '02:30', 1, '2027-03-21', 'weekly');
    INSERT INTO attendance (event_id, telegram_id) VALUES
      (1, ${users.atStart}), (2, ${users.quarter}), (3, ${users.hour}), (4, ${users.day}), (5, ${users.gap}),
      (1, ${users.off}), (3, ${users.notYet});
    INSERT INTO users (telegram_id, reminder) VALUES
      (${users.quarter}, 15), (${users.hour}, 60), (${users.day}, 1440), (${users.gap}, 60),
      (${users.off}, NULL), (${users.notYet}, 15);`);
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: { TELEGRAM_API: fake.url, TIMEZONE: ZONE, CLOCK_OFFSET_SECONDS: String(OFFSET_SECONDS) },
  });
});

after(async () => {
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

async function runCron() {
  const response = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(response.status, 200);
  await response.text();
}

test('each user gets one reminder at the lead time they chose, in local time across the spring change', async () => {
  await runCron();
  const sent = Object.fromEntries(fake.callsTo('sendMessage').map((c) => [c.body.chat_id, c.body.text]));
  const local = (minutes) => wall(Math.floor((FAKE_START + minutes * MINUTE) / MINUTE) * MINUTE);
  assert.match(sent[users.atStart], /^Starting now is starting now, \d\d:\d\d$/);
  assert.match(sent[users.quarter], /^Quarter starts in 15 minutes, 01:5\d$/);
  assert.match(sent[users.hour], /^After the change starts in 1 hour, 03:3\d$/, 'the wall time after the change');
  assert.match(sent[users.day], /^Tomorrow starts in 24 hours: Mon 29 Mar, \d\d:\d\d$/);
  assert.equal(sent[users.gap], 'Night run starts in 1 hour, 03:30', '02:30 does not exist that night: 03:30');
  assert.equal(sent[users.off], undefined, 'reminders turned off');
  assert.equal(sent[users.notYet], undefined, 'a quarter of an hour before is still to come');
  assert.equal(local(0).date, '2027-03-28');

  const rows = await d1(state, "SELECT event_id, telegram_id, day, status FROM notifications WHERE status = 'sent' ORDER BY telegram_id");
  assert.deepEqual(rows.map((r) => r.telegram_id), [users.atStart, users.quarter, users.hour, users.day, users.gap]);
  assert.equal(rows.find((r) => r.event_id === 5).day, '2027-03-28', 'keyed by the occurrence');

  await runCron();
  assert.equal(fake.callsTo('sendMessage').length, 5, 'a second run sends nothing twice');
});
