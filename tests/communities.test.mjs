// Every Telegram group its own community: the bot added to two groups makes
// two communities with their own hubs, members, admins, zones and events;
// nothing crosses between them, and the default community is as before.
// Telegram is the fake Bot API, which knows who is in which group.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';

import { Worker, d1, eventsSql, prepareDb, removeState, telegram, tempState, user } from './helpers.mjs';
import { FAKE_BOT_USERNAME, startFakeTelegram } from './fake-telegram.mjs';

const SECRET = 'webhook-secret-communities';
const OPERATOR = 5_000_000_900;
const GROUP_A = -1_001_000_000_001;
const GROUP_B = -1_001_000_000_002;
const people = {
  alice: user({ first: 'Alice' }), // creator of A, member of B
  bob: user({ first: 'Bob', username: 'bob' }), // member of A
  carol: user({ first: 'Carol' }), // creator of B
  dave: user({ first: 'Dave' }), // in neither
};
let state;
let worker;
let fake;
let tg;
const post = (update) => tg.post(update);
const group = (id, title) => tg.group(id, title);
const botStatus = (chat, status) => tg.botStatus(chat, status, { from: people.alice.id });
const memberStatus = (...args) => tg.memberStatus(...args);
const say = (...args) => tg.say(...args);
const messageTo = (...args) => tg.messageTo(...args);
const enter = (...args) => tg.enter(...args);

const slugs = {};

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state, eventsSql([{ id: 1, title: 'Default picnic', start: '12:00' }]));
  fake.setMember(GROUP_A, people.alice.id, 'creator');
  fake.setMember(GROUP_A, people.bob.id, 'member');
  fake.setMember(GROUP_B, people.carol.id, 'creator');
  fake.setMember(GROUP_B, people.alice.id, 'member');
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: {
      ADMIN_IDS: String(OPERATOR), TELEGRAM_API: fake.url, WEBHOOK_SECRET: SECRET,
      BOT_USERNAME: FAKE_BOT_USERNAME, APP_SHORT_NAME: 'app',
    },
  });
  tg = telegram({ worker, fake, secret: SECRET });
});

