// Limits: the per-socket rate limit (and closing on sustained abuse),
// sockets per user, the login timeout, and ALLOWED_ORIGINS on /ws.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { Client, Worker, eventsSql, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';

const LOGIN_TIMEOUT = 2; // seconds, instead of the default 30

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([{ id: 1, title: 'Only event', start: '10:00' }]));
  worker = await Worker.start({
    persistTo: state,
    vars: { ALLOWED_ORIGINS: 'https://allowed.example', LOGIN_TIMEOUT_SECONDS: String(LOGIN_TIMEOUT) },
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

/**
 * Waits up to `ms` for `client` to get the server's close frame (its socket
 * leaves OPEN then; the TCP connection may end later); true if it did.
 */
async function closeFrameWithin(client, ms) {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) {
    if (client.ws.readyState !== WebSocket.OPEN) return true;
  }
  return client.ws.readyState !== WebSocket.OPEN;
}

test('sockets that do not log in in time are closed with 1008; logged-in ones stay', async () => {
  const silent = await Client.open(worker);
  const chatty = await Client.open(worker); // talks, but never logs in
  assert.equal((await chatty.error({ type: 'attend', event: 1 })).code, 'login_required');
  const member = await Client.login(worker, user());
  await sleep(LOGIN_TIMEOUT * 500);
  const late = await Client.open(worker); // its deadline comes after the first alarm
  assert.equal(silent.ws.readyState, WebSocket.OPEN, 'not closed before the timeout');

  const grace = LOGIN_TIMEOUT * 1000 + 5000;
  assert.ok(await closeFrameWithin(silent, grace), 'the silent socket is closed');
  assert.ok(await closeFrameWithin(chatty, 1000), 'the chatty socket is closed');
  assert.equal(late.ws.readyState, WebSocket.OPEN, 'a later socket has its own deadline');
  assert.ok(await closeFrameWithin(late, grace), 'the later socket is closed in its turn');
  for (const client of [silent, chatty, late]) {
    // The runtime may finish the TCP side a little later (seen: up to 10 s locally).
    const closed = await Promise.race([client.closed, sleep(30_000).then(() => 'still connected')]);
    assert.deepEqual(closed, { code: 1008, reason: 'login timeout' });
  }

  assert.equal(member.ws.readyState, WebSocket.OPEN, 'the logged-in socket stays');
  assert.equal((await member.error({ type: 'leave', event: 999 })).code, 'no_such_event');
  member.close();
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
