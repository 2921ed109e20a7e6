// Events on real dates, in the zone TIMEZONE names: dates, series and
// locations through create/edit, the spring gap and the autumn overlap,
// the rules that need the clock, past events, reminder settings and the
// calendar feeds (read back with a real iCalendar parser, ical.js).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';

import { Client, Worker, d1, eventsSql, inListingOrder, prepareDb, removeState, tempState, user } from './helpers.mjs';

const ADMIN_ID = 5_000_000_456;
const ZONE = 'Europe/Berlin';
const GOER = 5_000_000_457; // went to yesterday's event
let state;
let worker;

/** "YYYY-MM-DD" of `days` from today in the zone. */
function dayFromToday(days) {
  const at = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

before(async () => {
  state = await tempState();
  // An event from before dates (a seed row: no date), one over yesterday,
  // and one over long ago (past the archive).
  await prepareDb(state, `${eventsSql([
    { id: 1, title: 'Seed daily', start: '06:00' },
    { id: 2, title: 'Yesterday', start: '10:00' },
    { id: 3, title: 'Long ago', start: '10:00' },
  ])}
    UPDATE events SET date = '${dayFromToday(-1)}', repeat = 'none', location = 'Old hall' WHERE id = 2;
    UPDATE events SET date = '${dayFromToday(-40)}', repeat = 'none' WHERE id = 3;
    INSERT INTO attendance (event_id, telegram_id) VALUES (2, ${GOER});`);
  // Applying the schema again keeps every row.
  await prepareDb(state);
  worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(ADMIN_ID), TIMEZONE: ZONE } });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

async function admin() {
  return Client.login(worker, user({ id: ADMIN_ID }));
}

/** Sends a create/edit and returns the `event` (or `error`) that answers it. */
async function ask(client, message) {
  client.send(message);
  return client.nextWhere((m) => m.type === 'error' || m.type === 'event');
}

test('an event from before dates is a daily one; past one-offs come last, flagged, and old ones not at all', async () => {
  const client = await Client.login(worker, user());
  const ids = client.login.events.map((e) => e.id);
  assert.ok(ids.includes(1) && ids.includes(2) && !ids.includes(3), `${ids}`);
  assert.ok(inListingOrder(client.login.events));
  const seed = client.login.events.find((e) => e.id === 1);
  assert.deepEqual([seed.repeat, seed.timezone, seed.past, seed.location], ['daily', ZONE, false, '']);
  const over = client.login.events.find((e) => e.id === 2);
  assert.deepEqual([over.past, over.date, over.location], [true, dayFromToday(-1), 'Old hall']);
  assert.equal(ids.at(-1), 2, 'after every upcoming event');
  client.close();
});

test('starts_at follows the zone: the spring gap moves forward, the autumn overlap takes the earlier', async () => {
  const client = await admin();
  const gap = await ask(client, { type: 'create-event', title: 'Gap night', start: '02:30', duration: 1, date: '2027-03-28', location: 'Bar' });
  assert.deepEqual(
    [gap.date, gap.start, gap.starts_at, gap.ends_at, gap.repeat, gap.timezone, gap.location, gap.past],
    ['2027-03-28', '02:30', '2027-03-28T03:30:00+02:00', '2027-03-28T04:30:00+02:00', 'none', ZONE, 'Bar', false],
  );
  const earlier = await ask(client, { type: 'edit-event', id: gap.id, date: '2027-03-27' });
  assert.equal(earlier.starts_at, '2027-03-27T02:30:00+01:00');
  const overlap = await ask(client, { type: 'edit-event', id: gap.id, date: '2027-10-31' });
  assert.equal(overlap.starts_at, '2027-10-31T02:30:00+02:00');
  assert.equal(overlap.location, 'Bar', 'what an edit leaves out stays');
  const late = await ask(client, { type: 'edit-event', id: gap.id, start: '23:00', duration: 5 });
  assert.equal(late.ends_at, '2027-11-01T04:00:00+01:00', 'ends_at has the offset in force then');
  const [row] = await d1(state, `SELECT date, repeat, location FROM events WHERE id = ${gap.id}`);
  assert.deepEqual(row, { date: '2027-10-31', repeat: 'none', location: 'Bar' });
  client.close();
});

test('a weekly series is listed by its next occurrence, on its weekday', async () => {
  const client = await admin();
  const first = dayFromToday(-14);
  const weekly = await ask(client, { type: 'create-event', title: 'Tuesday run', start: '18:00', duration: 1, date: first, repeat: 'weekly' });
  assert.equal(weekly.repeat, 'weekly');
  const weekday = (d) => new Date(`${d}T12:00:00Z`).getUTCDay();
  assert.equal(weekday(weekly.date), weekday(first));
  assert.ok(weekly.date >= dayFromToday(-1) && weekly.date <= dayFromToday(7), weekly.date);
  client.close();
});

test('every schedule rule refuses with invalid and says why', async () => {
  const client = await admin();
  const base = { type: 'create-event', title: 'Rule', start: '12:00', duration: 1 };
  const cases = [
    [{ date: '2027-02-30' }, /date must be a day on the calendar/],
    [{ date: '27-03-01' }, /date must be a day/],
    [{ date: dayFromToday(800) }, /at most two years ahead/],
    [{ date: dayFromToday(-2) }, /must not have ended/],
    [{ repeat: 'weekly' }, /weekly event/],
    [{ repeat: 'monthly', date: dayFromToday(3) }, /repeat must be none, daily or weekly/],
    [{ location: 'x'.repeat(201) }, /location must be at most 200/],
  ];
  for (const [fields, message] of cases) {
    const error = await ask(client, { ...base, ...fields });
    assert.equal(error.code, 'invalid', JSON.stringify(fields));
    assert.match(error.msg, message);
  }
  const daily = await ask(client, { ...base, title: 'Undated' });
  assert.deepEqual([daily.type, daily.repeat], ['event', 'daily'], 'no date: daily, as before');
  const past = await ask(client, { type: 'edit-event', id: 2, title: 'Yesterday, renamed' });
  assert.equal(past.title, 'Yesterday, renamed', 'an event that is over may still be renamed');
  const moved = await ask(client, { type: 'edit-event', id: 2, start: '11:00' });
  assert.match(moved.msg, /must not have ended/, 'but not moved into the past');
  client.close();
});

