// Faults: sockets that vanish while a change is being broadcast, and what
// error responses give away. (A failing D1 write is in attendance.test.mjs,
// a crash under load in restart.test.mjs.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import {
  Client, TOKEN, Worker, eventsSql, prepareDb, removeState, tempState, user,
} from './helpers.mjs';

const SECRET = 'webhook-secret-for-the-fault-test';

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, eventsSql([{ id: 1, title: 'Steady', start: '12:00' }]));
  worker = await Worker.start({
    persistTo: state,
    vars: { WEBHOOK_SECRET: SECRET, ALLOWED_ORIGINS: 'https://allowed.example' },
  });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

test('sockets that vanish mid-broadcast affect neither the sender nor the others', async () => {
  const sender = await Client.login(worker, user({ first: 'Sender' }));
  const stayers = [];
  for (let i = 0; i < 4; i++) stayers.push(await Client.login(worker, user()));
  const leavers = [];
  for (let i = 0; i < 10; i++) leavers.push(await Client.login(worker, user()));

  let attending = false;
  for (const leaver of leavers) {
    // Gone without a close frame, the way a phone drops off the network:
    // the hub learns of it only later, so the broadcast still tries it.
    leaver.ws.terminate();
    attending = !attending;
    sender.send({ type: attending ? 'attend' : 'leave', event: 1 });
    const own = await sender.next();
    assert.deepEqual([own.id, own.attending, own.attendees], [1, attending, attending ? 1 : 0]);
    for (const stayer of stayers) {
      const seen = await stayer.next();
      assert.deepEqual([seen.id, seen.attending, seen.attendees], [1, false, attending ? 1 : 0]);
    }
  }
  assert.deepEqual(await sender.drain(), [], 'the sender got nothing else (no error)');

  const fresh = await Client.login(worker, user());
  assert.equal(fresh.login.events.find((e) => e.id === 1).attendees, attending ? 1 : 0);
  for (const c of [sender, ...stayers, fresh]) c.close();
});

/** Text that would give away internals or secrets. */
const LEAKS = [/\bat \S+ \(/, /\.rs:\d+/, /panicked/i, /\bstack\b/i, /Error:/, /wasm/i, /D1_|SQLITE/i];

async function checkPlain(response, expected, what) {
  const body = await response.text();
  assert.equal(response.status, expected, `${what}: status`);
  assert.ok(body.length < 200, `${what}: a short body (${body.length} bytes)`);
  for (const leak of LEAKS) assert.doesNotMatch(body, leak, what);
  const everything = body + JSON.stringify([...response.headers]);
  for (const secret of [TOKEN, TOKEN.split(':')[1], SECRET]) {
    assert.ok(!everything.includes(secret), `${what}: no secret`);
  }
}

function upgradeStatus(origin) {
  return new Promise((resolve) => {
    const ws = new WebSocket(worker.wsUrl, { headers: { Origin: origin } });
    ws.once('open', () => { ws.close(); resolve({ status: 101, body: '' }); });
    ws.once('unexpected-response', (_, response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    ws.once('error', () => resolve({ status: 'error', body: '' }));
  });
}

test('error responses are plain: no stack traces, no internals, no secrets', async () => {
  const at = (path, init) => fetch(`${worker.url}${path}`, init);
  await checkPlain(await at('/no/such/page'), 404, 'unknown path');
  await checkPlain(await at('/ws'), 426, '/ws without an upgrade');
  await checkPlain(await at('/__counters'), 404, 'counters when not enabled');
  await checkPlain(await at('/media/nothing-here.png'), 404, 'unknown media');
  await checkPlain(await at('/media/abc.png', { method: 'POST' }), 405, 'media POST');
  await checkPlain(await at('/telegram/webhook', { method: 'POST', body: '{}' }), 401, 'webhook without the secret');
  await checkPlain(
    await at('/telegram/webhook', { method: 'POST', body: '{}', headers: { 'X-Telegram-Bot-Api-Secret-Token': 'guess' } }),
    401,
    'webhook with a wrong secret',
  );
  const refused = await upgradeStatus('https://evil.example');
  assert.equal(refused.status, 403);
  for (const leak of LEAKS) assert.doesNotMatch(refused.body, leak, 'refused origin');
});
