// Limits: the per-socket rate limit (and closing on sustained abuse),
// sockets per user, and ALLOWED_ORIGINS on /ws.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { Client, Worker, eventsSql, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([{ id: 1, title: 'Only event', start: '10:00' }]));
  worker = await Worker.start({
    persistTo: state,
    vars: { ALLOWED_ORIGINS: 'https://allowed.example' },
  });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

test('a burst over the rate limit gets rate_limited, and the socket recovers', async () => {
  const client = await Client.login(worker, user());
  for (let i = 0; i < 30; i++) client.send({ type: 'leave', event: 999 });
  const replies = [];
  for (let i = 0; i < 30; i++) replies.push((await client.next()).code);
  // The burst is 20 and the login took one; replies may interleave, since
  // refusals do not wait for the user's turn.
  const served = replies.filter((code) => code === 'no_such_event').length;
  const limited = replies.filter((code) => code === 'rate_limited').length;
  assert.equal(served + limited, 30);
  assert.ok(served >= 19 && served <= 21, `about the burst was served (${served})`);
  await sleep(1200); // the bucket refills at 10 a second
  assert.equal((await client.error({ type: 'leave', event: 999 })).code, 'no_such_event');
  client.close();
});

test('sustained abuse closes the socket with 1008', async () => {
  const client = await Client.login(worker, user());
  for (let i = 0; i < 200; i++) client.send({ type: 'leave', event: 999 });
  const { code, reason } = await client.closed;
  assert.equal(code, 1008);
  assert.match(reason, /too many messages/);
});

test('a user may have at most 10 sockets logged in', async () => {
  const who = user();
  const sockets = [];
  for (let i = 0; i < 10; i++) sockets.push(await Client.login(worker, who));
  const eleventh = await Client.open(worker);
  eleventh.send({ type: 'login', data: who.initData });
  assert.deepEqual(await eleventh.next(), { type: 'disconnect' });
  assert.match((await eleventh.closed).reason, /too many connections/);

  sockets.pop().close();
  await sleep(300);
  const again = await Client.login(worker, who);
  assert.equal(again.login.welcome.type, 'welcome', 'a freed slot can be used');
  for (const s of [...sockets, again]) s.close();
});

async function handshake(origin) {
  const headers = origin ? { Origin: origin } : {};
  const ws = new WebSocket(worker.wsUrl, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_, response) => resolve(response.statusCode));
    ws.once('error', () => resolve('error'));
  });
}

test('ALLOWED_ORIGINS: our own origin, listed origins and non-browsers may open /ws', async () => {
  assert.equal(await handshake('https://evil.example'), 403);
  assert.equal(await handshake('https://allowed.example'), 101);
  assert.equal(await handshake(worker.url), 101);
  assert.equal(await handshake(null), 101);
});
