// The first Mini Events page: log in over the WebSocket, list the events,
// attend or leave. User text only ever goes in through textContent.

const APP = 'mini_event';
const list = document.getElementById('events');
const status = document.getElementById('status');
const template = document.getElementById('event-card');

/** Telegram's initData: from its script when it loaded, else from the URL fragment. */
function initData() {
  const fromTelegram = window.Telegram?.WebApp?.initData;
  if (fromTelegram) return fromTelegram;
  return new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') ?? '';
}

const cards = new Map();
let socket;

function render(event) {
  let card = cards.get(event.id);
  if (!card) {
    card = template.content.firstElementChild.cloneNode(true);
    card.dataset.id = event.id;
    card.querySelector('.toggle').addEventListener('click', () => {
      const attending = card.dataset.attending === 'true';
      send({ type: attending ? 'leave' : 'attend', event: Number(card.dataset.id) });
    });
    cards.set(event.id, card);
  }
  card.dataset.start = event.start;
  card.dataset.attending = String(event.attending);
  card.querySelector('.title').textContent = event.title;
  const hours = event.duration === 1 ? 'hour' : 'hours';
  card.querySelector('.when').textContent = `${event.start} · ${event.duration} ${hours}`;
  card.querySelector('.description').textContent = event.description;
  card.querySelector('.attendees').textContent =
    `${event.attendees} attending`;
  const toggle = card.querySelector('.toggle');
  toggle.textContent = event.attending ? 'Leave' : 'Attend';
  toggle.setAttribute('aria-pressed', String(event.attending));
  toggle.setAttribute('aria-label', `${event.attending ? 'Leave' : 'Attend'} ${event.title}`);
  place(card);
}

/** Keeps cards in (start, id) order, the order the server uses. */
function place(card) {
  const key = (c) => [c.dataset.start, Number(c.dataset.id)];
  const [start, id] = key(card);
  const after = [...list.children].find((other) => {
    if (other === card) return false;
    const [s, i] = key(other);
    return s > start || (s === start && i > id);
  });
  if (after) list.insertBefore(card, after);
  else list.appendChild(card);
}

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ...message, app: APP }));
}

function connect() {
  const data = initData();
  if (!data) {
    status.textContent = 'Open this app from the Telegram bot.';
    return;
  }
  const url = new URL('/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(url);
  socket.addEventListener('message', ({ data: text }) => {
    const message = JSON.parse(text);
    switch (message.type) {
      case 'connect':
        send({ type: 'login', data });
        break;
      case 'welcome':
        // A login (or a re-login after a reconnect) sends every event anew.
        cards.clear();
        list.replaceChildren();
        status.textContent = `Hi, ${message.name}`;
        break;
      case 'event':
        render(message);
        break;
      case 'events-loaded':
        if (cards.size === 0) status.textContent = 'No events yet.';
        if (message.selected != null) {
          const card = cards.get(message.selected);
          card?.classList.add('selected');
          card?.scrollIntoView({ block: 'center' });
        }
        break;
      case 'delete-event':
        cards.get(message.id)?.remove();
        cards.delete(message.id);
        break;
      case 'disconnect':
        status.textContent = 'Login failed. Reopen the app from Telegram.';
        break;
      case 'error':
        status.textContent = message.msg;
        break;
    }
  });
  socket.addEventListener('close', (e) => {
    if (e.code === 4001 || e.code === 1008) return;
    status.textContent = 'Disconnected. Reconnecting…';
    setTimeout(connect, 2000);
  });
}

window.Telegram?.WebApp?.ready();
connect();
