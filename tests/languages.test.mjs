// Every user in their own language (part three), the protocol: which
// language is in force (the user's choice, else the latest language_code
// Telegram sent in initData or a webhook update, else English, by primary
// subtag), `set-language` and its validation, `welcome.language` and
// `welcome.languages`. One Worker for the file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, prepareDb, removeState, sleep, tempState, user, telegram } from './helpers.mjs';
import { startFakeTelegram } from './fake-telegram.mjs';

const SECRET = 'webhook-secret-languages';
const ADMIN_ID = 5_000_001_000;
const LANGUAGES = ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'];
let state;
let worker;
let fake;
let tg;

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({
    persistTo: state,
    scheduled: true,
    vars: {
      TELEGRAM_API: fake.url, WEBHOOK_SECRET: SECRET, ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'UTC', NOTICE_SETTLE_SECONDS: '1',
    },
  });
  tg = telegram({ worker, fake, secret: SECRET });
});

after(async () => {
  await worker?.stop();
  await fake?.close();
  await removeState(state);
});

/** The welcome a login of `who` gets (the socket closed again). */
async function welcome(who) {
  const client = await Client.login(worker, who);
  client.close();
  return client.login.welcome;
}

test("Telegram's language_code decides by its primary subtag; anything else is English", async () => {
  for (const [code, expected] of [['ru', 'ru'], ['pt-br', 'pt'], ['UK', 'uk'], ['fa', 'fa'], ['it', 'en'], [undefined, 'en']]) {
    const said = await welcome(user({ languageCode: code }));
    assert.equal(said.language, expected, String(code));
    assert.deepEqual(said.languages, LANGUAGES);
  }
});

test("the user's choice comes first, in every login, until they follow Telegram again", async () => {
  const id = 5_000_001_001;
  const ru = user({ id, languageCode: 'ru' });
  const client = await Client.login(worker, ru);
  assert.equal(client.login.welcome.language, 'ru');
  for (const bad of [{ language: 'it' }, { language: 'RU' }, { language: 3 }, {}]) {
    const refused = await client.error({ type: 'set-language', ...bad });
    assert.equal(refused.code, 'invalid', JSON.stringify(bad));
    assert.match(refused.msg, /^Invalid data: language must be one of/);
  }
  client.send({ type: 'set-language', language: 'fa' });
  // No reply: the next message answered is the next error.
  assert.equal((await client.error({ type: 'set-language', language: 'xx' })).code, 'invalid');
  client.close();
  assert.equal((await welcome(user({ id, languageCode: 'ru' }))).language, 'fa', 'the choice wins over Telegram');
  assert.equal((await welcome(user({ id, languageCode: 'de' }))).language, 'fa');
  const again = await Client.login(worker, user({ id, languageCode: 'de' }));
  again.send({ type: 'set-language', language: null });
  await again.drain(300);
  again.close();
  assert.equal((await welcome(user({ id }))).language, 'de', "following Telegram again: its latest code");
});

test("a webhook update's from.language_code counts as Telegram's latest word", async () => {
  const id = 5_000_001_002;
  await tg.post({
    message: {
      message_id: 1, date: 0, text: '/help', chat: { id, type: 'private' },
      from: { id, is_bot: false, first_name: 'Uma', language_code: 'uk' },
    },
  });
  assert.equal((await welcome(user({ id }))).language, 'uk', 'a login without a code keeps the latest');
  assert.equal((await welcome(user({ id, languageCode: 'es' }))).language, 'es', "the login's own code is the latest");
});

test('a group starts in the language of whoever added the bot; /language by a group admin (only) changes it, and /events follows', async () => {
  const chat = -1_003_000_000_001;
  const [rita, max] = [5_000_001_101, 5_000_001_102];
  fake.setMember(chat, rita, 'creator');
  fake.setMember(chat, max, 'member');
  const group = tg.group(chat, 'Книжный клуб');
  fake.reset();
  await tg.post({
    my_chat_member: {
      chat: group, date: 0,
      from: { id: rita, is_bot: false, first_name: 'Рита', language_code: 'ru' },
      old_chat_member: { user: { id: 424242, is_bot: true, first_name: 'Bot' }, status: 'left' },
      new_chat_member: { user: { id: 424242, is_bot: true, first_name: 'Bot' }, status: 'member' },
    },
  });
  const joined = await tg.messageTo(chat);
  assert.match(joined.text, /^Привет! Теперь у этой группы есть свои события\./);
  assert.equal(joined.reply_markup.inline_keyboard[0][0].text, 'Открыть события');

  const answer = async (from, text) => {
    fake.reset();
    await tg.post(tg.say(group, from, text));
    return (await tg.messageTo(chat)).text;
  };
  assert.equal(await answer(max, '/language uk'), 'Язык группы могут менять только её админы.', 'refused, in Russian');
  assert.equal(await answer(rita, '/language it'), '«it» — на таком языке я не пишу. Укажите один из кодов: en, ru, uk, es, pt, de, fa.');
  assert.equal(await answer(rita, '/language uk'), 'Готово: тепер я пишу в цю групу українською.');
  assert.equal(await answer(rita, '/language'),
    'Я пишу в цю групу мовою: українська. Щоб змінити, надішліть /language з одним із кодів: en, ru, uk, es, pt, de, fa.');
  fake.reset();
  await tg.post(tg.say(group, max, '/events'));
  const events = await tg.messageTo(chat);
  assert.equal(events.text, 'Натисніть нижче, щоб переглянути події групи й записатися.');
  assert.equal(events.reply_markup.inline_keyboard[0][0].text, 'Відкрити події');
  assert.match(await answer(rita, '/timezone Mars/Olympus'), /^«Mars\/Olympus» — такого часового поясу я не знаю\./);
  assert.equal(await answer(rita, '/language en'), 'Done: I will write to this group in English.');
});

