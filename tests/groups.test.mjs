// One bot serving many groups, safely (part three: "One rule for who may
// see a community", "Fair and bounded shared work", "Telegram updates in
// any order", "Smaller rules"). Each test is one of the findings probed as
// an attacker would, in groups of its own, against a real wrangler dev and
// the fake Bot API. Short cache, stale and settle times come through vars.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  Client, ROOT, Worker, d1, makePng, prepareDb, removeState, sleep, telegram, tempState, user,
} from './helpers.mjs';
import { FAKE_BOT_USERNAME, startFakeTelegram } from './fake-telegram.mjs';

const SECRET = 'webhook-secret-groups';
const VARS = {
  MEMBER_CACHE_SECONDS: '3',
  MEMBER_STALE_SECONDS: '8',
  ADMIN_CACHE_SECONDS: '3',
  NOTICE_SETTLE_SECONDS: '2',
  MAX_NOTICES_PER_USER_PER_HOUR: '4',
  MAX_EVENTS_PER_COMMUNITY: '3',
  MAX_MEDIA_BYTES_PER_COMMUNITY: '3000',
};
let state;
let worker;
let fake;
let tg;
let nextChat = -1_002_000_000_001;

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state, "INSERT INTO events (id, title, start, duration) VALUES (1, 'Default picnic', '12:00', 1);");
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: {
      TELEGRAM_API: fake.url, WEBHOOK_SECRET: SECRET, BOT_USERNAME: FAKE_BOT_USERNAME, APP_SHORT_NAME: 'app',
      ...VARS,
    },
  });
  tg = telegram({ worker, fake, secret: SECRET });
});

