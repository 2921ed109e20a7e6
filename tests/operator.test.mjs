// The operator commands (scripts/admin.mjs, `npm run admin`): event changes
// through the running Worker as an admin, seen at once by connected
// clients; grants, revokes and the user list in the local D1.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client, ROOT, TOKEN, Worker, d1, makePng, prepareDb, removeState, tempState, user } from './helpers.mjs';

const run = promisify(execFile);
const OPERATOR = 7_000_000_000;
const GRANTED = 7_000_000_001;
const REVOKED = 7_000_000_002;

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(OPERATOR) } });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

/** Runs an operator command against the test's Worker and D1; returns { code, stdout, stderr }. */
async function admin(...args) {
  const options = ['--persist-to', state, '--url', worker.url, '--as', String(OPERATOR)];
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'scripts', 'admin.mjs'), ...options, ...args], {
      cwd: ROOT, env: { ...process.env, BOT_TOKEN: TOKEN },
    });
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

test('listings never print control characters (stored text cannot drive the terminal)', async () => {
  // Written straight to D1, past the Worker's own cleaning.
  await d1(state, "INSERT INTO users (telegram_id, name) VALUES (7000000009, 'Eve' || char(27) || ']0;pwned' || char(7) || char(27) || '[2J');");
  const { stdout } = await admin('users');
  const line = stdout.split('\n').find((l) => l.startsWith('7000000009'));
  assert.ok(line.includes('Eve\\x1b]0;pwned\\x07\\x1b[2J'), line);
  // eslint-disable-next-line no-control-regex -- looking for them is the point
  assert.doesNotMatch(stdout, /[\u0000-\u0009\u000b-\u001f\u007f]/);
});

test('add-event goes through the Worker: a connected client sees it at once, with its image', async () => {
  const watcher = await Client.login(worker, user());
  const file = join(state, 'cover.png');
  await writeFile(file, png);
  const added = await admin('add-event', '--title', "Sam's BBQ", '--start', '8:15', '--duration', '2.5', '--description', 'Grill & chill', '--image', file);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Added event \d+: Sam's BBQ at 08:15 daily with image http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]+\.png/);

  const event = await watcher.next();
  assert.deepEqual(
    [event.type, event.title, event.description, event.start, event.duration],
    ['event', "Sam's BBQ", 'Grill & chill', '08:15', 2.5],
  );
  const response = await fetch(event.image);
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await response.arrayBuffer()).equals(png));

  const { stdout } = await admin('events');
  assert.match(stdout, /08:15\s+daily\s+2\.5\s+Sam's BBQ\s+http\S+\.png\s+0/);
  watcher.close();
});

test('add-event takes --date, --repeat and --location', async () => {
  const watcher = await Client.login(worker, user());
  const added = await admin('add-event', '--title', 'Tuesday run', '--start', '18:00', '--duration', '1', '--date', '2027-03-02', '--repeat', 'weekly', '--location', 'Park gate');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Added event \d+: Tuesday run at 2027-03-02 18:00 \(weekly\)/);
  const event = await watcher.nextWhere((m) => m.title === 'Tuesday run');
  assert.deepEqual([event.repeat, event.location, event.date], ['weekly', 'Park gate', '2027-03-02']);
  const moved = await admin('edit-event', String(event.id), '--date', '2027-03-09');
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal((await watcher.nextWhere((m) => m.id === event.id)).date, '2027-03-09');
  const wrong = await admin('add-event', '--title', 'X', '--start', '10:00', '--duration', '1', '--date', '2027-02-30');
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /Invalid data: date must be a day on the calendar/);
  assert.equal((await admin('delete-event', String(event.id))).code, 0);
  watcher.close();
});

test("add-event refusals are the Worker's own, clear, and store nothing", async () => {
  const svg = join(state, 'evil.png');
  await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const cases = [
    [['--title', 'X', '--start', '25:00', '--duration', '1'], /Invalid data: start/],
    [['--title', '', '--start', '10:00', '--duration', '1'], /Invalid data: title/],
    [['--title', 'X', '--start', '10:00', '--duration', '0'], /Invalid data: duration/],
    [['--title', 'X', '--start', '10:00', '--duration', 'soon'], /Invalid data: duration/],
    [['--title', 'X', '--start', '10:00', '--duration', '1', '--image', svg], /Invalid data: image must be a PNG/],
  ];
  for (const [args, message] of cases) {
    const result = await admin('add-event', ...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  const rows = await d1(state, 'SELECT title FROM events');
  assert.deepEqual(rows.map((r) => r.title), ["Sam's BBQ"], 'still only the one event');
});

test('edit-event and delete-event reach connected clients at once', async () => {
  const watcher = await Client.login(worker, user());
  const [event] = watcher.login.events;
  const edited = await admin('edit-event', String(event.id), '--title', 'Sam\'s big BBQ', '--image', 'none');
  assert.equal(edited.code, 0, edited.stderr);
  const change = await watcher.next();
  assert.deepEqual([change.id, change.title, change.image, change.start], [event.id, "Sam's big BBQ", '', '08:15']);

  const missing = await admin('delete-event', '999');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /No such event/);

  const deleted = await admin('delete-event', String(event.id));
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(await watcher.next(), { type: 'delete-event', id: event.id });
  assert.deepEqual(await d1(state, 'SELECT id FROM events'), []);
  watcher.close();
});

test('the event commands refuse to act as someone who is not an admin', async () => {
  const { code, stderr } = await run('node', [join(ROOT, 'scripts', 'admin.mjs'), '--url', worker.url, '--as', '42', 'demo'], {
    cwd: ROOT, env: { ...process.env, BOT_TOKEN: TOKEN },
  }).then(() => ({ code: 0 }), (error) => error);
  assert.equal(code, 2);
  assert.match(stderr, /42 is not an admin/);
});

test('grants are seen at the next login', async () => {
  const granted = await Client.login(worker, user({ id: GRANTED }));
  const revoked = await Client.login(worker, user({ id: REVOKED }));
  assert.equal(granted.login.welcome.is_admin, true);
  assert.equal(revoked.login.welcome.is_admin, false);
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
