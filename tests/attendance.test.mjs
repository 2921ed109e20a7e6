// Attending and leaving: idempotent, stored in D1, broadcast to every
// logged-in socket with each receiver's own `attending`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, d1, eventsSql, prepareDb, removeState, seedFields, tempState, user } from './helpers.mjs';

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([
    { id: 1, title: 'Climbing', start: '18:00' },
    { id: 2, title: 'Choir', start: '20:00' },
    { id: 3, title: 'Chess', start: '10:00' },
  ]));
  worker = await Worker.start({ persistTo: state });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

async function attendees(eventId) {
  const rows = await d1(state, `SELECT telegram_id FROM attendance WHERE event_id = ${eventId} ORDER BY telegram_id`);
  return rows.map((r) => r.telegram_id);
}

test('two users see each other attend and leave, each with their own attending', async () => {
  const alice = await Client.login(worker, user({ first: 'Alice' }));
  const bob = await Client.login(worker, user({ first: 'Bob' }));
  const idle = await Client.open(worker); // not logged in: gets no broadcasts

  alice.send({ type: 'attend', event: 1 });
  const toAlice = await alice.next();
  const toBob = await bob.next();
  assert.deepEqual(
    seedFields(toAlice),
    { type: 'event', id: 1, title: 'Climbing', description: '', image: '', start: '18:00', duration: 1, attending: true, attendees: 1 },
  );
  assert.equal(toAlice.repeat, 'daily', 'an event from before dates is a daily one');
  assert.equal(toBob.id, 1);
  assert.equal(toBob.attending, false);
  assert.equal(toBob.attendees, 1);

  bob.send({ type: 'attend', event: '1' });
  assert.deepEqual([(await alice.next()).attending, (await bob.next()).attending], [true, true]);

  alice.send({ type: 'leave', event: 1 });
  const [a, b] = [await alice.next(), await bob.next()];
  assert.deepEqual([a.attending, a.attendees], [false, 1]);
  assert.deepEqual([b.attending, b.attendees], [true, 1]);

  assert.deepEqual(await attendees(1), [bob.user.id]);
  assert.deepEqual(await idle.drain(200), []);
  for (const c of [alice, bob, idle]) c.close();
});

test('attending twice or leaving what you do not attend broadcasts nothing', async () => {
  const carol = await Client.login(worker, user({ first: 'Carol' }));
  const watcher = await Client.login(worker, user({ first: 'Watcher' }));
  carol.send({ type: 'attend', event: 2 });
  assert.equal((await carol.next()).attendees, 1);
  assert.equal((await watcher.next()).attendees, 1);

  carol.send({ type: 'attend', event: 2 });
  carol.send({ type: 'leave', event: 3 });
  assert.deepEqual(await carol.drain(400), []);
  assert.deepEqual(await watcher.drain(0), []);
  assert.deepEqual(await attendees(2), [carol.user.id]);
  carol.close();
  watcher.close();
});

test('a quick attend, leave, attend ends as the user last asked, in memory and in D1', async () => {
  const dave = await Client.login(worker, user({ first: 'Dave' }));
  for (const type of ['attend', 'leave', 'attend', 'leave', 'attend']) dave.send({ type, event: 3 });
  const seen = [];
  for (let i = 0; i < 5; i++) seen.push((await dave.next()).attending);
  assert.deepEqual(seen, [true, false, true, false, true]);
  assert.deepEqual(await attendees(3), [dave.user.id]);

  const fresh = await Client.login(worker, dave.user);
  const chess = fresh.login.events.find((e) => e.id === 3);
  assert.deepEqual([chess.attending, chess.attendees], [true, 1]);
  dave.close();
  fresh.close();
});

test('a second socket of the same user gets attending true too', async () => {
  const erin = user({ first: 'Erin' });
  const phone = await Client.login(worker, erin);
  const desktop = await Client.login(worker, erin);
  phone.send({ type: 'attend', event: 1 });
  assert.equal((await phone.next()).attending, true);
  assert.equal((await desktop.next()).attending, true);
  phone.close();
  desktop.close();
});

test('a failed D1 write gets internal, changes nothing, and the next message works', async () => {
  const frank = await Client.login(worker, user({ first: 'Frank' }));
  const watcher = await Client.login(worker, user({ first: 'Watcher' }));
  const countBefore = frank.login.events.find((e) => e.id === 2).attendees;

  await d1(state, 'ALTER TABLE attendance RENAME TO attendance_away;');
  try {
    const error = await frank.error({ type: 'attend', event: 2 });
    assert.deepEqual(error, { type: 'error', msg: 'Internal server error', code: 'internal' });
    assert.deepEqual(await watcher.drain(300), [], 'nothing was broadcast');
  } finally {
    await d1(state, 'ALTER TABLE attendance_away RENAME TO attendance;');
  }

  const again = await Client.login(worker, user({ first: 'Late' }));
  assert.equal(again.login.events.find((e) => e.id === 2).attendees, countBefore, 'memory is unchanged');

  frank.send({ type: 'attend', event: 2 });
  const ok = await frank.next();
  assert.deepEqual([ok.attending, ok.attendees], [true, countBefore + 1]);
  for (const c of [frank, watcher, again]) c.close();
});

test('a user attends and leaves only as themself, whatever ids the message carries', async () => {
  const mallory = await Client.login(worker, user({ first: 'Mallory' }));
  const victim = await Client.login(worker, user({ first: 'Victim' }));
  const forged = { telegram_id: victim.user.id, user: { id: victim.user.id }, user_id: victim.user.id };

  mallory.send({ type: 'attend', event: 2, ...forged });
  assert.equal((await mallory.next()).attending, true, 'the sender attends');
  assert.equal((await victim.next()).attending, false, 'the victim does not');
  assert.ok((await attendees(2)).includes(mallory.user.id));
  assert.ok(!(await attendees(2)).includes(victim.user.id));

  victim.send({ type: 'attend', event: 2 });
  await victim.next();
  await mallory.next();
  mallory.send({ type: 'leave', event: 2, ...forged });
  assert.equal((await mallory.next()).attending, false);
  assert.equal((await victim.next()).attending, true, 'the victim still attends');
  assert.ok((await attendees(2)).includes(victim.user.id));
  mallory.close();
  victim.close();
});
