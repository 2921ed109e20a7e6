// Every user in their own language (part three), the protocol: which
// language is in force (the user's choice, else the latest language_code
// Telegram sent in initData or a webhook update, else English, by primary
// subtag), `set-language` and its validation, `welcome.language` and
// `welcome.languages`. One Worker for the file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client, Worker, prepareDb, removeState, tempState, user, telegram } from './helpers.mjs';
import { startFakeTelegram } from './fake-telegram.mjs';

const SECRET = 'webhook-secret-languages';
const LANGUAGES = ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'];
let state;
let worker;
let fake;
let tg;

before(async () => {
  fake = await startFakeTelegram();
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({ persistTo: state, vars: { TELEGRAM_API: fake.url, WEBHOOK_SECRET: SECRET } });
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
