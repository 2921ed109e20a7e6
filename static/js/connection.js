// The WebSocket to the Worker: log in on connect, reconnect with capped
// exponential backoff and jitter, and stop for good when the server refuses
// the login (it will refuse the same initData again).

const APP = 'mini_event';
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** How often to check a quiet socket is still alive (pings wake nothing on the server). */
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;

export class Connection {
  /**
   * @param {object} o
   * @param {string} o.initData
   * @param {Record<string,string>} [o.launch] what the app was opened for (telegram.js's launch()), sent as the socket's query
   * @param {(message: object) => void} o.onMessage every server message but connect/pong
   * @param {(state: string, detail?: object) => void} o.onState
   *   'connecting' | 'online' | 'waiting' (retry in detail.delay ms) | 'refused'
   */
  constructor({ initData, launch = {}, onMessage, onState }) {
    this.initData = initData;
    this.launch = launch;
    this.onMessage = onMessage;
    this.onState = onState;
    this.attempt = 0;
    this.refused = false;
    this.socket = null;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    window.addEventListener('online', () => this.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.retryNow();
    });
  }

  get online() {
    return this.socket?.readyState === WebSocket.OPEN && this.loggedIn;
  }

  start() {
    if (this.refused) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.loggedIn = false;
    this.onState('connecting');
    const url = new URL('/ws', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    url.search = new URLSearchParams(this.launch).toString();
    const early = this.takeEarlySocket(url.href);
    const socket = early?.socket ?? new WebSocket(url);
    this.socket = socket;
    this.loginSent = Boolean(early?.loginSent);
    socket.addEventListener('message', (e) => this.receive(socket, e.data));
    socket.addEventListener('close', (e) => this.closed(socket, e));
    for (const text of early?.messages ?? []) this.receive(socket, text);
  }

  /**
   * The socket boot.js opened before this code loaded, once, when it is
   * still open and is the one this connection would open.
   */
  takeEarlySocket(url) {
    const early = window.miniEventsEarlySocket;
    window.miniEventsEarlySocket = undefined;
    if (!early || early.url !== url || early.data !== this.initData) return null;
    if (early.socket.readyState > WebSocket.OPEN) return null;
    early.adopted = true;
    return early;
  }

  /** Sends a message; false (and nothing sent) while not logged in. */
  send(message) {
    if (!this.online) return false;
    this.socket.send(JSON.stringify({ ...message, app: APP }));
    return true;
  }

  /** Skips the wait when a retry is pending (back online, page shown again). */
  retryNow() {
    if (this.retryTimer !== null) this.start();
  }

  receive(socket, text) {
    if (socket !== this.socket) return;
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this.alive();
    switch (message.type) {
      case 'connect':
        // boot.js may have logged in already on this socket.
        if (!this.loginSent) socket.send(JSON.stringify({ type: 'login', app: APP, data: this.initData }));
        this.loginSent = false;
        return;
      case 'pong':
        return;
      case 'welcome':
        this.loggedIn = true;
        this.attempt = 0;
        this.onState('online');
        break;
      case 'disconnect':
        // Refused; the close that follows says whether for good.
        this.disconnected = true;
        break;
    }
    this.onMessage(message);
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.loggedIn = false;
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    // 1008 is a policy close: too many messages (stop), or a login that did
    // not arrive in time (a slow network: try again).
    // 1013: Telegram could not say whether the user is in the group; that
    // passes. 4001 (a bad login) and 4003 (not a member, the group's
    // community closed) do not.
    const policy = event.code === 1008 && event.reason !== 'login timeout';
    const retry = event.code === 1013;
    if (this.refused || event.code === 4001 || event.code === 4003 || policy || (this.disconnected && !retry)) {
      this.refused = true;
      this.onState('refused', { code: event.code, reason: event.reason });
      return;
    }
    this.disconnected = false;
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.start(), delay);
    this.onState('waiting', { delay, code: event.code, reason: event.reason });
  }

  /** Any message proves the socket alive; ping when it has been quiet. */
  alive() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    const socket = this.socket;
    this.pingTimer = setTimeout(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send('{"type":"ping"}');
      this.pongTimer = setTimeout(() => socket.close(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }
}