after(async () => {
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

/** A new group with `creator` and `members`, the bot added: its chat id and slug. */
async function newGroup(title, creator, members = []) {
  const chat = nextChat--;
  fake.setMember(chat, creator.id, 'creator');
  for (const member of members) fake.setMember(chat, member.id, 'member');
  await tg.post(tg.botStatus(tg.group(chat, title), 'member', { from: creator.id }));
  const body = await tg.messageTo(chat);
  return { chat, slug: tg.slugIn(body), title };
}

/** YYYY-MM-DD `days` from today (UTC, the Worker's TIMEZONE). */
const day = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function cron() {
  const response = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`, { signal: AbortSignal.timeout(60_000) })
    .catch((error) => {
      const said = worker.log.join('').split('\n').slice(-20).join('\n');
      throw new Error(`the cron run did not end within 60 s: ${error.message}\nwrangler dev said last:\n${said}`);
    });
  assert.equal(response.status, 200);
  await response.text();
}

const textsTo = (id) => fake.callsTo('sendMessage').filter((c) => c.body.chat_id === id).map((c) => c.body.text);

/** An event made by `admin` (a client) and the message it came back as. */
async function create(admin, fields) {
  admin.send({ type: 'create-event', start: '18:00', duration: 2, date: day(3), ...fields });
  return admin.nextWhere((m) => m.type === 'event' && m.title === fields.title);
}

test('someone banned from a group loses their places there, and no notice or reminder of it reaches them', async () => {
  const [ann, bob, cid] = [user({ first: 'Ann' }), user({ first: 'Bob' }), user({ first: 'Cid' })];
  const g = await newGroup('Banned', ann, [bob, cid]);
  const admin = await tg.enter(ann, g.slug);
  const quiz = await create(admin, { title: 'Quiz night', capacity: 1 });
  const bobIn = await tg.enter(bob, g.slug);
  const cidIn = await tg.enter(cid, g.slug);
  bobIn.send({ type: 'attend', event: quiz.id });
  await bobIn.nextWhere((m) => m.id === quiz.id && m.attending);
  cidIn.send({ type: 'attend', event: quiz.id });
  await cidIn.nextWhere((m) => m.id === quiz.id && m.waitlisted);

  fake.reset();
  fake.setMember(g.chat, bob.id, 'kicked');
  await tg.post(tg.memberStatus(tg.group(g.chat, g.title), bob.id, ann.id, 'member', 'kicked'));
  assert.deepEqual(await bobIn.closed, { code: 4003, reason: 'not a member' });
  const promoted = await cidIn.nextWhere((m) => m.id === quiz.id && m.attending);
  assert.equal(promoted.attendees, 1, 'their seat went to the waitlist');
  await tg.messageTo(cid.id, (b) => /A spot opened/.test(b.text));
  const going = await d1(state, `SELECT telegram_id FROM attendance WHERE event_id = ${quiz.id}`);
  assert.deepEqual(going.map((r) => r.telegram_id), [cid.id]);

  // A move later tells whoever is listed, once it settles: never Bob.
  admin.send({ type: 'edit-event', id: quiz.id, location: 'Room 2' });
  await admin.nextWhere((m) => m.id === quiz.id && m.location === 'Room 2');
  await sleep(2500);
  await cron();
  await tg.messageTo(cid.id, (b) => /moved to Room 2/.test(b.text));
  assert.deepEqual(textsTo(bob.id), []);
  for (const c of [admin, cidIn]) c.close();
});

test("one group's thousands of queued messages hold up no other group's, and messages not sent in a day go", async () => {
  const [ann, dan, eve] = [user({ first: 'Ann' }), user({ first: 'Dan' }), user({ first: 'Eve' })];
  const busy = await newGroup('Busy', ann);
  const quiet = await newGroup('Quiet', ann, [dan, eve]);
  const [{ id: busyId }] = await d1(state, `SELECT id FROM communities WHERE slug = '${busy.slug}'`);
  const now = Math.floor(Date.now() / 1000);
  await d1(state, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)
    INSERT INTO notices (telegram_id, text, status, created_at, updated_at, community_id, kind, due_at)
    SELECT 8000000000 + i, 'Backlog', 'pending', ${now}, ${now}, ${busyId}, 'notice', ${now} FROM n;
    INSERT INTO notices (telegram_id, text, status, created_at, updated_at, community_id, kind, due_at)
    VALUES (8100000000, 'Stale', 'pending', ${now - 3 * 86_400}, ${now - 3 * 86_400}, ${busyId}, 'notice', ${now - 2 * 86_400});`);

  const admin = await tg.enter(ann, quiet.slug);
  const table = await create(admin, { title: 'Small table', capacity: 1 });
  const danIn = await tg.enter(dan, quiet.slug);
  const eveIn = await tg.enter(eve, quiet.slug);
  danIn.send({ type: 'attend', event: table.id });
  await danIn.nextWhere((m) => m.id === table.id && m.attending);
  eveIn.send({ type: 'attend', event: table.id });
  await eveIn.nextWhere((m) => m.id === table.id && m.waitlisted);
  fake.reset();
  danIn.send({ type: 'leave', event: table.id });
  // Sent right after the change, round-robin: the quiet group's first.
  const spot = await tg.messageTo(eve.id, (b) => /A spot opened/.test(b.text), 10_000);
  assert.match(spot.text, /Small table/);
  const [{ n: waiting }] = await d1(state, `SELECT COUNT(*) AS n FROM notices WHERE community_id = ${busyId} AND status = 'pending'`);
  assert.ok(waiting > 2900, `the busy group's backlog is still there (${waiting})`);

  await cron();
  const stale = await d1(state, 'SELECT id FROM notices WHERE telegram_id = 8100000000');
  assert.deepEqual(stale, [], 'a message not sent within a day of being due is gone');
  for (const c of [admin, danIn, eveIn]) c.close();
});

