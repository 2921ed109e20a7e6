// Seats: capacity and a first-come waitlist, +1 guests, closing RSVPs,
// who is going (with people who hide), and the bot's notices when a spot
// opens or an event moves or is cancelled. One Worker for the file, with
// the fake Bot API; each test makes its own events.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, d1, prepareDb, removeState, tempState, user } from './helpers.mjs';
import { startFakeTelegram } from './fake-telegram.mjs';

const ADMIN_ID = 5_000_000_700;
let state;
let worker;
let fake;
let admin;

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state);
  // A change notice is sent once its event settles (NOTICE_SETTLE_SECONDS,
  // short here), by the cron.
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: { ADMIN_IDS: String(ADMIN_ID), TELEGRAM_API: fake.url, NOTICE_SETTLE_SECONDS: '1' },
  });
  admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
});

after(async () => {
  admin?.close();
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

/** A day a week from now, so the events are upcoming one-offs. */
const DATE = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

/** Creates an event as the admin and returns it. */
async function create(fields) {
  await admin.drain(100); // broadcasts of earlier tests
  admin.send({ type: 'create-event', title: 'Board games', start: '19:00', duration: 3, date: DATE, ...fields });
  const made = await admin.nextWhere((m) => (m.type === 'event' && m.title === fields.title) || m.type === 'error');
  assert.equal(made.type, 'event', JSON.stringify(made));
  return made;
}

/** The next `event` about `id` that `client` receives. */
function eventOf(client, id, timeout) {
  return client.nextWhere((m) => m.type === 'event' && m.id === id, timeout);
}

/** What D1 holds for event `id`: who is going and who waits, in order. */
async function lists(id) {
  const going = await d1(state, `SELECT telegram_id FROM attendance WHERE event_id = ${id} ORDER BY rowid`);
  const waiting = await d1(state, `SELECT telegram_id FROM waitlist WHERE event_id = ${id} ORDER BY rowid`);
  return { going: going.map((r) => r.telegram_id), waiting: waiting.map((r) => r.telegram_id) };
}

/** Messages the fake Bot API got for `chat`. */
const textsTo = (chat) => fake.callsTo('sendMessage').filter((c) => c.body.chat_id === chat).map((c) => c.body.text);

test('capacity 2: the third waits, a leave promotes them, and the bot tells them at once', async () => {
  const event = await create({ title: 'Small table', capacity: 2 });
  assert.deepEqual([event.capacity, event.max_guests, event.closed, event.waitlist, event.attendees], [2, 0, false, 0, 0]);
  const [ann, ben, cat] = await Promise.all(['Ann', 'Ben', 'Cat'].map((first) => Client.login(worker, user({ first }))));
  for (const client of [ann, ben]) {
    client.send({ type: 'attend', event: event.id });
    const own = await client.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
    assert.equal(own.waitlisted, false);
  }
  cat.send({ type: 'attend', event: event.id });
  const waiting = await cat.nextWhere((m) => m.type === 'event' && m.id === event.id && m.waitlisted);
  assert.deepEqual(
    [waiting.attending, waiting.waitlisted, waiting.waitlist_position, waiting.attendees, waiting.waitlist],
    [false, true, 1, 2, 1],
  );
  assert.deepEqual(await lists(event.id), { going: [ann.user.id, ben.user.id], waiting: [cat.user.id] });

  ann.send({ type: 'leave', event: event.id });
  const promoted = await cat.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
  assert.deepEqual([promoted.waitlisted, promoted.attendees, promoted.waitlist], [false, 2, 0]);
  const seenByBen = await ben.nextWhere((m) => m.type === 'event' && m.id === event.id && m.waitlist === 0);
  assert.deepEqual([seenByBen.attending, seenByBen.attendees], [true, 2]);
  assert.deepEqual(await lists(event.id), { going: [ben.user.id, cat.user.id], waiting: [] });
  // Sent right after the change, not at a cron run (none runs here).
  await fake.waitFor((c) => c.method === 'sendMessage' && c.body.chat_id === cat.user.id, 5000);
  assert.deepEqual(textsTo(cat.user.id), [`A spot opened: you are going to Small table (${dayLabel(DATE)}, 19:00)`]);
  assert.deepEqual(textsTo(ann.user.id), [], 'the one who left hears nothing');
  const notice = await d1(state, `SELECT status FROM notices WHERE telegram_id = ${cat.user.id}`);
  assert.deepEqual(notice.map((r) => r.status), ['sent']);
  for (const c of [ann, ben, cat]) c.close();
});

test('a host removes someone: off the list, the waitlist moves up, the bot tells them once; others may not', async () => {
  const event = await create({ title: 'Tight table', capacity: 1 });
  const [ann, ben, hal] = await Promise.all(['Ann', 'Ben', 'Hal'].map((first) => Client.login(worker, user({ first }))));
  admin.send({ type: 'edit-event', id: event.id, hosts: [hal.user.id] });
  await hal.nextWhere((m) => m.type === 'event' && m.id === event.id && m.host === true);
  ann.send({ type: 'attend', event: event.id });
  await ann.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
  ben.send({ type: 'attend', event: event.id });
  await ben.nextWhere((m) => m.type === 'event' && m.id === event.id && m.waitlisted);

  assert.equal((await ben.error({ type: 'remove-attendee', event: event.id, user: ann.user.id })).code, 'forbidden');
  hal.send({ type: 'remove-attendee', event: event.id, user: ann.user.id });
  const lists_ = await hal.nextWhere((m) => m.type === 'attendees' && m.event === event.id);
  assert.deepEqual([lists_.going.map((p) => p.telegram_id), lists_.waiting], [[ben.user.id], []]);
  const gone = await ann.nextWhere((m) => m.type === 'event' && m.id === event.id && !m.attending);
  assert.equal(gone.attendees, 1);
  await ben.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
  assert.deepEqual(await lists(event.id), { going: [ben.user.id], waiting: [] });
  await fake.waitFor(() => textsTo(ann.user.id).length >= 1 && textsTo(ben.user.id).length >= 1, 5000);
  assert.deepEqual(textsTo(ann.user.id), ['The organisers took you off the list for Tight table.']);
  assert.match(textsTo(ben.user.id)[0], /^A spot opened: you are going to Tight table/);
  await hal.drain(300);
  assert.equal((await hal.error({ type: 'remove-attendee', event: event.id, user: ann.user.id })).code, 'not_on_list');
  assert.equal((await hal.error({ type: 'remove-attendee', event: event.id })).code, 'invalid');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(textsTo(ann.user.id).length, 1, 'told once');
  for (const c of [ann, ben, hal]) c.close();
});

test('a host messages the people going or waiting: signed with a link to them, a button to the event, 3 a day', async () => {
  const event = await create({ title: 'Door code', capacity: 1 });
  const [ann, ben, hal] = await Promise.all(['Ann', 'Ben', 'Hal'].map((first) => Client.login(worker, user({ first }))));
  admin.send({ type: 'edit-event', id: event.id, hosts: [hal.user.id] });
  await hal.nextWhere((m) => m.type === 'event' && m.id === event.id && m.host === true);
  ann.send({ type: 'attend', event: event.id });
  await ann.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
  ben.send({ type: 'attend', event: event.id });
  await ben.nextWhere((m) => m.type === 'event' && m.id === event.id && m.waitlisted);
  await hal.drain(300);

  assert.equal((await ben.error({ type: 'message-attendees', event: event.id, to: 'all', text: 'hi' })).code, 'forbidden');
  for (const bad of [{ to: 'everyone', text: 'x' }, { to: 'all', text: '  ' }, { to: 'all', text: 'x'.repeat(1001) }]) {
    assert.equal((await hal.error({ type: 'message-attendees', event: event.id, ...bad })).code, 'invalid', JSON.stringify(bad).slice(0, 40));
  }
  hal.send({ type: 'message-attendees', event: event.id, to: 'going', text: 'The door code is 4711.' });
  assert.deepEqual(await hal.nextWhere((m) => m.type === 'message-queued'), { type: 'message-queued', event: event.id, recipients: 1 });
  await fake.waitFor(() => textsTo(ann.user.id).length >= 1, 5000);
  const sent = fake.callsTo('sendMessage').find((c) => c.body.chat_id === ann.user.id).body;
  assert.equal(sent.text, `Door code\n\nThe door code is 4711.\n\n— ${hal.user.name}`);
  const [link] = sent.entities;
  assert.deepEqual([link.type, link.url], ['text_link', `tg://user?id=${hal.user.id}`]);
  assert.equal(sent.text.slice(link.offset, link.offset + link.length), hal.user.name);
  assert.equal(sent.reply_markup.inline_keyboard[0][0].text, 'Open in Mini Events');
  assert.match(sent.reply_markup.inline_keyboard[0][0].url, new RegExp(`event=${event.id}$`));
  assert.deepEqual(textsTo(ben.user.id), [], 'only the list chosen');

  hal.send({ type: 'message-attendees', event: event.id, to: 'waiting', text: 'A seat may open.' });
  assert.equal((await hal.nextWhere((m) => m.type === 'message-queued')).recipients, 1);
  await fake.waitFor(() => textsTo(ben.user.id).length >= 1, 5000);
  assert.match(textsTo(ben.user.id)[0], /A seat may open\./);
  hal.send({ type: 'message-attendees', event: event.id, to: 'all', text: 'See you.' });
  assert.equal((await hal.nextWhere((m) => m.type === 'message-queued')).recipients, 2);
  const fourth = await hal.error({ type: 'message-attendees', event: event.id, to: 'all', text: 'One more.' });
  assert.equal(fourth.code, 'limit');
  await fake.waitFor(() => textsTo(ann.user.id).length >= 2 && textsTo(ben.user.id).length >= 2, 5000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(textsTo(ann.user.id).length, 2, 'the going message and the one to all');
  for (const c of [ann, ben, hal]) c.close();
});

test('30 users attending a capacity-5 event at the same instant: 5 going, 25 waiting, everywhere', async () => {
  const event = await create({ title: 'Rush', capacity: 5 });
  const clients = await Promise.all(Array.from({ length: 30 }, () => Client.login(worker, user())));
  const frame = (id) => JSON.stringify({ app: 'mini_event', type: 'attend', event: id });
  for (const client of clients) client.ws.send(frame(event.id));
  // Each client's own answer, then whatever else arrives.
  const own = await Promise.all(clients.map((c) => c.nextWhere((m) => m.type === 'event' && m.id === event.id
    && (m.attending || m.waitlisted))));
  assert.equal(own.filter((m) => m.attending).length, 5);
  assert.equal(own.filter((m) => m.waitlisted).length, 25);
  await new Promise((r) => setTimeout(r, 500));
  const stored = await lists(event.id);
  assert.equal(stored.going.length, 5);
  assert.equal(stored.waiting.length, 25);
  for (const [i, client] of clients.entries()) {
    const last = (await client.drain(0)).filter((m) => m.type === 'event' && m.id === event.id).at(-1) ?? own[i];
    assert.deepEqual([last.attendees, last.waitlist], [5, 25], 'every view ends with the stored count');
    assert.equal(last.attending, stored.going.includes(client.user.id));
    if (last.waitlisted) {
      assert.equal(last.waitlist_position, stored.waiting.indexOf(client.user.id) + 1, 'their place in D1 order');
    }
  }
  const fresh = await Client.login(worker, user());
  const listed = fresh.login.events.find((e) => e.id === event.id);
  assert.deepEqual([listed.attendees, listed.waitlist, listed.attending], [5, 25, false], 'memory agrees');
  for (const c of [...clients, fresh]) c.close();
});

test('guests take seats, more than max_guests is invalid, and a party that does not fit waits', async () => {
  const event = await create({ title: 'Dinner', capacity: 4, max_guests: 2 });
  const [dan, eve] = await Promise.all([Client.login(worker, user({ first: 'Dan' })), Client.login(worker, user({ first: 'Eve' }))]);
  dan.send({ type: 'attend', event: event.id, guests: 2 });
  const dans = await eventOf(dan, event.id);
  assert.deepEqual([dans.attending, dans.guests, dans.attendees], [true, 2, 3]);
  await eventOf(eve, event.id); // Dan's attend, as everyone hears it
  const tooMany = await eve.error({ type: 'attend', event: event.id, guests: 3 });
  assert.equal(tooMany.code, 'invalid');
  assert.match(tooMany.msg, /guests/);
  await eve.drain(200);
  eve.send({ type: 'attend', event: event.id, guests: 1 });
  const eves = await eve.nextWhere((m) => m.type === 'event' && m.id === event.id && m.waitlisted);
  assert.deepEqual([eves.guests, eves.attendees, eves.waitlist_position], [1, 3, 1], 'needs 2 seats, 1 is left');
  // Dan brings one fewer: Eve's party fits now.
  dan.send({ type: 'attend', event: event.id, guests: 1 });
  const moved = await eve.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
  assert.deepEqual([moved.guests, moved.attendees, moved.waitlist], [1, 4, 0]);
  const guests = await d1(state, `SELECT telegram_id, guests FROM attendance WHERE event_id = ${event.id} AND guests > 0 ORDER BY telegram_id`);
  assert.deepEqual(guests.map((r) => [r.telegram_id, r.guests]), [[dan.user.id, 1], [eve.user.id, 1]]);
  // A client that knows only the seed's fields still gets a count of seats.
  const seed = await Client.login(worker, user());
  assert.equal(seed.login.events.find((e) => e.id === event.id).attendees, 4);
  for (const c of [dan, eve, seed]) c.close();
});

test('closed RSVPs refuse attend with closed; leave still works; lowering capacity removes nobody', async () => {
  const event = await create({ title: 'Closing', capacity: 3 });
  const [fay, gus] = await Promise.all([Client.login(worker, user()), Client.login(worker, user())]);
  fay.send({ type: 'attend', event: event.id });
  await eventOf(fay, event.id);
  await eventOf(admin, event.id); // Fay's attend
  admin.send({ type: 'edit-event', id: event.id, closed: true, capacity: 1 });
  const edited = await eventOf(admin, event.id);
  assert.deepEqual([edited.closed, edited.capacity, edited.attendees], [true, 1, 1]);
  await gus.drain(200);
  const refused = await gus.error({ type: 'attend', event: event.id });
  assert.deepEqual([refused.code, refused.msg], ['closed', 'RSVPs are closed']);
  fay.send({ type: 'leave', event: event.id });
  const left = await fay.nextWhere((m) => m.type === 'event' && m.id === event.id && !m.attending);
  assert.deepEqual([left.attending, left.attendees], [false, 0]);
  await admin.drain(200);
  const bad = await admin.error({ type: 'edit-event', id: event.id, capacity: 0 });
  assert.match(bad.msg, /^Invalid data: capacity/);
  admin.send({ type: 'edit-event', id: event.id, capacity: null, closed: false });
  assert.equal((await eventOf(admin, event.id)).capacity, null, 'null is unlimited');
  for (const c of [fay, gus]) c.close();
});

test('who is going: names, usernames, pictures and guests in join order; a hidden user is left out for others', async () => {
  const event = await create({ title: 'Picnic', max_guests: 1 });
  const photo = 'https://t.me/i/userpic/320/hid.jpg';
  const hid = await Client.login(worker, user({ first: 'Hid', last: 'Den', username: 'hidden_one', photoUrl: photo }));
  const pal = await Client.login(worker, user({ first: 'Pal', last: '', username: 'pal' }));
  hid.send({ type: 'attend', event: event.id, guests: 1 });
  await eventOf(hid, event.id);
  pal.send({ type: 'attend', event: event.id });
  await pal.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);

  pal.send({ type: 'attendees', event: event.id });
  const shown = await pal.nextWhere((m) => m.type === 'attendees');
  assert.deepEqual(shown.going, [
    { telegram_id: hid.user.id, name: 'Hid Den', username: 'hidden_one', photo_url: photo, guests: 1 },
    { telegram_id: pal.user.id, name: 'Pal', username: 'pal', photo_url: '', guests: 0 },
  ]);
  assert.deepEqual([shown.waiting, shown.hidden, shown.event], [[], 0, event.id]);

  hid.send({ type: 'set-privacy', hidden: true });
  const card = await pal.nextWhere((m) => m.type === 'event' && m.id === event.id);
  assert.deepEqual(card.faces.map((f) => f.name), ['Pal'], 'the card no longer shows them');
  pal.send({ type: 'attendees', event: event.id });
  const later = await pal.nextWhere((m) => m.type === 'attendees');
  assert.deepEqual([later.going.map((p) => p.telegram_id), later.hidden], [[pal.user.id], 1]);
  admin.send({ type: 'attendees', event: event.id });
  const all = await admin.nextWhere((m) => m.type === 'attendees');
  assert.deepEqual([all.going.map((p) => p.telegram_id), all.hidden], [[hid.user.id, pal.user.id], 0], 'admins see everyone');
  hid.send({ type: 'attendees', event: event.id });
  const self = await hid.nextWhere((m) => m.type === 'attendees');
  assert.ok(self.going.some((p) => p.telegram_id === hid.user.id), 'they still see themselves');
  const again = await Client.login(worker, { ...hid.user, initData: hid.user.initData });
  assert.equal(again.login.welcome.hidden, true, 'welcome carries the setting');
  const unknown = await pal.error({ type: 'attendees', event: 999_999 });
  assert.equal(unknown.code, 'no_such_event');
  for (const c of [hid, pal, again]) c.close();
});

test('moving or cancelling tells everyone going or waiting once; a new title tells nobody', async () => {
  const event = await create({ title: 'Quiz', capacity: 1 });
  const [ivy, jon] = await Promise.all([Client.login(worker, user()), Client.login(worker, user())]);
  ivy.send({ type: 'attend', event: event.id });
  await ivy.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
  jon.send({ type: 'attend', event: event.id });
  await jon.nextWhere((m) => m.type === 'event' && m.id === event.id && m.waitlisted);
  const people = [ivy.user.id, jon.user.id];

  admin.send({ type: 'edit-event', id: event.id, title: 'Pub quiz' });
  await eventOf(admin, event.id);
  const later = new Date(Date.now() + 8 * 86_400_000).toISOString().slice(0, 10);
  admin.send({ type: 'edit-event', id: event.id, date: later, start: '20:00', location: 'The Crown' });
  await eventOf(admin, event.id);
  // Settled a second later: the next cron run says the event as it is.
  await new Promise((r) => setTimeout(r, 1500));
  await (await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).text();
  await fake.waitFor(() => people.every((p) => textsTo(p).length >= 1), 5000);
  const moved = `Pub quiz moved to ${dayLabel(later)}, 20:00 (until 23:00) at The Crown`;
  for (const p of people) assert.deepEqual(textsTo(p), [moved], 'one message, and none for the new title');

  admin.send({ type: 'delete-event', id: event.id });
  await admin.nextWhere((m) => m.type === 'delete-event' && m.id === event.id);
  await fake.waitFor(() => people.every((p) => textsTo(p).length >= 2), 5000);
  for (const p of people) assert.deepEqual(textsTo(p), [moved, `Pub quiz (${dayLabel(later)}, 20:00) was cancelled`]);
  const left = await d1(state, `SELECT COUNT(*) AS n FROM waitlist WHERE event_id = ${event.id}`);
  assert.equal(left[0].n, 0, 'the waitlist goes with the event');
  for (const c of [ivy, jon]) c.close();
});

/** "Fri 5 Dec" for a "YYYY-MM-DD": the bot's day labels. */
function dayLabel(date) {
  const d = new Date(`${date}T12:00:00Z`);
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${weekdays[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]}`;
}
