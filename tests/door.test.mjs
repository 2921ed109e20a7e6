// At the door: tickets for people going, hosts an admin lists, check-in by
// ticket or by person (guests, twice, undo), counts live to every host,
// refusals (not on the list, not a host, the door not open yet), and the
// hosts' view of the list. One Worker for the file; each test makes its
// own events.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { parse as parseCsv } from 'csv-parse/sync';

import { Client, Worker, d1, prepareDb, removeState, tempState, user } from './helpers.mjs';

const ADMIN_ID = 5_000_000_800;
const TICKET = /^[A-Za-z0-9_-]{16,}$/;
let state;
let worker;
let admin;

before(async () => {
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({
    persistTo: state,
    vars: { ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'UTC', BOT_USERNAME: 'door_bot', APP_SHORT_NAME: 'events' },
  });
  admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
});

after(async () => {
  admin?.close();
  await worker?.stop();
  await removeState(state);
});

/** "HH:MM" in UTC, `minutes` from now. */
function clock(minutes = 0) {
  return new Date(Date.now() + minutes * 60_000).toISOString().slice(11, 16);
}

/** "YYYY-MM-DD" in UTC, `days` from now. */
function day(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Creates an event as the admin; by default a daily one that started a minute ago (its door is open). */
async function create(fields) {
  await admin.drain(100);
  const title = fields.title ?? `Door ${Math.random().toString(36).slice(2, 8)}`;
  admin.send({ type: 'create-event', start: clock(-1), duration: 3, repeat: 'daily', max_guests: 3, ...fields, title });
  const made = await admin.nextWhere((m) => (m.type === 'event' && m.title === title) || m.type === 'error');
  assert.equal(made.type, 'event', JSON.stringify(made));
  return made;
}

/** Logs in a new person (a client) with a name. */
async function person(first) {
  return Client.login(worker, user({ first }));
}

/** `client` attends `id` (with `guests`) and returns its own `event`. */
async function attend(client, id, guests) {
  client.send({ type: 'attend', event: id, ...(guests === undefined ? {} : { guests }) });
  return client.nextWhere((m) => (m.type === 'event' && m.id === id && (m.attending || m.waitlisted)) || m.type === 'error');
}

/** Sends a check-in as `host` and returns the reply (`checked-in` or `error`). */
async function checkIn(host, fields) {
  host.send({ type: 'check-in', ...fields });
  return host.nextWhere((m) => m.type === 'checked-in' || m.type === 'error');
}

test('tickets: for people going only, stable across logins, per user and per event', async () => {
  const first = await create({});
  const second = await create({});
  const full = await create({ capacity: 1 });
  const ann = await person('Ann');
  const bo = await person('Bo');
  const annFirst = await attend(ann, first.id);
  assert.match(annFirst.ticket, TICKET);
  assert.equal(annFirst.ticket_link, `https://t.me/door_bot/events?startapp=t${annFirst.ticket}`);
  const annSecond = await attend(ann, second.id);
  assert.match(annSecond.ticket, TICKET);
  assert.notEqual(annSecond.ticket, annFirst.ticket, 'per event');
  const boFirst = await attend(bo, first.id);
  assert.notEqual(boFirst.ticket, annFirst.ticket, 'per user');
  // Everyone else's copy of the event carries no ticket.
  const seen = await admin.nextWhere((m) => m.type === 'event' && m.id === first.id && m.attendees === 2);
  assert.equal(seen.ticket, undefined);
  // The waitlist gets none.
  const annFull = await attend(ann, full.id);
  const waiting = await attend(bo, full.id);
  assert.equal(waiting.waitlisted, true);
  assert.equal(waiting.ticket, undefined);
  // Stable across logins.
  const again = await Client.login(worker, ann.user);
  const listed = again.login.events.find((e) => e.id === first.id);
  assert.equal(listed.ticket, annFirst.ticket);
  assert.equal(again.login.events.find((e) => e.id === full.id).ticket, annFull.ticket);
  assert.equal(again.login.events.find((e) => e.id === second.id).ticket, annSecond.ticket);
  // A start parameter of a ticket selects its event.
  const opened = await Client.login(worker, user({ first: 'Cy', startParam: `t${annFirst.ticket}` }));
  assert.equal(opened.login.selected, first.id);
  for (const c of [ann, bo, again, opened]) c.close();
});

test('hosts: listed by admins, edit and check in their event, never delete or set hosts', async () => {
  const event = await create({});
  const other = await create({});
  const host = await person('Hana');
  const stranger = 5_999_999_999;
  assert.equal((await admin.error({ type: 'edit-event', id: event.id, hosts: [stranger] })).code, 'invalid', 'only people who entered');
  assert.equal((await admin.error({ type: 'edit-event', id: event.id, hosts: Array.from({ length: 11 }, (_, i) => i + 1) })).code, 'invalid');
  admin.send({ type: 'edit-event', id: event.id, hosts: [host.user.id] });
  const forAdmin = await admin.nextWhere((m) => m.type === 'event' && m.id === event.id && m.hosts?.length === 1);
  assert.deepEqual(forAdmin.hosts, [host.user.id]);
  assert.equal(forAdmin.host, true, 'admins host every event');
  const forHost = await host.nextWhere((m) => m.type === 'event' && m.id === event.id);
  assert.equal(forHost.host, true);
  assert.equal(forHost.checked_in, 0);
  assert.equal(forHost.hosts, undefined, 'hosts are sent to admins');
  const member = await person('Moe');
  const forMember = member.login.events.find((e) => e.id === event.id);
  assert.equal(forMember.host, undefined);
  assert.equal(forMember.checked_in, undefined);
  assert.equal(forMember.hosts, undefined);
  assert.equal(member.login.events.find((e) => e.id === other.id).host, undefined);

  host.send({ type: 'edit-event', id: event.id, title: 'Renamed by the host' });
  const renamed = await admin.nextWhere((m) => m.type === 'event' && m.id === event.id && m.title === 'Renamed by the host');
  assert.deepEqual(renamed.hosts, [host.user.id], 'an edit by a host keeps the hosts');
  await host.nextWhere((m) => m.type === 'event' && m.id === event.id && m.title === 'Renamed by the host');
  assert.equal((await host.error({ type: 'edit-event', id: other.id, title: 'Not mine' })).code, 'forbidden');
  assert.equal((await host.error({ type: 'edit-event', id: event.id, hosts: [] })).code, 'forbidden');
  assert.equal((await host.error({ type: 'delete-event', id: event.id })).code, 'forbidden');
  assert.equal((await host.error({ type: 'create-event', title: 'X', start: '10:00', duration: 1 })).code, 'forbidden');
  assert.equal((await host.error({ type: 'people' })).code, 'forbidden');
  admin.send({ type: 'people' });
  const people = await admin.nextWhere((m) => m.type === 'people');
  assert.ok(people.people.some((p) => p.telegram_id === host.user.id && p.name === host.user.name));
  const stored = await d1(state, `SELECT hosts FROM events WHERE id = ${event.id}`);
  assert.equal(stored[0].hosts, String(host.user.id));
  for (const c of [host, member]) c.close();
});

test('check-in by ticket and by person: twice, guests, undo, counts live to every host', async () => {
  const event = await create({});
  const host = await person('Hal');
  admin.send({ type: 'edit-event', id: event.id, hosts: [host.user.id] });
  await host.nextWhere((m) => m.type === 'event' && m.id === event.id && m.host === true);
  const ann = await person('Ann');
  const bo = await person('Bo');
  const ticket = (await attend(ann, event.id, 2)).ticket;
  await attend(bo, event.id);
  const shy = await person('Shy');
  shy.send({ type: 'set-privacy', hidden: true });
  await shy.drain(200);
  await attend(shy, event.id);

  const first = await checkIn(host, { event: event.id, ticket, guests: 1 });
  assert.equal(first.type, 'checked-in', JSON.stringify(first));
  assert.equal(first.event, event.id);
  assert.equal(first.person.telegram_id, ann.user.id);
  assert.equal(first.person.name, ann.user.name);
  assert.equal(first.person.guests, 2);
  assert.equal(first.guests, 1);
  assert.equal(first.already, false);
  assert.ok(Math.abs(Date.parse(first.at) - Date.now()) < 60_000, first.at);
  // Live to the other host (the admin): people plus guests.
  const live = await admin.nextWhere((m) => m.type === 'event' && m.id === event.id && m.checked_in === 2);
  assert.equal(live.host, true);

  await new Promise((resolve) => setTimeout(resolve, 1100));
  const twice = await checkIn(admin, { event: event.id, ticket });
  assert.equal(twice.already, true);
  assert.equal(twice.at, first.at, 'the first time stays');
  assert.equal(twice.guests, 2, 'a later check-in raises the guests');
  await host.nextWhere((m) => m.type === 'event' && m.id === event.id && m.checked_in === 3);

  const byUser = await checkIn(host, { event: event.id, user: bo.user.id });
  assert.equal(byUser.already, false);
  assert.equal(byUser.guests, 0);
  await admin.nextWhere((m) => m.type === 'event' && m.id === event.id && m.checked_in === 4);

  const undone = await checkIn(host, { event: event.id, user: bo.user.id, undo: true });
  assert.equal(undone.undone, true);
  assert.equal(undone.already, false);
  await admin.nextWhere((m) => m.type === 'event' && m.id === event.id && m.checked_in === 3);
  const nothing = await checkIn(host, { event: event.id, user: bo.user.id, undo: true });
  assert.equal(nothing.already, true, 'nothing left to undo');

  // The hosts' list says who is in; a member's does not.
  host.send({ type: 'attendees', event: event.id });
  const list = await host.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  const annRow = list.going.find((p) => p.telegram_id === ann.user.id);
  assert.equal(annRow.checked_in_at, first.at);
  assert.equal(annRow.checked_in_guests, 2);
  const boRow = list.going.find((p) => p.telegram_id === bo.user.id);
  assert.equal(boRow.checked_in_at, null);
  assert.ok(list.going.some((p) => p.telegram_id === shy.user.id), 'hosts see people who hide');
  assert.equal(list.hidden, 0);
  bo.send({ type: 'attendees', event: event.id });
  const plain = await bo.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  assert.equal(plain.going[0].checked_in_at, undefined);
  assert.equal(plain.hidden, 1, 'others do not');

  // Members do not see the count; the check-in is stored.
  const forMember = await Client.login(worker, bo.user);
  assert.equal(forMember.login.events.find((e) => e.id === event.id).checked_in, undefined);
  const rows = await d1(state, `SELECT telegram_id, guests FROM checkins WHERE event_id = ${event.id}`);
  assert.deepEqual(rows.map((r) => [r.telegram_id, r.guests]), [[ann.user.id, 2]]);
  for (const c of [host, ann, bo, shy, forMember]) c.close();
});

test('two hosts scanning one ticket at the same instant check it in once', async () => {
  const event = await create({});
  const host = await person('Hal');
  admin.send({ type: 'edit-event', id: event.id, hosts: [host.user.id] });
  await host.nextWhere((m) => m.type === 'event' && m.id === event.id && m.host === true);
  const ann = await person('Ann');
  const { ticket } = await attend(ann, event.id, 1);
  const [a, b] = await Promise.all([checkIn(admin, { event: event.id, ticket }), checkIn(host, { event: event.id, ticket })]);
  assert.deepEqual([a.type, b.type], ['checked-in', 'checked-in']);
  assert.deepEqual([a.already, b.already].sort(), [false, true]);
  assert.equal(a.at, b.at, 'both say the one time');
  const rows = await d1(state, `SELECT COUNT(*) AS n FROM checkins WHERE event_id = ${event.id}`);
  assert.equal(rows[0].n, 1);
  for (const c of [host, ann]) c.close();
});

test('not on the list, not a host, not open yet', async () => {
  const event = await create({});
  const other = await create({});
  const full = await create({ capacity: 1 });
  const ahead = await create({ repeat: 'none', date: day(2), start: '10:00' });
  const ann = await person('Ann');
  const bo = await person('Bo');
  const otherTicket = (await attend(ann, other.id)).ticket;
  // A ticket of someone who left and now waits.
  const leftTicket = (await attend(bo, full.id)).ticket;
  bo.send({ type: 'leave', event: full.id });
  await bo.nextWhere((m) => m.type === 'event' && m.id === full.id && !m.attending);
  await attend(ann, full.id);
  assert.equal((await attend(bo, full.id)).waitlisted, true);
  for (const ticket of [otherTicket, leftTicket, 'made-up-ticket-0123456789', `${event.id}-${bo.user.id}-AAAAAAAAAAAAAAAA`]) {
    const target = ticket === leftTicket ? full.id : event.id;
    const refused = await checkIn(admin, { event: target, ticket });
    assert.equal(refused.type, 'error', ticket);
    assert.equal(refused.code, 'not_on_list');
    assert.equal(refused.msg, 'Not on the list');
  }
  assert.equal((await checkIn(admin, { event: full.id, user: bo.user.id })).code, 'not_on_list', 'waiting is not going');
  assert.equal((await checkIn(ann, { event: other.id, ticket: otherTicket })).code, 'forbidden', 'not a host');
  const aheadTicket = (await attend(ann, ahead.id)).ticket;
  const closed = await checkIn(admin, { event: ahead.id, ticket: aheadTicket });
  assert.equal(closed.code, 'closed');
  assert.equal((await checkIn(admin, { event: event.id })).code, 'invalid');
  assert.equal((await checkIn(admin, { event: 999_999, user: ann.user.id })).code, 'no_such_event');
  for (const c of [ann, bo]) c.close();
});

test('export: hosts get the list as CSV (and a link to the same file for 10 minutes); formulas are defused', async () => {
  const event = await create({ capacity: 2, title: 'Export night' });
  const host = await person('Hal');
  admin.send({ type: 'edit-event', id: event.id, hosts: [host.user.id] });
  await host.nextWhere((m) => m.type === 'event' && m.id === event.id && m.host === true);
  const evil = await Client.login(worker, user({ first: "=cmd|' /C calc'!A0", last: '', username: 'evil' }));
  const shy = await person('Shy, "Quiet"');
  shy.send({ type: 'set-privacy', hidden: true });
  await shy.drain(200);
  const late = await person('Late');
  await attend(evil, event.id, 1);
  await attend(shy, event.id);
  assert.equal((await attend(late, event.id)).waitlisted, true);
  await checkIn(host, { event: event.id, user: evil.user.id });

  assert.equal((await late.error({ type: 'export', event: event.id })).code, 'forbidden');
  host.send({ type: 'export', event: event.id });
  const answer = await host.nextWhere((m) => m.type === 'export');
  assert.equal(answer.event, event.id);
  assert.match(answer.filename, /^export-night-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.ok(answer.csv.endsWith('\r\n'));
  const rows = parseCsv(answer.csv, { columns: true });
  assert.deepEqual(Object.keys(rows[0]), ['name', 'username', 'telegram_id', 'status', 'guests', 'joined_at', 'checked_in_at']);
  assert.deepEqual(rows.map((r) => [r.telegram_id, r.status, r.guests]), [
    [String(evil.user.id), 'going', '1'],
    [String(shy.user.id), 'waiting', '0'],
    [String(late.user.id), 'waiting', '0'],
  ]);
  assert.equal(rows[0].name, "'=cmd|' /C calc'!A0", 'a formula is text');
  assert.equal(rows[0].username, 'evil');
  assert.ok(Math.abs(Date.parse(rows[0].joined_at) - Date.now()) < 120_000, rows[0].joined_at);
  assert.ok(Math.abs(Date.parse(rows[0].checked_in_at) - Date.now()) < 120_000, rows[0].checked_in_at);
  assert.equal(rows[1].name, 'Shy, "Quiet" User' + shy.user.id, 'people who hide are listed; commas and quotes survive');
  assert.equal(rows[1].checked_in_at, '');

  const response = await fetch(answer.url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assert.equal(response.headers.get('content-disposition'), `attachment; filename="${answer.filename}"`);
  assert.equal(await response.text(), answer.csv, 'the link serves the same file');
  const forged = answer.url.replace(/-(\d+)-/, (_, expires) => `-${Number(expires) + 600}-`);
  assert.equal((await fetch(forged)).status, 404);
  assert.equal((await fetch(`${worker.url}/export/1-1-AAAAAAAAAAAAAAAAAAAAAA.csv`)).status, 404);
  for (const c of [host, evil, shy, late]) c.close();
});