test("an admin's storm of edits tells each person once, as it ended; an undone change tells nothing; the hourly limit holds", async () => {
  const [ann, fay, gus] = [user({ first: 'Ann' }), user({ first: 'Fay' }), user({ first: 'Gus' })];
  const g = await newGroup('Storm', ann, [fay, gus]);
  const admin = await tg.enter(ann, g.slug);
  const fayIn = await tg.enter(fay, g.slug);
  const talk = await create(admin, { title: 'Talk', location: 'Hall A' });
  fayIn.send({ type: 'attend', event: talk.id });
  await fayIn.nextWhere((m) => m.id === talk.id && m.attending);

  fake.reset();
  for (const place of ['Hall B', 'Hall C', 'Hall D', 'Hall E']) {
    admin.send({ type: 'edit-event', id: talk.id, location: place });
    await admin.nextWhere((m) => m.id === talk.id && m.location === place);
  }
  await cron();
  assert.deepEqual(textsTo(fay.id), [], 'nothing before it settles');
  await sleep(2500);
  await cron();
  assert.deepEqual(textsTo(fay.id), ['Talk moved to Hall E'], 'once, the final state');

  fake.reset();
  admin.send({ type: 'edit-event', id: talk.id, location: 'Hall F' });
  await admin.nextWhere((m) => m.id === talk.id && m.location === 'Hall F');
  admin.send({ type: 'edit-event', id: talk.id, location: 'Hall E' });
  await admin.nextWhere((m) => m.id === talk.id && m.location === 'Hall E');
  await sleep(2500);
  await cron();
  assert.deepEqual(textsTo(fay.id), [], 'a change undone in time tells nothing');

  // Five events moved, in two groups (three upcoming events a group is
  // this test's limit): four messages this hour
  // (MAX_NOTICES_PER_USER_PER_HOUR), the fifth waits.
  const other = await newGroup('Storm two', ann, [gus]);
  const otherAdmin = await tg.enter(ann, other.slug);
  const made = [];
  for (const [host, slug, count] of [[admin, g.slug, 2], [otherAdmin, other.slug, 3]]) {
    const gusIn = await tg.enter(gus, slug);
    for (let i = 0; i < count; i++) {
      const e = await create(host, { title: `Meetup ${made.length}`, date: day(4 + made.length) });
      made.push([host, e]);
      gusIn.send({ type: 'attend', event: e.id });
      await gusIn.nextWhere((m) => m.id === e.id && m.attending);
    }
    gusIn.close();
  }
  fake.reset();
  for (const [host, e] of made) {
    host.send({ type: 'edit-event', id: e.id, start: '21:00' });
    await host.nextWhere((m) => m.id === e.id && m.start === '21:00');
  }
  await sleep(2500);
  await cron();
  await cron();
  assert.equal(textsTo(gus.id).length, 4, textsTo(gus.id).join(' | '));
  const [{ n }] = await d1(state, `SELECT COUNT(*) AS n FROM notices WHERE telegram_id = ${gus.id} AND status = 'pending'`);
  assert.equal(n, 1, 'the rest waits for the hour to allow it');
  for (const c of [admin, otherAdmin, fayIn]) c.close();
});

test('a community has at most MAX_EVENTS_PER_COMMUNITY upcoming events and MAX_MEDIA_BYTES_PER_COMMUNITY of pictures', async () => {
  const ann = user({ first: 'Ann' });
  const g = await newGroup('Limits', ann);
  const admin = await tg.enter(ann, g.slug);
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await create(admin, { title: `Limited ${i}` }));
  const refused = await admin.error({ type: 'create-event', title: 'One too many', start: '10:00', duration: 1, date: day(5) });
  assert.equal(refused.code, 'limit');
  assert.match(refused.msg, /at most 3 upcoming events/);
  admin.send({ type: 'delete-event', id: made[0].id });
  await admin.nextWhere((m) => m.type === 'delete-event');
  await create(admin, { title: 'Room again' });

  const picture = (bytes) => ({ name: 'p.png', base64: Buffer.concat([makePng(4), Buffer.alloc(bytes)]).toString('base64') });
  admin.send({ type: 'edit-event', id: made[1].id, image: picture(1800) });
  await admin.nextWhere((m) => m.id === made[1].id && m.image !== '');
  const over = await admin.error({ type: 'edit-event', id: made[2].id, image: picture(1800) });
  assert.equal(over.code, 'limit', 'two pictures are more than 3000 bytes');
  admin.send({ type: 'edit-event', id: made[1].id, image: 'https://cdn.example/p.png' });
  await admin.nextWhere((m) => m.id === made[1].id && m.image === 'https://cdn.example/p.png');
  admin.send({ type: 'edit-event', id: made[2].id, image: picture(1800) });
  const stored = await admin.nextWhere((m) => m.id === made[2].id && m.image !== '');
  assert.match(stored.image, /\/media\//, 'the replaced picture freed its bytes');
  admin.close();
});

