// The Durable Object is rebuilt while sockets stay open (hibernation: after
// about ten idle seconds locally, as on Cloudflare). The rebuilt object
// must know every socket and its user again, reload the catalog from D1, and
// from then on serve everyone exactly what D1 holds.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, d1, eventsSql, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';

let state;
let worker;

after(async () => {
  await worker?.stop();
  await removeState(state);
});

async function counters() {
  return (await fetch(`${worker.url}/__counters`)).json();
}

test('after the object is rebuilt, sockets stay, and the catalog comes back from D1', async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([{ id: 1, title: 'Before', start: '10:00' }]));
  worker = await Worker.start({ persistTo: state, vars: { DEBUG_COUNTERS: '1' } });

  const anna = await Client.login(worker, user({ first: 'Anna' }));
  const ben = await Client.login(worker, user({ first: 'Ben' }));
  assert.equal((await counters()).catalog_loaded, true);

  // Changes made behind the object's back (as the operator commands do):
  // a new event, and someone else's attendance.
  const other = 5_999_999_001;
  // Same start as event 1, so the listing order is (1, 2) at any time of day.
  await d1(state, `${eventsSql([{ id: 2, title: 'Added meanwhile', start: '10:00' }])}
    INSERT INTO attendance (event_id, telegram_id) VALUES (1, ${other});`);

  // Idle until the runtime has rebuilt the object (no catalog in memory).
  // Each look at the counters is a request that keeps the object awake, so
  // look seldom.
  let rebuilt = false;
  for (let tries = 0; tries < 4 && !rebuilt; tries += 1) {
    await sleep(15_000);
    rebuilt = (await counters()).catalog_loaded === false;
  }
  assert.ok(rebuilt, 'the object was rebuilt while the sockets stayed open');
  const { sockets, logged_in: loggedIn } = await counters();
  assert.deepEqual([sockets, loggedIn], [2, 2], 'it knows both sockets and that they logged in');

  anna.send({ type: 'attend', event: 1 });
  const own = await anna.next();
  const heard = await ben.next();
  assert.deepEqual([own.id, own.attending, own.attendees], [1, true, 2], 'the count includes the attendance stored meanwhile');
  assert.deepEqual([heard.id, heard.attending, heard.attendees], [1, false, 2]);

  const fresh = await Client.login(worker, user());
  const seen = fresh.login.events.map((e) => [e.id, e.title, e.attendees]);
  const stored = await d1(state, `SELECT e.id, e.title, COUNT(a.telegram_id) AS n FROM events e
    LEFT JOIN attendance a ON a.event_id = e.id GROUP BY e.id ORDER BY e.id`);
  assert.deepEqual(seen, stored.map((r) => [r.id, r.title, r.n]));
  assert.deepEqual(seen, [[1, 'Before', 2], [2, 'Added meanwhile', 0]]);
  for (const c of [anna, ben, fresh]) c.close();
});

test('after a storm of merged changes, the idle hub still hibernates', async () => {
  const tappers = await Promise.all(Array.from({ length: 5 }, () => Client.login(worker, user())));
  const viewer = await Client.login(worker, user());
  for (let i = 0; i < 4; i++) {
    for (const tapper of tappers) tapper.send({ type: i % 2 ? 'leave' : 'attend', event: 2 });
  }
  await sleep(1000);
  const frames = (await viewer.drain(0)).filter((m) => m.type === 'event' && m.id === 2);
  assert.ok(frames.length > 0 && frames.length < 20, `merged (${frames.length} frames for 20 changes)`);
  assert.equal(frames.at(-1).attendees, 0);
  // No merge is left waiting: the object goes idle and is rebuilt.
  let rebuilt = false;
  for (let tries = 0; tries < 4 && !rebuilt; tries += 1) {
    await sleep(15_000);
    rebuilt = (await counters()).catalog_loaded === false;
  }
  assert.ok(rebuilt, 'the hub hibernated after the storm');
  for (const c of [...tappers, viewer]) c.close();
});
