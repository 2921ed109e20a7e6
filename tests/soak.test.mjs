// Soak: 50 clients attend and leave at random for 20 s. Afterwards every
// client's last view, the D1 tables and a fresh login agree exactly.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, d1, eventsSql, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';

const CLIENTS = 50;
const EVENTS = 5;
const SECONDS = 20;
let state;
let worker;

after(async () => {
  await worker?.stop();
  await removeState(state);
});

test('50 clients for 20 s: every view, D1 and a fresh login agree', async () => {
  state = await tempState();
  await prepareDb(state, eventsSql(Array.from({ length: EVENTS }, (_, i) => ({ id: i + 1, title: `Soak ${i + 1}`, start: `1${i}:00` }))));
  worker = await Worker.start({ persistTo: state });

  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await Client.login(worker, user()));
  // Each client's view: event id -> { attending, attendees }, from its login on.
  const views = clients.map((client) => new Map(client.login.events.map((e) => [e.id, e])));
  const errors = [];
  let received = 0;
  clients.forEach((client, i) => {
    client.ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'event') {
        views[i].set(message.id, message);
        received += 1;
      } else if (message.type === 'error') {
        errors.push(message.code);
      }
    });
    client.inbox.length = 0;
    client.waiters.length = 0;
    client.next = () => new Promise(() => {}); // the listener above takes everything
  });

  let sent = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(clients.map(async (client) => {
    while (Date.now() < until) {
      const event = 1 + Math.floor(Math.random() * EVENTS);
      client.send({ type: Math.random() < 0.5 ? 'attend' : 'leave', event });
      sent += 1;
      await sleep(250 + Math.random() * 500); // about 2 a second each, well under the rate limit
    }
  }));
  await sleep(2000); // let the last broadcasts arrive

  const rows = await d1(state, 'SELECT event_id, telegram_id FROM attendance ORDER BY event_id, telegram_id');
  const stored = new Map(Array.from({ length: EVENTS }, (_, i) => [i + 1, new Set()]));
  for (const row of rows) stored.get(row.event_id).add(row.telegram_id);

  let mismatches = 0;
  clients.forEach((client, i) => {
    for (let id = 1; id <= EVENTS; id++) {
      const view = views[i].get(id);
      if (view.attendees !== stored.get(id).size || view.attending !== stored.get(id).has(client.user.id)) mismatches += 1;
    }
  });
  const fresh = await Client.login(worker, user());
  for (const event of fresh.login.events) {
    assert.equal(event.attendees, stored.get(event.id).size, `fresh login, event ${event.id}`);
  }
  console.log(`soak: ${sent} messages sent, ${received} broadcasts received, ${errors.length} errors, ${mismatches} mismatches`);
  assert.deepEqual(errors, [], 'no message was refused');
  assert.equal(mismatches, 0, 'every client ends with the stored state');
  assert.ok(sent > CLIENTS * SECONDS, `enough load (${sent})`);
  for (const client of [...clients, fresh]) client.close();
});
