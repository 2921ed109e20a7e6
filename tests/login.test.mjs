// Logging in: initData checks, the welcome/event/events-loaded sequence,
// start_param, ping/pong and the error codes of the protocol.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  Client, Worker, d1, eventsSql, inListingOrder, prepareDb, removeState, seedFields, tempState, user,
} from './helpers.mjs';

const ADMIN_ID = 5_000_000_999;
const EVENTS = [
  { id: 1, title: 'Evening talk', description: 'Talks & <b>drinks</b>', start: '19:00', duration: 2 },
  { id: 2, title: 'Breakfast', start: '08:30', duration: 1.5, image: '/media/demo-key' },
  { id: 3, title: 'Lunch walk', start: '12:00', duration: 1, image: 'https://cdn.example/walk.png' },
  { id: 4, title: 'Also at noon', start: '12:00', duration: 1 },
];

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, `${eventsSql(EVENTS)}
    INSERT INTO attendance (event_id, telegram_id) VALUES (1, 7001), (1, 7002), (3, 7001);`);
  worker = await Worker.start({
    persistTo: state,
    vars: { ADMIN_IDS: `1, ${ADMIN_ID}`, AUTH_MAX_AGE_SECONDS: '3600' },
  });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

test('a valid login gets welcome, every event by its next occurrence, then events-loaded', async () => {
  const ada = user({ first: 'Ada', last: 'Lovelace', username: 'ada' });
  const client = await Client.login(worker, ada);
  const { welcome, events, selected } = client.login;

  const { calendar, calendar_event: eventCalendar, limits, language, languages, ...seedWelcome } = welcome;
  assert.deepEqual(seedWelcome, { type: 'welcome', telegram_id: ada.id, name: 'Ada Lovelace', is_admin: false, reminder: 0, hidden: false });
  assert.deepEqual([language, languages], ['en', ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa']]);
  assert.match(calendar, new RegExp(`^${worker.url}/calendar/${ada.id}-[A-Za-z0-9_-]{22}\\.ics$`));
  assert.equal(eventCalendar, calendar.replace(/\.ics$/, '/{id}.ics'), "one event's file, by the same token");
  assert.deepEqual(limits, { title: 120, description: 2000, location: 200, max_guests: 10, capacity: 100_000 });
  assert.deepEqual(events.map((e) => e.id).sort(), [1, 2, 3, 4]);
  assert.ok(inListingOrder(events), events.map((e) => `${e.id} ${e.starts_at}`).join(', '));
  // Events from before dates repeat daily: each is next today or tomorrow.
  const noon = events.filter((e) => e.start === '12:00').map((e) => e.id);
  assert.deepEqual(noon, [3, 4], 'same time: by id');
  assert.equal(selected, null);

  const talk = events.find((e) => e.id === 1);
  assert.deepEqual(seedFields(talk), {
    type: 'event', id: 1, title: 'Evening talk', description: 'Talks & <b>drinks</b>', image: '',
    start: '19:00', duration: 2, attending: false, attendees: 2,
  });
  assert.deepEqual([talk.repeat, talk.timezone, talk.location, talk.past], ['daily', 'UTC', '', false]);
  assert.match(talk.starts_at, /^\d{4}-\d{2}-\d{2}T19:00:00\+00:00$/);
  assert.equal(talk.date, talk.starts_at.slice(0, 10));
  const breakfast = events.find((e) => e.id === 2);
  assert.equal(breakfast.duration, 1.5);
  assert.equal(breakfast.image, `${worker.url}/media/demo-key`, 'stored paths become absolute');
  assert.equal(events.find((e) => e.id === 3).image, 'https://cdn.example/walk.png');
  client.close();
});

test('a stored attendance shows as attending for that user only', async () => {
  const member = await Client.login(worker, user({ id: 7001 }));
  const attending = Object.fromEntries(member.login.events.map((e) => [e.id, e.attending]));
  assert.deepEqual(attending, { 1: true, 2: false, 3: true, 4: false });
  member.close();
});

test('a login records the user in D1', async () => {
  const grace = user({ first: 'Grace', last: 'Hopper', username: 'grace' });
  const client = await Client.login(worker, grace);
  const rows = await d1(state, `SELECT telegram_id, name, username, is_admin, last_seen FROM users WHERE telegram_id = ${grace.id}`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].telegram_id, grace.id);
  assert.equal(rows[0].name, 'Grace Hopper');
  assert.equal(rows[0].username, 'grace');
  assert.equal(rows[0].is_admin, 0);
  assert.ok(Math.abs(rows[0].last_seen - Date.now() / 1000) < 120);
  client.close();
});

test('a user listed in ADMIN_IDS is an admin', async () => {
  const client = await Client.login(worker, user({ id: ADMIN_ID, first: 'Boss', last: '' }));
  assert.equal(client.login.welcome.is_admin, true);
  assert.equal(client.login.welcome.name, 'Boss');
  client.close();
});

test('start_param selects an existing event, and nothing otherwise', async () => {
  const cases = [['3', 3], ['99', null], ['not-an-id', null]];
  for (const [param, expected] of cases) {
    const client = await Client.login(worker, user({ startParam: param }));
    assert.equal(client.login.selected, expected, `start_param ${param}`);
    client.close();
  }
});

async function refused(initData) {
  const client = await Client.open(worker);
  client.send({ type: 'login', data: initData });
  assert.deepEqual(await client.next(), { type: 'disconnect' });
  const { code, reason } = await client.closed;
  assert.equal(code, 4001);
  assert.ok(reason.length > 0, 'the close has a reason');
  return reason;
}

test('bad logins get disconnect and a closed socket', async () => {
  const good = user().initData;
  const tampered = good.replace(/hash=([0-9a-f])/, (_, c) => `hash=${c === '0' ? '1' : '0'}`);
  assert.match(await refused(tampered), /signature/);
  assert.match(await refused(user({ token: '999:another-bot' }).initData), /signature/);
  // The same signed data with another user id in it.
  const params = new URLSearchParams(good);
  const profile = JSON.parse(params.get('user'));
  params.set('user', JSON.stringify({ ...profile, id: profile.id + 1 }));
  assert.match(await refused(params.toString()), /signature/);
  assert.match(await refused(good.replace(/&hash=[0-9a-f]+/, '')), /hash/);
  const now = Math.floor(Date.now() / 1000);
  assert.match(await refused(user({ authDate: now - 7200 }).initData), /expired/);
  assert.match(await refused(user({ authDate: now + 3600 }).initData), /future/);
  assert.match(await refused(`${good}&auth_date=${now}`), /duplicate/);
  assert.match(await refused(''), /hash/);
});

test('a login without data is refused the same way', async () => {
  const client = await Client.open(worker);
  client.send({ type: 'login' });
  assert.deepEqual(await client.next(), { type: 'disconnect' });
  assert.equal((await client.closed).code, 4001);
});

test('ping gets pong, before and after login', async () => {
  const client = await Client.open(worker);
  client.send('{"type":"ping"}');
  assert.deepEqual(await client.next(), { type: 'pong' });
  await client.login(user().initData);
  client.send('{"type":"ping"}');
  assert.deepEqual(await client.next(), { type: 'pong' });
  client.close();
});

test('messages before login get login_required', async () => {
  const client = await Client.open(worker);
  for (const type of ['attend', 'leave', 'dance']) {
    const error = await client.error({ type, event: 1 });
    assert.deepEqual(error, { type: 'error', msg: 'You need to login first', code: 'login_required' });
  }
  // The socket stays usable: a login still works.
  const { welcome } = await client.login(user().initData);
  assert.equal(welcome.type, 'welcome');
  client.close();
});

test('each malformed message gets its error code and the socket stays open', async () => {
  const client = await Client.login(worker, user());
  const cases = [
    ['not json', 'bad_json', 'Invalid JSON'],
    ['[1,2,3]', 'bad_json', 'Invalid JSON'],
    [JSON.stringify({ type: 'attend', event: 1 }), 'app', 'Missing App ID'],
    [JSON.stringify({ type: 'attend', app: 'other', event: 1 }), 'app', 'Missing App ID'],
    [{ type: 'dance' }, 'unknown_type', 'Unknown command'],
    [{ type: 'login', data: user().initData }, 'already_logged_in', 'Already logged in'],
    [{ type: 'attend', event: 999 }, 'no_such_event', 'No such event'],
    [{ type: 'leave', event: '999' }, 'no_such_event', 'No such event'],
    [{ type: 'attend' }, 'invalid', null],
    [{ type: 'attend', event: 'three' }, 'invalid', null],
    [{ type: 'leave', event: 1.5 }, 'invalid', null],
  ];
  for (const [message, code, msg] of cases) {
    const error = await client.error(message);
    assert.equal(error.code, code, JSON.stringify(message));
    if (msg) assert.equal(error.msg, msg);
    else assert.match(error.msg, /^Invalid data/);
  }
  client.ws.send(Buffer.from([1, 2, 3]));
  assert.deepEqual(await client.next(), {
    type: 'error', msg: 'Binary messages are not supported', code: 'binary',
  });
  client.send('{"type":"ping"}');
  assert.deepEqual(await client.next(), { type: 'pong' }, 'still open after every error');
  client.close();
});

test('a refused socket gets nothing more, whatever it sends after the refusal', async () => {
  const client = await Client.open(worker);
  client.send({ type: 'login', data: 'user=x&hash=00' });
  // Sent before the close can arrive: none of these may be served.
  client.send({ type: 'attend', event: 1 });
  client.send({ type: 'login', data: user().initData });
  client.send('not json');
  const { code } = await client.closed;
  assert.equal(code, 4001);
  assert.deepEqual(await client.drain(200), [{ type: 'disconnect' }]);
});
