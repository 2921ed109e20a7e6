// The operator commands (scripts/admin.mjs, `npm run admin`) against the
// local database, then seen through a real `wrangler dev` on the same state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client, ROOT, Worker, d1, makePng, prepareDb, removeState, tempState, user } from './helpers.mjs';

const run = promisify(execFile);
const GRANTED = 7_000_000_001;
const REVOKED = 7_000_000_002;

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state);
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

/** Runs an operator command on the test's local state; returns { code, stdout, stderr }. */
async function admin(...args) {
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'scripts', 'admin.mjs'), '--persist-to', state, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

const png = makePng(20, [10, 160, 90]);

test('grant, revoke and users manage the admin flag in D1', async () => {
  assert.equal((await admin('grant', String(GRANTED))).code, 0);
  assert.equal((await admin('grant', String(REVOKED))).code, 0);
  assert.equal((await admin('revoke', String(REVOKED))).code, 0);
  const { stdout } = await admin('users');
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /telegram_id\s+name\s+username\s+admin/);
  assert.match(lines.find((l) => l.startsWith(String(GRANTED))), /\s1\s*$/);
  assert.match(lines.find((l) => l.startsWith(String(REVOKED))), /\s0\s*$/);

  const bad = await admin('grant', 'bob');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a Telegram user id/);
});

test('add-event stores an event with an image file, and events lists it', async () => {
  const file = join(state, 'cover.png');
  await writeFile(file, png);
  const added = await admin('add-event', '--title', "Sam's BBQ", '--start', '8:15', '--duration', '2.5', '--description', 'Grill & chill', '--image', file);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Added event \d+: Sam's BBQ at 08:15 with image \/media\/[0-9a-f]+\.png/);

  const { stdout } = await admin('events');
  assert.match(stdout, /08:15\s+2\.5\s+Sam's BBQ\s+\/media\/[0-9a-f]+\.png\s+0/);
});

test('add-event refuses bad input with a clear message and stores nothing', async () => {
  const svg = join(state, 'evil.png');
  await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const cases = [
    [['--title', 'X', '--start', '25:00', '--duration', '1'], /--start/],
    [['--title', '', '--start', '10:00', '--duration', '1'], /--title/],
    [['--title', 'X', '--start', '10:00', '--duration', '0'], /--duration/],
    [['--title', 'X', '--start', '10:00', '--duration', '1', '--image', svg], /not a PNG/],
  ];
  for (const [args, message] of cases) {
    const result = await admin('add-event', ...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  const { stdout } = await admin('events');
  assert.equal(stdout.trim().split('\n').length, 2, 'still only the header and one event');
});

test('clients see what the commands did once the hub loads the catalog', async () => {
  worker = await Worker.start({ persistTo: state });
  const granted = await Client.login(worker, user({ id: GRANTED }));
  const revoked = await Client.login(worker, user({ id: REVOKED }));
  assert.equal(granted.login.welcome.is_admin, true);
  assert.equal(revoked.login.welcome.is_admin, false);

  const [event] = granted.login.events;
  assert.deepEqual(
    [event.title, event.description, event.start, event.duration],
    ["Sam's BBQ", 'Grill & chill', '08:15', 2.5],
  );
  const response = await fetch(event.image);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await response.arrayBuffer()).equals(png));
  granted.close();
  revoked.close();
});

test('an admin revoked while connected is refused from the next admin message on', async () => {
  const holder = await Client.login(worker, user({ id: GRANTED }));
  const watcher = await Client.login(worker, user());
  assert.equal(holder.login.welcome.is_admin, true);

  holder.send({ type: 'create-event', title: 'Before revoke', start: '18:00', duration: 1 });
  const created = await watcher.next();
  assert.equal(created.title, 'Before revoke');
  await holder.drain();

  assert.equal((await admin('revoke', String(GRANTED))).code, 0);
  const attempts = [
    { type: 'create-event', title: 'After revoke', start: '19:00', duration: 1 },
    { type: 'edit-event', id: created.id, title: 'Renamed after revoke' },
    { type: 'delete-event', id: created.id },
  ];
  for (const attempt of attempts) {
    assert.equal((await holder.error(attempt)).code, 'forbidden', attempt.type);
  }
  assert.deepEqual(await watcher.drain(), [], 'nobody heard of a change');
  const rows = await d1(state, `SELECT title FROM events WHERE title LIKE '%revoke%' ORDER BY id`);
  assert.deepEqual(rows.map((r) => r.title), ['Before revoke']);

  const again = await Client.login(worker, user({ id: GRANTED }));
  assert.equal(again.login.welcome.is_admin, false, 'a new login is not an admin either');
  for (const c of [holder, watcher, again]) c.close();
});
