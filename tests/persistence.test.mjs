// D1 is the system of record: stop `wrangler dev`, start it again on the
// same state, and every attendance is still there.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, eventsSql, prepareDb, removeState, tempState, user } from './helpers.mjs';

let state;
let worker;

after(async () => {
  await worker?.stop();
  await removeState(state);
});

test('attendance survives a restart of wrangler dev', async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([
    { id: 1, title: 'Swim', start: '07:00' },
    { id: 2, title: 'Dance', start: '21:00' },
  ]));
  worker = await Worker.start({ persistTo: state });

  const people = [user(), user(), user()];
  const plan = [[0, 1], [1, 1], [2, 1], [2, 2], [1, 2]];
  for (const who of people) {
    const client = await Client.login(worker, who);
    for (const [index, event] of plan) {
      if (people[index] !== who) continue;
      client.send({ type: 'attend', event });
      const seen = await client.next();
      assert.deepEqual([seen.id, seen.attending], [event, true]);
    }
    client.close();
  }
  // One leave too, so a removal must survive as well.
  const leaver = await Client.login(worker, people[1]);
  leaver.send({ type: 'leave', event: 2 });
  assert.equal((await leaver.next()).attending, false);
  leaver.close();

  await worker.stop();
  worker = await Worker.start({ persistTo: state });

  const expected = { 0: [1], 1: [1], 2: [1, 2] };
  for (const [index, who] of people.entries()) {
    const client = await Client.login(worker, who);
    const counts = Object.fromEntries(client.login.events.map((e) => [e.id, e.attendees]));
    assert.deepEqual(counts, { 1: 3, 2: 1 });
    const mine = client.login.events.filter((e) => e.attending).map((e) => e.id).sort();
    assert.deepEqual(mine, expected[index]);
    client.close();
  }
});
