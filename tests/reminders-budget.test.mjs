// A cron run that cannot send every reminder within its budget of Bot API
// calls (REMINDERS_PER_RUN) leaves the rest to the next run, which goes on
// where it stopped: everyone gets exactly one message.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { Worker, d1, prepareDb, removeState, tempState } from './helpers.mjs';
import { startFakeTelegram } from './fake-telegram.mjs';

let state;
let worker;
let fake;

after(async () => {
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

test('the next run continues where a run out of budget stopped', async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  const start = new Date().toISOString().slice(11, 16);
  const people = [1, 2, 3, 4, 5].map((n) => 8_000_000_000 + n);
  await prepareDb(state, `
    INSERT INTO events (id, title, start, duration) VALUES (1, 'Big party', '${start}', 3);
    INSERT INTO attendance (event_id, telegram_id) VALUES ${people.map((p) => `(1, ${p})`).join(', ')};`);
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: { TELEGRAM_API: fake.url, TIMEZONE: 'UTC', REMINDERS_PER_RUN: '2' },
  });

  const sentTo = () => fake.callsTo('sendMessage').map((c) => c.body.chat_id);
  const counts = [];
  for (let run = 0; run < 4; run++) {
    const response = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
    await response.text();
    counts.push(sentTo().length);
  }
  assert.deepEqual(counts, [2, 4, 5, 5]);
  assert.deepEqual([...sentTo()].sort(), people.map(Number).sort());
  const statuses = await d1(state, "SELECT status, COUNT(*) AS n FROM notifications GROUP BY status");
  assert.deepEqual(statuses, [{ status: 'sent', n: 5 }]);
});
