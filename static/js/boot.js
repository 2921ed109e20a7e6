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
