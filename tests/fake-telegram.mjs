// A local stand-in for the Telegram Bot API (we cannot reach Telegram from
// here). It records every call and answers the way Telegram does, including
// 429 with parameters.retry_after and 403 for users who blocked the bot.

import { createServer } from 'node:http';

export const FAKE_BOT_USERNAME = 'mini_events_test_bot';

export async function startFakeTelegram() {
  const fake = {
    /** Every call: { token, method, body, at, status }. */
    calls: [],
    /** Chat ids that answer 403 to sendMessage. */
    blocked: new Set(),
    /** chat id -> how many 429s sendMessage still answers, and with what retry_after. */
    rateLimited: new Map(),
    /** method -> how many 429s it still answers, and with what retry_after. */
    methodLimits: new Map(),
    /** chat id -> (user id -> status: creator, administrator, member, restricted, left, kicked). */
    members: new Map(),
    /** Methods that fail (500) as if Telegram were down. */
    failing: new Set(),
    /** Sets `user`'s status in group `chat`. */
    setMember(chat, user, status) {
      if (!this.members.has(chat)) this.members.set(chat, new Map());
      this.members.get(chat).set(user, status);
    },
    url: '',
    callsTo(method) {
      return this.calls.filter((c) => c.method === method && c.status === 200);
    },
    async waitFor(predicate, timeout = 10_000) {
      const deadline = Date.now() + timeout;
      while (Date.now() < deadline) {
        const found = this.calls.filter(predicate);
        if (found.length) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the fake Bot API saw no such call');
    },
    reset() {
      this.calls.length = 0;
      this.blocked.clear();
      this.rateLimited.clear();
      this.methodLimits.clear();
      this.failing.clear();
    },
  };

  const answer = (method, body) => {
    const chat = body?.chat_id;
    if (method === 'sendMessage' && fake.blocked.has(chat)) {
      return [403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }];
    }
    const limit = method === 'sendMessage' ? fake.rateLimited.get(chat) : fake.methodLimits.get(method);
    if (limit?.times > 0) {
      limit.times -= 1;
      return [429, {
        ok: false, error_code: 429,
        description: `Too Many Requests: retry after ${limit.retryAfter}`,
        parameters: { retry_after: limit.retryAfter },
      }];
    }
    if (fake.failing.has(method)) {
      return [500, { ok: false, error_code: 500, description: 'Internal Server Error' }];
    }
    const person = (id, status) => ({ user: { id, is_bot: false, first_name: `User ${id}` }, status, ...(status === 'restricted' ? { is_member: true } : {}) });
    switch (method) {
      case 'getChatMember': {
        const status = fake.members.get(chat)?.get(body.user_id) ?? 'left';
        return [200, { ok: true, result: person(body.user_id, status) }];
      }
      case 'getChatAdministrators': {
        const admins = [...(fake.members.get(chat) ?? new Map())].filter(([, s]) => s === 'creator' || s === 'administrator');
        return [200, { ok: true, result: admins.map(([id, s]) => person(id, s)) }];
      }
      case 'getMe':
        return [200, { ok: true, result: { id: 424242, is_bot: true, first_name: 'Mini Events', username: FAKE_BOT_USERNAME } }];
      case 'sendMessage':
        return [200, { ok: true, result: { message_id: fake.calls.length, date: Math.floor(Date.now() / 1000), chat: { id: chat }, text: body.text } }];
      case 'setWebhook':
      case 'setChatMenuButton':
      case 'setMyCommands':
      case 'setMyDescription':
      case 'setMyShortDescription':
      case 'answerInlineQuery':
        return [200, { ok: true, result: true }];
      default:
        return [404, { ok: false, error_code: 404, description: 'Not Found' }];
    }
  };

  const server = createServer((req, res) => {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    let raw = '';
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', () => {
      let body;
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        body = null;
      }
      const [status, reply] = match && body
        ? answer(match[2], body)
        : [400, { ok: false, error_code: 400, description: 'Bad Request' }];
      fake.calls.push({ token: match?.[1], method: match?.[2], body, at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${server.address().port}`;
  fake.close = () => new Promise((resolve) => server.close(resolve));
  return fake;
}