test('membership is asked again once old: open sockets, feeds and inline answers follow, and Telegram being down lets no one in for ever', async () => {
  const [ann, fay, gus] = [user({ first: 'Ann' }), user({ first: 'Fay' }), user({ first: 'Gus' })];
  const g = await newGroup('Rechecks', ann, [fay, gus]);
  const admin = await tg.enter(ann, g.slug);
  const walk = await create(admin, { title: 'Group walk' });
  admin.close();
  const fayIn = await tg.enter(fay, g.slug);
  fayIn.send({ type: 'attend', event: walk.id });
  await fayIn.nextWhere((m) => m.id === walk.id && m.attending);
  const feedUrl = fayIn.login.welcome.calendar;
  const home = await tg.enter(fay);
  home.send({ type: 'attend', event: 1 });
  await home.nextWhere((m) => m.id === 1 && m.attending);
  home.close();
  const feed = await (await fetch(feedUrl)).text();
  assert.match(feed, /SUMMARY:Group walk/);
  assert.match(feed, new RegExp(`URL:https://t\\.me/${FAKE_BOT_USERNAME}/app\\?startapp=c${g.slug}_${walk.id}`), "a group's event opens its community");

  // Fay leaves without Telegram saying so (the bot is no admin): once her
  // answer is older than MEMBER_CACHE_SECONDS, the hub asks again.
  fake.setMember(g.chat, fay.id, 'left');
  assert.deepEqual(await fayIn.closed, { code: 4003, reason: 'not a member' });
  const places = await d1(state, `SELECT COUNT(*) AS n FROM attendance WHERE event_id = ${walk.id}`);
  assert.equal(places[0].n, 0, 'leaving took her place');
  const later = await fetch(feedUrl);
  assert.equal(later.status, 200, "the feed stays");
  const text = await later.text();
  assert.doesNotMatch(text, /Group walk/);
  assert.match(text, /SUMMARY:Default picnic/);
  const single = await fetch(feedUrl.replace(/\.ics$/, `/${walk.id}.ics`));
  assert.equal(single.status, 404);
  await single.text();
  fake.reset();
  await tg.post({ inline_query: { id: 'q-fay', from: { id: fay.id, is_bot: false, first_name: 'Fay' }, query: 'walk', offset: '' } });
  const [answer] = await fake.waitFor((c) => c.method === 'answerInlineQuery');
  assert.deepEqual(answer.body.results, []);
  assert.equal(answer.body.is_personal, true, 'never shown to another user');

  // Telegram down: an answer still counts until MEMBER_STALE_SECONDS, then no one gets in.
  const gusIn = await tg.enter(gus, g.slug);
  gusIn.close();
  fake.failing.add('getChatMember');
  await sleep(3500);
  const again = await tg.enter(gus, g.slug);
  assert.equal(again.login?.welcome?.type, 'welcome', 'within the stale time');
  again.close();
  await sleep(5000);
  const late = await tg.enter(gus, g.slug);
  assert.deepEqual(late.refused, { code: 1013, reason: 'try again later' });
  fake.failing.delete('getChatMember');
});