test('/start from a Russian user answers in Russian, the event\'s start a date_time entity', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  admin.send({ type: 'create-event', title: 'Лекция', start: '18:30', duration: 2, date: day });
  const lecture = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Лекция');
  admin.close();
  const ivan = 5_000_001_201;
  const from = { id: ivan, is_bot: false, first_name: 'Иван', language_code: 'ru' };
  const start = async (text) => {
    fake.reset();
    await tg.post({ message: { message_id: 1, date: 0, text, chat: { id: ivan, type: 'private' }, from } });
    return tg.messageTo(ivan);
  };
  const plain = await start('/start');
  assert.equal(plain.text, 'Привет, Иван! Нажмите ниже, чтобы посмотреть ближайшие события и записаться.');
  assert.equal(plain.reply_markup.inline_keyboard[0][0].text, 'Открыть события');
  const deep = await start(`/start ${lecture.id}`);
  assert.match(deep.text, /^Привет, Иван! Лекция: .+\. Нажмите ниже, чтобы открыть событие и записаться\.$/);
  const [entity] = deep.entities;
  assert.equal(entity.type, 'date_time');
  assert.equal(entity.unix_time, Date.parse(`${day}T18:30:00Z`) / 1000);
  const shown = deep.text.slice(entity.offset, entity.offset + entity.length);
  assert.match(shown, /18:30/, 'the venue\'s time, as written');
  assert.ok(!/[A-Za-z]{3}/.test(shown), `no English day or month: ${shown}`);
});

test('a reminder to someone who chose Persian is in Persian, its time a date_time entity at the start', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const at = new Date(Date.now() + 30 * 60_000);
  const [day, start] = [at.toISOString().slice(0, 10), at.toISOString().slice(11, 16)];
  admin.send({ type: 'create-event', title: 'Kafe', start, duration: 1, date: day });
  const kafe = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Kafe');
  admin.close();
  const sara = await Client.login(worker, user({ first: 'Sara', languageCode: 'de' }));
  sara.send({ type: 'set-language', language: 'fa' });
  sara.send({ type: 'set-reminder', minutes: 60 });
  sara.send({ type: 'attend', event: kafe.id });
  await sara.nextWhere((m) => m.type === 'event' && m.id === kafe.id && m.attending);
  sara.close();
  fake.reset();
  const response = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`, { signal: AbortSignal.timeout(60_000) });
  assert.equal(response.status, 200);
  await response.text();
  const reminder = await tg.messageTo(sara.user.id);
  assert.match(reminder.text, /^Kafe یک ساعت دیگر شروع می‌شود، /);
  const [entity] = reminder.entities;
  assert.equal(entity.type, 'date_time');
  assert.equal(entity.unix_time, Date.parse(`${day}T${start}:00Z`) / 1000, 'at the occurrence\'s start');
  const shown = reminder.text.slice(entity.offset, entity.offset + entity.length);
  assert.match(shown, /^[۰-۹]{2}:[۰-۹]{2}$/, `the venue's time in Persian digits: ${shown}`);
  assert.equal(reminder.text.slice(entity.offset + entity.length), '', 'the time ends the message');
});

test("notices come in the reader's language: a spot opening (its start a date_time entity) and a host's answer", async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const day = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10);
  admin.send({ type: 'create-event', title: 'Taller', start: '17:00', duration: 2, date: day, capacity: 1 });
  const workshop = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Taller');
  admin.send({ type: 'create-event', title: 'Cena', start: '20:00', duration: 2, date: day, approval: true });
  const supper = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Cena');
  const first = await Client.login(worker, user({ first: 'Ana' }));
  const olena = await Client.login(worker, user({ first: 'Олена', languageCode: 'uk' }));
  first.send({ type: 'attend', event: workshop.id });
  await first.nextWhere((m) => m.type === 'event' && m.id === workshop.id && m.attending);
  olena.send({ type: 'attend', event: workshop.id });
  await olena.nextWhere((m) => m.type === 'event' && m.id === workshop.id && m.waitlisted);
  fake.reset();
  first.send({ type: 'leave', event: workshop.id });
  const spot = await tg.messageTo(olena.user.id);
  assert.match(spot.text, /^Звільнилося місце: ви йдете на «Taller» \(.+\)$/);
  const [entity] = spot.entities;
  assert.deepEqual([entity.type, entity.unix_time], ['date_time', Date.parse(`${day}T17:00:00Z`) / 1000]);
  assert.match(spot.text.slice(entity.offset, entity.offset + entity.length), /17:00/);

  const pablo = await Client.login(worker, user({ first: 'Pablo', languageCode: 'es' }));
  pablo.send({ type: 'attend', event: supper.id });
  await pablo.nextWhere((m) => m.type === 'event' && m.id === supper.id && m.pending);
  fake.reset();
  admin.send({ type: 'approve', event: supper.id, user: pablo.user.id, approve: true });
  const yes = await tg.messageTo(pablo.user.id);
  assert.match(yes.text, /^¡Estás dentro! Los organizadores aceptaron tu solicitud: vas a Cena \(.+\)\.$/);
  assert.equal(yes.entities[0].unix_time, Date.parse(`${day}T20:00:00Z`) / 1000);
  for (const c of [admin, first, olena, pablo]) c.close();
});

