// Organising (part three): approval with questions. People ask to come,
// hosts see their answers and let them in by the seat rules or decline,
// the bot tells each person once and the hosts at most hourly, leaving
// withdraws, questions are fixed once answered, the export lists who asks,
// and requests lapse when their occurrence starts (the cron, after a
// restart with the calendar's clock moved on). One Worker for the file
// (restarted once, at the end), with the fake Bot API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseCsv } from 'csv-parse/sync';

import { Client, Worker, d1, prepareDb, removeState, sleep, tempState, user } from './helpers.mjs';
import { startFakeTelegram } from './fake-telegram.mjs';

const ADMIN_ID = 5_000_000_900;
const VARS = { ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'UTC' };
const QUESTIONS = ['Why do you want to join?', 'Anything we should know?'];
let state;
let worker;
let fake;
let admin;

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({ persistTo: state, scheduled: true, vars: { ...VARS, TELEGRAM_API: fake.url } });
  admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
});

after(async () => {
  admin?.close();
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

/** YYYY-MM-DD `days` from today (UTC, the Worker's TIMEZONE). */
const day = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** An event with approval and the questions, hosted by `host`. */
async function create(fields, host) {
  await admin.drain(100);
  admin.send({
    type: 'create-event', start: '19:00', duration: 2, date: day(5), approval: true, questions: QUESTIONS, ...fields,
  });
  const made = await admin.nextWhere((m) => (m.type === 'event' && m.title === fields.title) || m.type === 'error');
  assert.equal(made.type, 'event', JSON.stringify(made));
  if (host) {
    admin.send({ type: 'edit-event', id: made.id, hosts: [host.user.id] });
    await host.nextWhere((m) => m.type === 'event' && m.id === made.id && m.host === true);
  }
  return made;
}

const people = (...names) => Promise.all(names.map((first) => Client.login(worker, user({ first }))));
const textsTo = (chat) => fake.callsTo('sendMessage').filter((c) => c.body.chat_id === chat).map((c) => c.body.text);
const eventOf = (client, id, pred = () => true) => client.nextWhere((m) => m.type === 'event' && m.id === id && pred(m));

async function attendees(host, id) {
  await host.drain(100);
  host.send({ type: 'attendees', event: id });
  return host.nextWhere((m) => m.type === 'attendees' && m.event === id);
}

test('attend asks with answers; hosts see them and let people in by the seat rules or decline; the bot tells each once', async () => {
  const [hal, ann, cat, dan, ben] = await people('Hal', 'Ann', 'Cat', 'Dan', 'Ben');
  const event = await create({ title: 'Supper club', capacity: 1 }, hal);
  assert.deepEqual([event.approval, event.questions, event.pending], [true, QUESTIONS, false]);
  const seen = await eventOf(ann, event.id);
  assert.deepEqual([seen.approval, seen.questions, seen.pending], [true, QUESTIONS, false], 'everyone sees the questions');

  await ann.drain(200);
  assert.equal((await ann.error({ type: 'attend', event: event.id })).code, 'invalid', 'answers are required');
  assert.equal((await ann.error({ type: 'attend', event: event.id, answers: ['Only one'] })).code, 'invalid');
  const long = 'x'.repeat(501);
  assert.equal((await ann.error({ type: 'attend', event: event.id, answers: [long, ''] })).code, 'invalid');

  ann.send({ type: 'attend', event: event.id, answers: ['I love cooking', "=cmd|' /C calc'!A0"] });
  const asking = await eventOf(ann, event.id, (m) => m.pending);
  assert.deepEqual([asking.pending, asking.attending, asking.waitlisted, asking.attendees], [true, false, false, 0]);
  const halSees = await eventOf(hal, event.id, (m) => m.requests === 1);
  assert.equal(halSees.pending, false);
  const memberSees = await eventOf(ben, event.id);
  assert.equal(memberSees.requests, undefined, 'only hosts get the count');
  for (const [client, first] of [[cat, 'Cat'], [dan, 'Dan']]) {
    client.send({ type: 'attend', event: event.id, answers: [`${first} here`, ''] });
    await eventOf(client, event.id, (m) => m.pending);
  }
  await eventOf(hal, event.id, (m) => m.requests === 3);
  const stored = await d1(state, `SELECT telegram_id FROM requests WHERE event_id = ${event.id} ORDER BY rowid`);
  assert.deepEqual(stored.map((r) => r.telegram_id), [ann.user.id, cat.user.id, dan.user.id]);

  // The hosts hear of new requests once an hour, not per request.
  await fake.waitFor(() => textsTo(hal.user.id).length >= 1, 5000);
  await sleep(500);
  assert.deepEqual(textsTo(hal.user.id), ['Someone asks to come to Supper club: open the app to answer.']);
  assert.deepEqual(textsTo(ADMIN_ID).length, 1, 'the admins too');

  const lists = await attendees(hal, event.id);
  assert.deepEqual(lists.pending.map((p) => [p.telegram_id, p.answers]), [
    [ann.user.id, ['I love cooking', "=cmd|' /C calc'!A0"]],
    [cat.user.id, ['Cat here', '']],
    [dan.user.id, ['Dan here', '']],
  ]);
  assert.deepEqual([lists.going, lists.waiting], [[], []]);
  ben.send({ type: 'attendees', event: event.id });
  const benList = await ben.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  assert.equal(benList.pending, undefined, 'members never see who asks');

  for (const kind of ['approve', 'export', 'message-attendees']) {
    const fields = { approve: { user: ann.user.id, approve: true }, export: {}, 'message-attendees': { to: 'all', text: 'hi' } };
    assert.equal((await ben.error({ type: kind, event: event.id, ...fields[kind] })).code, 'forbidden', kind);
  }
  assert.equal((await hal.error({ type: 'approve', event: event.id, user: ann.user.id })).code, 'invalid');
  assert.equal((await hal.error({ type: 'approve', event: event.id, user: ben.user.id, approve: true })).code, 'not_on_list');

  // Ann in (the one seat), Cat in to a full event: the waitlist. Dan declined.
  hal.send({ type: 'approve', event: event.id, user: ann.user.id, approve: true });
  const answered = await hal.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  assert.deepEqual([answered.going.map((p) => p.telegram_id), answered.pending.length], [[ann.user.id], 2]);
  const annIn = await eventOf(ann, event.id, (m) => m.attending);
  assert.deepEqual([annIn.pending, annIn.attendees], [false, 1]);
  hal.send({ type: 'approve', event: event.id, user: cat.user.id, approve: true });
  await hal.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  const catWaits = await eventOf(cat, event.id, (m) => m.waitlisted);
  assert.deepEqual([catWaits.pending, catWaits.waitlist_position], [false, 1]);
  hal.send({ type: 'approve', event: event.id, user: dan.user.id, approve: false });
  const last = await hal.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  assert.deepEqual([last.going.length, last.waiting.map((p) => p.telegram_id), last.pending], [1, [cat.user.id], []]);
  const danOut = await eventOf(dan, event.id, (m) => !m.pending);
  assert.deepEqual([danOut.attending, danOut.waitlisted], [false, false]);
  await hal.drain(200);
  assert.equal((await hal.error({ type: 'approve', event: event.id, user: dan.user.id, approve: true })).code, 'not_on_list');

  await fake.waitFor(() => [ann, cat, dan].every((c) => textsTo(c.user.id).length >= 1), 5000);
  await sleep(300);
  assert.equal(textsTo(ann.user.id).length, 1);
  assert.match(textsTo(ann.user.id)[0], /^You're in: the organisers said yes, you are going to Supper club \(/);
  assert.deepEqual(textsTo(cat.user.id).map((t) => /waitlist/.test(t)), [true]);
  assert.deepEqual(textsTo(dan.user.id), ['The organisers could not take your request for Supper club this time.']);

  // The list as a spreadsheet: who asks too, one column per question, formulas defused.
  {
    const [eve] = await people('Eve');
    eve.send({ type: 'attend', event: event.id, answers: ['Curious', '+1 vegetarian'] });
    await eventOf(eve, event.id, (m) => m.pending);
    hal.send({ type: 'export', event: event.id });
    const file = await hal.nextWhere((m) => m.type === 'export');
    const rows = parseCsv(file.csv, { columns: true });
    assert.deepEqual(Object.keys(rows[0]), [
      'name', 'username', 'telegram_id', 'status', 'guests', 'joined_at', 'checked_in_at', ...QUESTIONS,
    ]);
    assert.deepEqual(rows.map((r) => [r.telegram_id, r.status]), [
      [String(ann.user.id), 'going'], [String(cat.user.id), 'waiting'], [String(eve.user.id), 'pending'],
    ]);
    assert.equal(rows[0][QUESTIONS[1]], "'=cmd|' /C calc'!A0");
    assert.equal(rows[2][QUESTIONS[0]], 'Curious');
    assert.equal(rows[2][QUESTIONS[1]], "'+1 vegetarian");
    eve.close();
  }
  for (const c of [hal, ann, cat, dan, ben]) c.close();
});

test('hosts go in without asking; leaving while asking withdraws; questions cannot change once answered; an event without questions needs no answers', async () => {
  const [hal, fay] = await people('Hal', 'Fay');
  const event = await create({ title: 'Tasting' }, hal);
  hal.send({ type: 'attend', event: event.id, answers: ['Hosting', ''] });
  const hosting = await eventOf(hal, event.id, (m) => m.attending);
  assert.equal(hosting.pending, false, 'hosts need ask nobody');
  fay.send({ type: 'attend', event: event.id, answers: ['Wine', 'No'] });
  await eventOf(fay, event.id, (m) => m.pending);
  await eventOf(hal, event.id, (m) => m.requests === 1);
  fay.send({ type: 'leave', event: event.id });
  const left = await eventOf(fay, event.id, (m) => !m.pending);
  assert.equal(left.attending, false);
  await eventOf(hal, event.id, (m) => m.requests === 0);
  assert.deepEqual(await d1(state, `SELECT * FROM requests WHERE event_id = ${event.id}`), []);

  await hal.drain(200);
  const changed = await hal.error({ type: 'edit-event', id: event.id, questions: ['Something else?'] });
  assert.equal(changed.code, 'invalid');
  assert.match(changed.msg, /questions cannot change/);
  hal.send({ type: 'edit-event', id: event.id, questions: QUESTIONS, approval: false });
  const open = await eventOf(hal, event.id, (m) => m.approval === false);
  assert.deepEqual(open.questions, QUESTIONS, 'the same questions may be sent again');
  await admin.drain(200);
  for (const bad of [['a', 'b', 'c', 'd'], ['x'.repeat(201)], [''], 'Why?']) {
    const refused = await admin.error({ type: 'create-event', title: 'Bad', start: '10:00', duration: 1, questions: bad });
    assert.equal(refused.code, 'invalid', JSON.stringify(bad).slice(0, 30));
  }
  // Without approval, answers still come with an attend and go straight in.
  fay.send({ type: 'attend', event: event.id, answers: ['Cheese', ''] });
  const going = await eventOf(fay, event.id, (m) => m.attending);
  assert.equal(going.pending, false);
  const plain = await create({ title: 'Open house', approval: false, questions: [] });
  fay.send({ type: 'attend', event: plain.id });
  assert.equal((await eventOf(fay, plain.id, (m) => m.attending)).questions.length, 0);
  for (const c of [hal, fay]) c.close();
});

test('requests still pending when the occurrence starts lapse (the cron tells the hub); the person may ask again', async () => {
  const [hal, gus] = await people('Hal', 'Gus');
  const event = await create({ title: 'Daily standup', repeat: 'daily', date: day(1), start: '09:00', duration: 1 }, hal);
  gus.send({ type: 'attend', event: event.id, answers: ['Work', ''] });
  await eventOf(gus, event.id, (m) => m.pending);
  const [row] = await d1(state, `SELECT lapses_at FROM requests WHERE event_id = ${event.id}`);
  assert.equal(row.lapses_at, Date.parse(`${day(1)}T09:00:00Z`) / 1000, 'it lapses at the start of its occurrence');
  for (const c of [hal, gus]) c.close();
  admin.close();
  await worker.stop();
  // Two days on (the calendar's clock): the occurrence asked for has started.
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: { ...VARS, TELEGRAM_API: fake.url, CLOCK_OFFSET_SECONDS: String(2 * 86_400) },
  });
  admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const again = await Client.login(worker, gus.user);
  assert.equal(again.login.events.find((e) => e.id === event.id).pending, true, 'until the cron runs');
  const response = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`, { signal: AbortSignal.timeout(60_000) });
  assert.equal(response.status, 200);
  await response.text();
  const lapsed = await eventOf(again, event.id, (m) => !m.pending);
  assert.equal(lapsed.attending, false);
  assert.deepEqual(await d1(state, `SELECT * FROM requests WHERE event_id = ${event.id}`), []);
  const hostView = admin.login.events.find((e) => e.id === event.id);
  assert.equal(hostView.requests, 1, 'the admin logged in before the cron');
  await eventOf(admin, event.id, (m) => m.requests === 0);
  again.send({ type: 'attend', event: event.id, answers: ['Again', ''] });
  assert.equal((await eventOf(again, event.id, (m) => m.pending)).pending, true);
  again.close();
});
