// Announcement storms: changes to one event within BROADCAST_WINDOW_MS are
// merged into one broadcast at the window's end, the tapping users get
// their own results at once, and every viewer ends with the stored state.
// (Speed is measured by `bench storm`, not here.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, d1, eventsSql, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';

const ADMIN_ID = 5_000_000_321;
const WINDOW_MS = 400;
let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([
    { id: 1, title: 'Announced', start: '18:00' },
    { id: 2, title: 'Quiet', start: '19:00' },
    { id: 3, title: 'Doomed', start: '20:00' },
  ]));
  // A window long enough that a change sent right after the one that
  // opened it surely lands inside it.
  worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(ADMIN_ID), BROADCAST_WINDOW_MS: String(WINDOW_MS) } });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

async function viewers(n) {
  return Promise.all(Array.from({ length: n }, () => Client.login(worker, user())));
}

async function storedCount(event) {
  const [row] = await d1(state, `SELECT COUNT(*) AS n FROM attendance WHERE event_id = ${event}`);
  return row.n;
}

/** Each tapper sends its taps (attend, leave, attend, ...) in a burst, all at once. */
function burst(tappers, event, taps) {
  for (let i = 0; i < taps; i++) {
    for (const tapper of tappers) tapper.send({ type: i % 2 ? 'leave' : 'attend', event });
  }
}

test('a burst of 50 changes from 10 users reaches 20 viewers merged, and all end with the stored count', async () => {
  const watching = await viewers(20);
  const tappers = await viewers(10);
  burst(tappers, 1, 5); // 50 changes; each tapper ends attending
  await sleep(1000);
  const stored = await storedCount(1);
  assert.equal(stored, 10);
  for (const tapper of tappers) {
    const own = (await tapper.drain(0)).filter((m) => m.type === 'event' && m.id === 1);
    assert.ok(own.length >= 1);
    assert.deepEqual([own.at(-1).attending, own.at(-1).attendees], [true, stored], 'its last word, and the stored count');
  }
  for (const viewer of watching) {
    const frames = (await viewer.drain(0)).filter((m) => m.type === 'event' && m.id === 1);
    assert.ok(frames.length > 0, 'the viewer heard of the storm');
    assert.ok(frames.length < 50, `fewer frames than changes (${frames.length})`);
    assert.equal(frames.at(-1).attendees, stored, 'ends with the stored count');
    const counts = frames.map((f) => f.attendees);
    assert.ok(counts.every((c) => c >= 0 && c <= 10), `${counts}`);
  }
  const fresh = await Client.login(worker, user());
  assert.equal(fresh.login.events.find((e) => e.id === 1).attendees, stored);
  for (const c of [...watching, ...tappers, fresh]) c.close();
});

test('a lone change after a quiet spell reaches every viewer at once', async () => {
  const watching = await viewers(20);
  const actor = await Client.login(worker, user());
  await sleep(200); // quiet: no change to event 2 in the window
  const sent = Date.now();
  actor.send({ type: 'attend', event: 2 });
  const seen = await Promise.all(watching.map((v) => v.nextWhere((m) => m.type === 'event' && m.id === 2)));
  assert.ok(seen.every((m) => m.attendees === 1 && m.attending === false));
  assert.ok(Date.now() - sent < 2000);
  // Sent at once, not at a window's end: nothing more follows, even past
  // the end of the window it opened.
  await sleep(2 * WINDOW_MS);
  for (const viewer of watching) {
    assert.deepEqual((await viewer.drain(0)).filter((m) => m.type === 'event'), [], 'one frame for one change');
  }
  for (const c of [...watching, actor]) c.close();
});

test('a delete during a burst leaves no stale event after the delete-event', async () => {
  const watching = await viewers(10);
  const tappers = await viewers(5);
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  burst(tappers, 3, 6);
  // The first change opened the window; the first tapper's own result
  // says it was made, and the delete follows well inside the window.
  await tappers[0].nextWhere((m) => m.type === 'event' && m.id === 3);
  admin.send({ type: 'delete-event', id: 3 });
  await admin.nextWhere((m) => m.type === 'delete-event' && m.id === 3);
  // Past the end of the window the storm opened: a merge still pending
  // would have gone out by then.
  await sleep(2 * WINDOW_MS);
  for (const viewer of watching) {
    const messages = (await viewer.drain(0)).filter((m) => m.id === 3);
    const deleted = messages.findIndex((m) => m.type === 'delete-event');
    assert.ok(deleted >= 0, 'the delete reached the viewer');
    assert.deepEqual(messages.slice(deleted + 1), [], 'nothing of the event after its delete-event');
  }
  assert.equal(await storedCount(3), 0);
  const fresh = await Client.login(worker, user());
  assert.equal(fresh.login.events.some((e) => e.id === 3), false);
  for (const c of [...watching, ...tappers, admin, fresh]) c.close();
});