test('a change and a cancellation are told in the reader\'s language', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const day = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  admin.send({ type: 'create-event', title: 'Vortrag', start: '18:00', duration: 1, date: day });
  const talk = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Vortrag');
  const jonas = await Client.login(worker, user({ first: 'Jonas', languageCode: 'de' }));
  jonas.send({ type: 'attend', event: talk.id });
  await jonas.nextWhere((m) => m.type === 'event' && m.id === talk.id && m.attending);
  admin.send({ type: 'edit-event', id: talk.id, start: '19:00' });
  await admin.nextWhere((m) => m.type === 'event' && m.id === talk.id && m.start === '19:00');
  fake.reset();
  // A change is told once it settles (NOTICE_SETTLE_SECONDS), by the cron.
  await sleep(1500);
  await (await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).text();
  const moved = await tg.messageTo(jonas.user.id);
  assert.match(moved.text, /^Vortrag ist verschoben auf .+ \(bis .*20:00.*\)$/);
  assert.equal(moved.entities[0].unix_time, Date.parse(`${day}T19:00:00Z`) / 1000);
  fake.reset();
  admin.send({ type: 'delete-event', id: talk.id });
  const gone = await tg.messageTo(jonas.user.id);
  assert.match(gone.text, /^Vortrag \(.+\) fällt aus$/);
  assert.equal(gone.entities[0].unix_time, Date.parse(`${day}T19:00:00Z`) / 1000);
  for (const c of [admin, jonas]) c.close();
});

test("an event shared inline is written in the sharer's language, its start a date_time entity; a host's message has its button in each reader's", async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const day = new Date(Date.now() + 6 * 86_400_000).toISOString().slice(0, 10);
  admin.send({ type: 'create-event', title: 'Хор', start: '19:00', duration: 2.5, date: day, repeat: 'weekly' });
  const choir = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Хор');
  const taras = user({ first: 'Тарас', languageCode: 'uk' });
  fake.reset();
  await tg.post({
    inline_query: {
      id: 'q-uk', query: `event:${choir.id}`, offset: '',
      from: { id: taras.id, is_bot: false, first_name: 'Тарас', language_code: 'uk' },
    },
  });
  const [{ body }] = await fake.waitFor((c) => c.method === 'answerInlineQuery');
  const [result] = body.results;
  const { message_text: text, entities: [entity] } = result.input_message_content;
  assert.deepEqual([entity.type, entity.unix_time], ['date_time', Date.parse(`${day}T19:00:00Z`) / 1000]);
  // Offsets count UTF-16 code units, as JavaScript's strings do.
  const at = text.slice(entity.offset, entity.offset + entity.length);
  assert.match(at, /^\S+, \d{1,2} \S+, 19:00$/, `the day and time in Ukrainian: ${at}`);
  assert.ok(!/[A-Za-z]{3}/.test(at), `no English day or month: ${at}`);
  assert.ok(text.includes(`${at} · 2 год 30 хв · щотижня`), text);
  assert.equal(result.reply_markup.inline_keyboard[0][0].text, 'Відкрити в Mini Events');

  // The host's message: the same text for all, the button in each reader's language.
  const sara = await Client.login(worker, user({ first: 'Sara', languageCode: 'fa' }));
  const ann = await Client.login(worker, user({ first: 'Ann' }));
  for (const c of [sara, ann]) {
    c.send({ type: 'attend', event: choir.id });
    await c.nextWhere((m) => m.type === 'event' && m.id === choir.id && m.attending);
  }
  fake.reset();
  admin.send({ type: 'message-attendees', event: choir.id, to: 'going', text: 'Bring the scores.' });
  const toSara = await tg.messageTo(sara.user.id, (b) => /Bring the scores/.test(b.text));
  const toAnn = await tg.messageTo(ann.user.id, (b) => /Bring the scores/.test(b.text));
  assert.equal(toSara.reply_markup.inline_keyboard[0][0].text, 'باز کردن در Mini Events');
  assert.equal(toAnn.reply_markup.inline_keyboard[0][0].text, 'Open in Mini Events');
  assert.equal(toSara.text, toAnn.text);
  for (const c of [admin, sara, ann]) c.close();
});
