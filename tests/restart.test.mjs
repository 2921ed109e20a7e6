// A restart in the middle of load: `wrangler dev` is killed (SIGKILL, no
// goodbye) while 20 clients attend and leave. Every change any client saw
// broadcast must be in D1 afterwards, and after the restart the object
// reloads the catalog from D1, so every client that logs in again sees
// exactly the stored state.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, d1, eventsSql, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';

const CLIENTS = 20;
const EVENTS = 4;
let state;
let worker;

after(async () => {
  await worker?.stop();
  await removeState(state);
});

/**
 * Drives one client: it toggles its own attendance on random events, one
 * change at a time, until its socket closes. `seen` gets every `event`
 * message it receives (its own view of each event); `pending` is the change
 * it has sent and not yet seen confirmed.
 */
function drive(client, counts) {
  const seen = new Map(client.login.events.map((e) => [e.id, e]));
  const driver = { client, seen, pending: null };
  let confirm = null;
  client.ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === 'error') counts.errors.push(message.code);
    if (message.type !== 'event') return;
    seen.set(message.id, message);
    counts.broadcasts += 1;
    const { pending } = driver;
    if (pending && message.id === pending.event && message.attending === pending.attending) confirm?.();
  });
  // The listener above takes every message from here on.
  client.inbox.length = 0;
  client.next = () => new Promise(() => {});

  driver.done = (async () => {
    while (client.ws.readyState === client.ws.OPEN) {
      const event = 1 + Math.floor(Math.random() * EVENTS);
      const attending = !seen.get(event).attending;
      driver.pending = { event, attending };
      const confirmed = new Promise((resolve) => { confirm = resolve; });
      client.send({ type: attending ? 'attend' : 'leave', event });
      counts.sent += 1;
      counts.afterSend?.();
      const outcome = await Promise.race([confirmed.then(() => 'ok'), client.closed.then(() => 'closed')]);
      if (outcome === 'closed') return;
      counts.confirmed += 1;
      driver.pending = null;
      await sleep(100 + Math.random() * 100); // about 6 a second, under the rate limit
    }
  })();
  return driver;
}

test('killed under load: every change a client saw is in D1, and logins after the restart see D1', async () => {
  state = await tempState();
  await prepareDb(state, eventsSql(Array.from({ length: EVENTS }, (_, i) => ({ id: i + 1, title: `Busy ${i + 1}`, start: `0${i}:30` }))));
  worker = await Worker.start({ persistTo: state });
  const port = worker.port;

  const people = Array.from({ length: CLIENTS }, () => user());
  const counts = { sent: 0, confirmed: 0, broadcasts: 0, errors: [] };
  const drivers = [];
  for (const who of people) drivers.push(drive(await Client.login(worker, who), counts));

  await sleep(4000);
  // Kill right after some client has sent a change, so at least one is in
  // flight at the moment of the crash.
  const killed = new Promise((resolve) => {
    counts.afterSend = () => {
      counts.afterSend = null;
      resolve(worker.kill());
    };
  });
  await killed;
  await Promise.all(drivers.map((d) => d.done));
  const inFlight = drivers.filter((d) => d.pending).length;

  const rows = await d1(state, 'SELECT event_id, telegram_id FROM attendance');
  const stored = new Map(Array.from({ length: EVENTS }, (_, i) => [i + 1, new Set()]));
  for (const row of rows) stored.get(row.event_id).add(row.telegram_id);

  // What each client last saw of its own attendance is what D1 holds; only
  // the change it had in flight when the worker died may have gone either way.
  let lost = 0;
  for (const { client, seen, pending } of drivers) {
    for (const [id, view] of seen) {
      const inD1 = stored.get(id).has(client.user.id);
      if (inD1 !== view.attending && pending?.event !== id) lost += 1;
    }
  }
  console.log(`restart: ${counts.sent} changes sent, ${counts.confirmed} confirmed, ${counts.broadcasts} broadcasts seen, ${inFlight} in flight at the kill, ${lost} lost`);
  assert.equal(lost, 0, 'no change that was broadcast is missing from D1');
  assert.deepEqual(counts.errors, [], 'no change was refused');
  assert.ok(counts.confirmed >= CLIENTS * 5, `enough load before the kill (${counts.confirmed})`);
  assert.ok(inFlight >= 1, 'the kill came with a change in flight');

  worker = await Worker.start({ persistTo: state, port });
  for (const who of people) {
    const again = await Client.login(worker, who);
    for (const event of again.login.events) {
      assert.equal(event.attendees, stored.get(event.id).size, `event ${event.id}: count after the restart`);
      assert.equal(event.attending, stored.get(event.id).has(who.id), `event ${event.id}: own attendance after the restart`);
    }
    again.close();
  }
});
