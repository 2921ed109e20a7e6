// A client of the Mini Events WebSocket protocol (docs/protocol.md), for
// the operator commands and the end-to-end tests: open /ws, log in with
// signed initData, send messages, read what comes back in order.

import WebSocket from 'ws';

const APP = 'mini_event';

/** The WebSocket URL of a Worker's origin (`http://host` -> `ws://host/ws`). */
export function wsUrlOf(origin) {
  const url = new URL('/ws', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export class Client {
  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? { binary: data } : JSON.parse(data.toString());
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.inbox.push(message);
    });
  }

  /**
   * Opens a socket to `wsUrl` and waits for `connect`.
   * @param {string} wsUrl
   * @param {{headers?: Record<string,string>}} [options]
   */
  static async open(wsUrl, { headers } = {}) {
    const ws = new WebSocket(wsUrl, { headers });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket upgrade from ${wsUrl} within 15 s`));
      }, 15_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.once('unexpected-response', (_, response) => reject(new Error(`HTTP ${response.statusCode} from ${wsUrl}`)));
    });
    const client = new this(ws);
    const first = await client.next();
    if (first.type !== 'connect') throw new Error(`expected connect, got ${JSON.stringify(first)}`);
    return client;
  }

  /** Sends a message object (with our app) or a raw string. */
  send(message) {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify({ app: APP, ...message }));
  }

  /** The next message, waiting up to `timeout` ms. */
  next(timeout = 5000) {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
      timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(done), 1);
        reject(new Error(`no message within ${timeout} ms`));
      }, timeout);
      this.waiters.push(done);
    });
  }

  /** The next message for which `predicate` holds, skipping the others. */
  async nextWhere(predicate, timeout = 5000) {
    const deadline = Date.now() + timeout;
    const skipped = [];
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now())).catch((error) => {
        // Say what did arrive: a failed wait is then read, not guessed.
        const seen = skipped.slice(-5).map((m) => JSON.stringify(m).slice(0, 200));
        error.message += ` matching ${predicate}; skipped ${skipped.length}: ${seen.join(' ')}`;
        throw error;
      });
      if (predicate(message)) return message;
      skipped.push(message);
    }
  }

  /** Resolves with what arrives within `ms` (an empty list when nothing does). */
  async drain(ms = 300) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.inbox.splice(0);
  }

  /** Sends `login`; returns { welcome, events, selected }. */
  async login(initData) {
    this.send({ type: 'login', data: initData });
    const welcome = await this.next();
    if (welcome.type !== 'welcome') return { welcome, events: [], selected: undefined };
    const events = [];
    for (;;) {
      const message = await this.next();
      if (message.type === 'event') events.push(message);
      else if (message.type === 'events-loaded') return { welcome, events, selected: message.selected };
      else throw new Error(`unexpected during login: ${JSON.stringify(message)}`);
    }
  }

  /** Sends `message` and returns the `error` it must get back. */
  async error(message) {
    this.send(message);
    const reply = await this.next();
    if (reply.type !== 'error') throw new Error(`expected error, got ${JSON.stringify(reply)}`);
    return reply;
  }

  close() {
    this.ws.close();
  }
}