test('attending an event that is over gets closed; leaving it still works', async () => {
  const client = await Client.login(worker, user({ id: GOER }));
  const over = client.login.events.find((e) => e.id === 2);
  assert.deepEqual([over.past, over.attending], [true, true]);
  client.send({ type: 'leave', event: 2 });
  assert.equal((await client.nextWhere((m) => m.id === 2)).attending, false);
  assert.deepEqual(await client.error({ type: 'attend', event: 2 }), { type: 'error', msg: 'This event is over', code: 'closed' });
  client.close();
});

test('set-reminder is stored, answered by nothing, and comes back in the next welcome', async () => {
  const who = user();
  const client = await Client.login(worker, who);
  assert.equal(client.login.welcome.reminder, 0, 'at the start by default');
  client.send({ type: 'set-reminder', minutes: 60 });
  assert.deepEqual(await client.drain(300), [], 'no reply');
  assert.equal((await client.error({ type: 'set-reminder', minutes: 30 })).code, 'invalid');
  const again = await Client.login(worker, who);
  assert.equal(again.login.welcome.reminder, 60);
  again.send({ type: 'set-reminder', minutes: null });
  await again.drain(300);
  const [row] = await d1(state, `SELECT reminder FROM users WHERE telegram_id = ${who.id}`);
  assert.deepEqual(row, { reminder: null });
  for (const c of [client, again]) c.close();
});

/** The feed at `url`, parsed: its events by UID, and the raw text. */
async function feed(url) {
  const response = await fetch(url);
  const text = await response.text();
  return { response, text, calendar: response.status === 200 ? new ICAL.Component(ICAL.parse(text)) : null };
}

test("a user's calendar feed holds exactly the events they attend, series with RRULE and VTIMEZONE", async () => {
  const organiser = await admin();
  const once = await ask(organiser, { type: 'create-event', title: 'Friday games', description: 'Bring dice, cards', start: '19:00', duration: 3, date: '2027-03-26', location: 'Café' });
  const weekly = await ask(organiser, { type: 'create-event', title: 'Tuesday run', start: '02:30', duration: 1, date: '2027-03-23', repeat: 'weekly' });
  const skipped = await ask(organiser, { type: 'create-event', title: 'Not for me', start: '10:00', duration: 1, date: '2027-04-01' });
  organiser.close();

  const member = await Client.login(worker, user());
  for (const id of [once.id, weekly.id]) {
    member.send({ type: 'attend', event: id });
    await member.nextWhere((m) => m.id === id && m.attending);
  }
  const { response, calendar } = await feed(member.login.welcome.calendar);
  assert.equal(response.headers.get('content-type'), 'text/calendar; charset=utf-8');
  const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  assert.deepEqual(events.map((e) => e.summary).sort(), ['Friday games', 'Tuesday run']);
  assert.ok(!events.some((e) => e.summary === skipped.title));

  const games = events.find((e) => e.summary === 'Friday games');
  assert.equal(games.startDate.toUnixTime(), Date.parse(once.starts_at) / 1000);
  assert.equal(games.endDate.toUnixTime(), Date.parse(once.ends_at) / 1000);
  assert.equal(games.description, 'Bring dice, cards');
  assert.equal(games.location, 'Café');
  assert.equal(games.uid, `event-${once.id}@${new URL(worker.url).host}`);

  // The series: weekly from Tue 23 Mar at 02:30 in Berlin; the second one
  // falls on the day after the spring change, the offset is then +02:00.
  const zones = calendar.getAllSubcomponents('vtimezone');
  assert.equal(zones.length, 1);
  assert.equal(zones[0].getFirstPropertyValue('tzid'), ZONE);
  ICAL.TimezoneService.register(zones[0]);
  const run = events.find((e) => e.summary === 'Tuesday run');
  assert.ok(run.isRecurring());
  assert.equal(run.component.getFirstPropertyValue('rrule').freq, 'WEEKLY');
  const iterator = run.iterator();
  const starts = [iterator.next(), iterator.next()].map((t) => t.toUnixTime());
  assert.deepEqual(starts, [Date.parse('2027-03-23T02:30:00+01:00') / 1000, Date.parse('2027-03-30T02:30:00+02:00') / 1000]);

  const single = await feed(member.login.welcome.calendar.replace(/\.ics$/, `/${once.id}.ics`));
  assert.deepEqual(single.calendar.getAllSubcomponents('vevent').map((v) => v.getFirstPropertyValue('summary')), ['Friday games']);
  member.close();
});

test('a wrong feed token, or an unknown event, is 404', async () => {
  const member = await Client.login(worker, user());
  const url = member.login.welcome.calendar;
  const other = url.replace(/\/(\d+)-/, (_, id) => `/${Number(id) + 1}-`);
  const flipped = url.replace(/(.)\.ics$/, (_, c) => `${c === 'A' ? 'B' : 'A'}.ics`);
  for (const wrong of [other, flipped, `${worker.url}/calendar/x.ics`, url.replace(/\.ics$/, '/999.ics')]) {
    const response = await fetch(wrong);
    assert.equal(response.status, 404, wrong);
    assert.equal(await response.text(), 'Not found');
  }
  member.close();
});