after(async () => {
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

test('the bot added to two groups makes two communities and posts their buttons', async () => {
  await post(botStatus(group(GROUP_A, 'Group A'), 'member'));
  await post(botStatus(group(GROUP_B, 'Group B'), 'administrator'));
  for (const [chat, key] of [[GROUP_A, 'a'], [GROUP_B, 'b']]) {
    const body = await messageTo(chat);
    const url = body.reply_markup.inline_keyboard[0][0].url;
    const match = new RegExp(`^https://t\\.me/${FAKE_BOT_USERNAME}/app\\?startapp=c([A-Za-z0-9]{8,16})$`).exec(url);
    assert.ok(match, url);
    slugs[key] = match[1];
    assert.match(body.text, /admin/, 'asks to be made admin');
  }
  assert.notEqual(slugs.a, slugs.b);
  const rows = await d1(state, 'SELECT slug, chat_id, title, timezone, closed_at FROM communities ORDER BY id');
  assert.deepEqual(rows, [
    { slug: slugs.a, chat_id: GROUP_A, title: 'Group A', timezone: 'UTC', closed_at: null },
    { slug: slugs.b, chat_id: GROUP_B, title: 'Group B', timezone: 'UTC', closed_at: null },
  ]);
});

test('unknown or malformed communities are 404 before any upgrade', async () => {
  for (const slug of ['ZZZZZZZZZZZZ', 'bad-slug!', 'short']) {
    const status = await new Promise((resolve) => {
      const ws = new WebSocket(`${worker.wsUrl}?c=${slug}`);
      ws.once('unexpected-response', (_, response) => resolve(response.statusCode));
      ws.once('open', () => resolve('opened'));
      ws.once('error', () => {});
    });
    assert.equal(status, 404, slug);
  }
});

test("members enter their group's community and see only its events; others get 4003", async () => {
  const alice = await enter(people.alice, slugs.a);
  assert.deepEqual([alice.login.welcome.is_admin, alice.login.welcome.community], [true, { slug: slugs.a, title: 'Group A' }]);
  assert.deepEqual(alice.login.events, [], 'none of the default community');
  const bob = await enter(people.bob, slugs.a);
  assert.equal(bob.login.welcome.is_admin, false);
  const carol = await enter(people.carol, slugs.b);
  assert.equal(carol.login.welcome.is_admin, true, "B's creator is B's admin");
  const outsider = await enter(people.dave, slugs.a);
  assert.deepEqual(outsider.refused, { code: 4003, reason: 'not a member' });

  alice.send({ type: 'create-event', title: 'A game night', start: '19:00', duration: 2 });
  const made = await alice.nextWhere((m) => m.type === 'event');
  assert.equal((await bob.nextWhere((m) => m.type === 'event')).id, made.id, 'a change in A reaches A');
  assert.deepEqual(await carol.drain(400), [], 'and no socket of B');
  const [row] = await d1(state, `SELECT c.slug FROM events e JOIN communities c ON c.id = e.community_id WHERE e.id = ${made.id}`);
  assert.equal(row.slug, slugs.a);

  // Alice is only a member of B: not its admin.
  const aliceInB = await enter(people.alice, slugs.b);
  assert.equal(aliceInB.login.welcome.is_admin, false);
  const refused = await aliceInB.error({ type: 'create-event', title: 'Sneaky', start: '10:00', duration: 1 });
  assert.equal(refused.code, 'forbidden');

  // The default community is as it was, and sees nothing of A.
  const plain = await enter(people.dave);
  assert.deepEqual(plain.login.events.map((e) => e.title), ['Default picnic']);
  assert.equal(plain.login.welcome.community, undefined);
  // A deep link into A at the event selects it.
  const linked = await enter(people.bob, slugs.a, `c${slugs.a}_${made.id}`);
  assert.equal(linked.login.selected, made.id);
  for (const c of [alice, bob, carol, aliceInB, plain, linked]) c.close();
});

test('a Bot API failure refuses an unknown user with 1013; a cached member still enters', async () => {
  fake.failing.add('getChatMember');
  const stranger = user({ first: 'Eve' });
  fake.setMember(GROUP_A, stranger.id, 'member');
  const refused = await enter(stranger, slugs.a);
  assert.deepEqual(refused.refused, { code: 1013, reason: 'try again later' });
  const bob = await enter(people.bob, slugs.a);
  assert.equal(bob.login.welcome.type, 'welcome', 'known as a member: in');
  fake.failing.delete('getChatMember');
  bob.close();
});

test('a demoted group admin loses admin rights at once on a chat_member update', async () => {
  const alice = await enter(people.alice, slugs.a);
  assert.equal(alice.login.welcome.is_admin, true);
  fake.setMember(GROUP_A, people.alice.id, 'member');
  await post(memberStatus(group(GROUP_A, 'Group A'), people.alice.id, people.carol.id, 'creator', 'member'));
  const refused = await alice.error({ type: 'create-event', title: 'After demotion', start: '10:00', duration: 1 });
  assert.equal(refused.code, 'forbidden');
  fake.setMember(GROUP_A, people.alice.id, 'creator');
  await post(memberStatus(group(GROUP_A, 'Group A'), people.alice.id, people.alice.id, 'member', 'creator'));
  alice.close();
});

test('/events in a group answers its button; private /start lists the communities entered', async () => {
  fake.reset();
  await post(say(group(GROUP_B, 'Group B'), people.carol.id, `/events@${FAKE_BOT_USERNAME}`));
  const inGroup = await messageTo(GROUP_B);
  assert.equal(inGroup.reply_markup.inline_keyboard[0][0].url, `https://t.me/${FAKE_BOT_USERNAME}/app?startapp=c${slugs.b}`);
  await post(say({ id: people.bob.id, type: 'private' }, people.bob.id, '/start'));
  const privately = await messageTo(people.bob.id);
  const buttons = privately.reply_markup.inline_keyboard.map((row) => row[0].text);
  assert.deepEqual(buttons, ['Open events', 'Group A']);
  assert.match(privately.reply_markup.inline_keyboard[1][0].web_app.url, new RegExp(`\\?c=${slugs.a}$`));
});

test('inline search finds only events of communities the user entered', async () => {
  const carol = await enter(people.carol, slugs.b);
  carol.send({ type: 'create-event', title: 'B game night', start: '20:00', duration: 2 });
  await carol.nextWhere((m) => m.type === 'event');
  carol.close();
  const search = async (who, query = 'game night') => {
    fake.reset();
    await post({ inline_query: { id: `q${tg.updateId}`, from: { id: who.id, is_bot: false, first_name: 'X' }, query, offset: '' } });
    const [call] = await fake.waitFor((c) => c.method === 'answerInlineQuery');
    return call.body.results;
  };
  const titles = async (who) => (await search(who)).map((r) => r.title);
  assert.deepEqual(await titles(people.bob), ['A game night']);
  assert.deepEqual((await titles(people.alice)).sort(), ['A game night', 'B game night']);
  assert.deepEqual(await titles(people.dave), []);
  const [shared] = await search(people.bob, 'game');
  assert.match(shared.reply_markup.inline_keyboard[0][0].url, new RegExp(`startapp=c${slugs.a}_\\d+$`));
});

test("/timezone from a group admin moves the community's reminders to its local time", async () => {
  fake.reset();
  await post(say(group(GROUP_A, 'Group A'), people.bob.id, '/timezone Asia/Tokyo'));
  assert.match((await messageTo(GROUP_A)).text, /Only the group's admins/);
  fake.reset();
  await post(say(group(GROUP_A, 'Group A'), people.alice.id, '/timezone Mars/Olympus'));
  assert.match((await messageTo(GROUP_A)).text, /not a time zone/);

  // A daily event at this minute in Tokyo: not due while A is in UTC.
  const tokyo = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date());
  const alice = await enter(people.alice, slugs.a);
  alice.send({ type: 'create-event', title: 'Tokyo tea', start: tokyo, duration: 1 });
  const tea = await alice.nextWhere((m) => m.type === 'event' && m.title === 'Tokyo tea');
  alice.send({ type: 'attend', event: tea.id });
  await alice.nextWhere((m) => m.type === 'event' && m.id === tea.id && m.attending);
  alice.close();
  const cron = async () => (await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).text();
  fake.reset();
  await cron();
  assert.deepEqual(fake.callsTo('sendMessage').filter((c) => c.body.chat_id === people.alice.id), [], 'not yet in UTC');

  await post(say(group(GROUP_A, 'Group A'), people.alice.id, '/timezone Asia/Tokyo'));
  assert.match((await messageTo(GROUP_A, (b) => /Done/.test(b.text))).text, /Asia\/Tokyo/);
  const [row] = await d1(state, `SELECT timezone FROM communities WHERE slug = '${slugs.a}'`);
  assert.equal(row.timezone, 'Asia/Tokyo');
  await cron();
  const reminder = await messageTo(people.alice.id);
  assert.equal(reminder.text, `Tokyo tea is starting now, ${tokyo}`, 'the venue\'s time: Tokyo\'s');
  assert.deepEqual(reminder.entities.map((e) => e.type), ['date_time']);
  const back = await enter(people.bob, slugs.a);
  const listed = back.login.events.find((e) => e.id === tea.id);
  assert.equal(listed.timezone, 'Asia/Tokyo', 'the hub follows the new zone');
  assert.ok(listed.starts_at.endsWith('+09:00'), listed.starts_at);
  back.close();
});

test('removing the bot closes the community (4003, data kept); adding it back reopens it', async () => {
  const bob = await enter(people.bob, slugs.a);
  await post(botStatus(group(GROUP_A, 'Group A'), 'left'));
  assert.deepEqual(await bob.closed, { code: 4003, reason: 'community closed' }, 'open sockets are closed');
  const refused = await enter(people.bob, slugs.a);
  assert.deepEqual(refused.refused, { code: 4003, reason: 'community closed' });
  const [row] = await d1(state, `SELECT COUNT(*) AS n FROM events e JOIN communities c ON c.id = e.community_id WHERE c.slug = '${slugs.a}'`);
  assert.ok(row.n >= 2, 'its events are kept');
  await post(botStatus(group(GROUP_A, 'Group A'), 'member'));
  await messageTo(GROUP_A, (b) => /admin/.test(b.text));
  const again = await enter(people.bob, slugs.a);
  assert.ok(again.login.events.some((e) => e.title === 'A game night'), 'reopened with its events');
  again.close();
});

test('a group that becomes a supergroup keeps its community', async () => {
  const SUPER_B = -1_001_000_000_222;
  await post({ message: { message_id: 1, date: 0, chat: { id: GROUP_B, type: 'group', title: 'Group B' }, migrate_to_chat_id: SUPER_B } });
  const [row] = await d1(state, `SELECT chat_id FROM communities WHERE slug = '${slugs.b}'`);
  assert.equal(row.chat_id, SUPER_B);
  // Membership is asked of the new group now.
  const newcomer = user({ first: 'Nia' });
  fake.setMember(SUPER_B, newcomer.id, 'member');
  const nia = await enter(newcomer, slugs.b);
  assert.equal(nia.login.welcome.community.slug, slugs.b);
  assert.ok(nia.login.events.some((e) => e.title === 'B game night'), "B's events, not a new community's");
  nia.close();
});

test('someone who leaves the group is closed out of its community at once', async () => {
  const bob = await enter(people.bob, slugs.a);
  fake.setMember(GROUP_A, people.bob.id, 'left');
  await post(memberStatus(group(GROUP_A, 'Group A'), people.bob.id, people.bob.id, 'member', 'left'));
  assert.deepEqual(await bob.closed, { code: 4003, reason: 'not a member' });
  const again = await enter(people.bob, slugs.a);
  assert.deepEqual(again.refused, { code: 4003, reason: 'not a member' });
});