test('updates in any order: a migration folds in a community made too early, removals and additions end as the latest said, each update once', async () => {
  const [ann, hal] = [user({ first: 'Ann' }), user({ first: 'Hal' })];
  const old = await newGroup('Old group', ann, [hal]);
  const superChat = nextChat--;
  fake.setMember(superChat, ann.id, 'creator');
  fake.setMember(superChat, hal.id, 'member');
  // An update from the new supergroup before the migration arrives.
  await tg.post(tg.say(tg.group(superChat, 'Old group'), ann.id, `/events@${FAKE_BOT_USERNAME}`));
  const early = tg.slugIn(await tg.messageTo(superChat));
  assert.notEqual(early, old.slug);
  const inEarly = await tg.enter(ann, early);
  const made = await create(inEarly, { title: 'Made too early' });
  inEarly.close();
  await tg.post({ message: { message_id: 1, date: 0, chat: { id: old.chat, type: 'group', title: 'Old group' }, migrate_to_chat_id: superChat } });
  const open = await d1(state, `SELECT slug, chat_id FROM communities WHERE chat_id = ${superChat}`);
  assert.deepEqual(open, [{ slug: old.slug, chat_id: superChat }], 'one community for the group: the one it had');
  const viaEarly = await tg.enter(hal, early);
  assert.equal(viaEarly.login.welcome.community.slug, old.slug, "the early slug opens the group's community");
  assert.ok(viaEarly.login.events.some((e) => e.id === made.id), 'with the events made early');
  viaEarly.close();

  // The bot removed (date 200) and added (date 100), in that order: it stays removed.
  const order = await newGroup('Order', ann);
  fake.reset();
  await tg.post(tg.botStatus(tg.group(order.chat, 'Order'), 'left', { date: 200 }));
  await tg.post(tg.botStatus(tg.group(order.chat, 'Order'), 'member', { date: 100 }));
  await tg.post(tg.say(tg.group(order.chat, 'Order'), ann.id, `/events@${FAKE_BOT_USERNAME}`));
  const closed = await tg.enter(ann, order.slug);
  assert.deepEqual(closed.refused, { code: 4003, reason: 'community closed' }, 'no update or command reopened it');
  await tg.post(tg.botStatus(tg.group(order.chat, 'Order'), 'member', { date: 300 }));
  await tg.post(tg.botStatus(tg.group(order.chat, 'Order'), 'administrator', { date: 301 }));
  const posted = fake.callsTo('sendMessage').filter((c) => c.body.chat_id === order.chat);
  assert.equal(posted.length, 1, 'one message per time it is added, none for a change of its rights');

  // The same update twice: handled once.
  fake.reset();
  const update = { update_id: 777_000, ...tg.say({ id: hal.id, type: 'private' }, hal.id, '/start') };
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${worker.url}/telegram/webhook`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET }, body: JSON.stringify(update),
    });
    assert.equal(response.status, 200);
    await response.text();
  }
  assert.equal(fake.callsTo('sendMessage').filter((c) => c.body.chat_id === hal.id).length, 1);
});

test('a run waiting out a 429 keeps its claim: a second run never sends the same message', async () => {
  const ivy = 8_200_000_001;
  const now = Math.floor(Date.now() / 1000);
  await d1(state, `INSERT INTO notices (telegram_id, text, status, created_at, updated_at, community_id, kind, due_at)
    VALUES (${ivy}, 'Just once', 'pending', ${now}, ${now}, 0, 'notice', ${now});`);
  fake.reset();
  fake.rateLimited.set(ivy, { times: 1, retryAfter: 2 });
  const first = cron();
  await fake.waitFor((c) => c.body?.chat_id === ivy && c.status === 429);
  await cron();
  await first;
  assert.deepEqual(fake.calls.filter((c) => c.body?.chat_id === ivy).map((c) => c.status), [429, 200]);
});

test("a host's message reaches only the chosen list, and never someone who left the group (Telegram says so at send)", async () => {
  const [ann, bob, cid, dee] = [user({ first: 'Ann' }), user({ first: 'Bob' }), user({ first: 'Cid' }), user({ first: 'Dee' })];
  const g = await newGroup('Messages', ann, [bob, cid, dee]);
  const admin = await tg.enter(ann, g.slug);
  const supper = await create(admin, { title: 'Supper', capacity: 2 });
  const clients = [];
  for (const who of [bob, cid, dee]) {
    const client = await tg.enter(who, g.slug);
    client.send({ type: 'attend', event: supper.id });
    await client.nextWhere((m) => m.id === supper.id && (m.attending || m.waitlisted));
    clients.push(client);
  }
  // Cid leaves the group and no update says so: the outbox asks Telegram
  // once the stored answer is old.
  fake.setMember(g.chat, cid.id, 'left');
  await sleep(3500); // MEMBER_CACHE_SECONDS
  fake.reset();
  admin.send({ type: 'message-attendees', event: supper.id, to: 'going', text: 'Bring a dish.' });
  const queued = await admin.nextWhere((m) => m.type === 'message-queued');
  assert.equal(queued.recipients, 2, 'Bob and Cid are going, Dee waits');
  await tg.messageTo(bob.id, (b) => /Bring a dish\./.test(b.text));
  await cron();
  await sleep(500);
  const dish = (id) => textsTo(id).filter((t) => /Bring a dish/.test(t));
  assert.deepEqual(dish(cid.id), [], 'Cid left the group');
  assert.deepEqual(dish(dee.id), [], 'Dee waited: not on the chosen list');
  const going = await d1(state, `SELECT telegram_id FROM attendance WHERE event_id = ${supper.id}`);
  assert.ok(!going.some((r) => r.telegram_id === cid.id), 'and is off the list');
  for (const c of [admin, ...clients]) c.close();
});

test('smaller rules: zone names only, no date 366 days back, a growing waiting party to the tail, privacy in every hub, rights as they are now, demo data local only', async () => {
  const [ann, jo, kim, lee] = [user({ first: 'Ann' }), user({ first: 'Jo' }), user({ first: 'Kim' }), user({ first: 'Lee' })];
  const g = await newGroup('Rules', ann, [jo, kim, lee]);
  for (const [zone, answer] of [['+05:30', /is an offset/], ['Mars/Olympus', /not a time zone/], ['Asia/Kolkata', /Done/], ['UTC', /Done/]]) {
    fake.reset();
    await tg.post(tg.say(tg.group(g.chat, g.title), ann.id, `/timezone ${zone}`));
    assert.match((await tg.messageTo(g.chat)).text, answer, zone);
  }
  const admin = await tg.enter(ann, g.slug);
  const ancient = await admin.error({ type: 'create-event', title: 'Ancient', start: '10:00', duration: 1, date: '0001-01-01', repeat: 'weekly' });
  assert.equal(ancient.code, 'invalid');
  assert.match(ancient.msg, /366 days/);

  const table = await create(admin, { title: 'Party table', capacity: 1, max_guests: 2 });
  const [joIn, kimIn, leeIn] = [await tg.enter(jo, g.slug), await tg.enter(kim, g.slug), await tg.enter(lee, g.slug)];
  for (const [c, what] of [[joIn, 'attending'], [kimIn, 'waitlisted'], [leeIn, 'waitlisted']]) {
    c.send({ type: 'attend', event: table.id });
    await c.nextWhere((m) => m.id === table.id && m[what]);
  }
  kimIn.send({ type: 'attend', event: table.id, guests: 1 });
  const grown = await kimIn.nextWhere((m) => m.id === table.id && m.guests === 1, 10_000);
  assert.equal(grown.waitlist_position, 2, 'a waiting party that grows goes to the tail');

  // Jo hides, from the default community: the group's card follows at once.
  assert.deepEqual(grown.faces.map((f) => f.name), [jo.name]);
  const joHome = await tg.enter(jo);
  joHome.send({ type: 'set-privacy', hidden: true });
  const card = await leeIn.nextWhere((m) => m.id === table.id && m.faces.length === 0, 10_000);
  assert.equal(card.attendees, 1);
  joHome.close();

  // Ann sees hidden Jo; demoted, her open socket no longer does.
  admin.send({ type: 'attendees', event: table.id });
  assert.equal((await admin.nextWhere((m) => m.type === 'attendees')).hidden, 0);
  fake.setMember(g.chat, ann.id, 'member');
  await tg.post(tg.memberStatus(tg.group(g.chat, g.title), ann.id, ann.id, 'creator', 'member'));
  admin.send({ type: 'attendees', event: table.id });
  const list = await admin.nextWhere((m) => m.type === 'attendees');
  assert.deepEqual([list.hidden, list.going.length], [1, 0]);
  for (const c of [admin, joIn, kimIn, leeIn]) c.close();

  const run = promisify(execFile);
  const refused = await run('node', [join(ROOT, 'scripts', 'admin.mjs'), '--url', worker.url, '--remote', 'demo']).catch((e) => e);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /local databases only/);
});

test('a client of the seed still logs in', async () => {
  const plain = await Client.login(worker, user());
  assert.ok(plain.login.events.some((e) => e.title === 'Default picnic'));
  plain.close();
});
