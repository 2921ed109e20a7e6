// Opens the WebSocket and logs in as soon as the page starts, while the
// app's code (app.js) is still on its way: on a slow phone network that
// saves the socket's round trips. A classic script of its own (the CSP
// allows no inline script); connection.js takes the socket over with what
// arrived meanwhile. It reads the launch data from the URL fragment,
// where Telegram puts it in every client, as telegram.js does.
(() => {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const data = fragment.get('tgWebAppData');
  if (!data || typeof WebSocket !== 'function') return;
  // The words of the language the page will start in (main.js decides
  // the same way: the last one the server said, else Telegram's), fetched
  // meanwhile too; English comes with app.js.
  const offered = ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'];
  const of = (code) => {
    const primary = String(code ?? '').toLowerCase().split(/[-_]/)[0];
    return offered.includes(primary) ? primary : null;
  };
  let telegram = '';
  try {
    telegram = JSON.parse(new URLSearchParams(data).get('user') ?? '{}').language_code;
  } catch {
    // no profile: English
  }
  let kept = null;
  try {
    kept = localStorage.getItem('mini-events:language');
  } catch {
    // storage refused: Telegram's language
  }
  const language = of(kept) ?? of(telegram);
  if (language && language !== 'en') {
    const words = fetch(`/i18n/${language}.json`).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    window.miniEventsEarlyWords = { language, words };
  }
  const start = fragment.get('tgWebAppStartParam') || new URLSearchParams(data).get('start_param') || '';
  const community = new URLSearchParams(location.search).get('c');
  const launch = start ? { start } : community ? { c: community } : {};
  const url = new URL('/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = new URLSearchParams(launch).toString();
  // `adopted`: connection.js has the socket now and does everything itself.
  const early = { url: url.href, data, socket: new WebSocket(url), messages: [], loginSent: false, adopted: false };
  early.socket.addEventListener('message', (e) => {
    if (early.adopted) return;
    early.messages.push(e.data);
    if (!early.loginSent && typeof e.data === 'string' && e.data.includes('"connect"')) {
      early.socket.send(JSON.stringify({ type: 'login', app: 'mini_event', data }));
      early.loginSent = true;
    }
  });
  window.miniEventsEarlySocket = early;
})();
