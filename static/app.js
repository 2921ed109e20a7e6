// The first Mini Events page: log in over the WebSocket, list the events,
// attend or leave; admins create, edit and delete. User text only ever goes
// in through textContent.

const APP = 'mini_event';
const MAX_IMAGE_BYTES = 512 * 1024;
const $ = (id) => document.getElementById(id);
const list = $('events');
const status = $('status');
const template = $('event-card');
const form = $('event-form');
const formError = form.querySelector('.form-error');

/** Telegram's initData: from its script when it loaded, else from the URL fragment. */
function initData() {
  const fromTelegram = window.Telegram?.WebApp?.initData;
  if (fromTelegram) return fromTelegram;
  return new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') ?? '';
}

const events = new Map(); // id -> last event message
const cards = new Map(); // id -> card element
let socket;
let isAdmin = false;
let editing = null; // id of the event in the form, or null for a new one
let saving = false;

function render(event) {
  events.set(event.id, event);
  let card = cards.get(event.id);
  if (!card) {
    card = template.content.firstElementChild.cloneNode(true);
    card.dataset.id = event.id;
    card.querySelector('.toggle').addEventListener('click', () => {
      const current = events.get(Number(card.dataset.id));
      send({ type: current.attending ? 'leave' : 'attend', event: current.id });
    });
    card.querySelector('.edit').addEventListener('click', () => openForm(events.get(Number(card.dataset.id))));
    card.querySelector('.delete').addEventListener('click', () => {
      const current = events.get(Number(card.dataset.id));
      if (confirm(`Delete "${current.title}"?`)) send({ type: 'delete-event', id: current.id });
    });
    cards.set(event.id, card);
  }
  card.dataset.start = event.start;
  const image = card.querySelector('.image');
  image.hidden = !event.image;
  if (event.image && image.getAttribute('src') !== event.image) image.src = event.image;
  card.querySelector('.title').textContent = event.title;
  const hours = event.duration === 1 ? 'hour' : 'hours';
  card.querySelector('.when').textContent = `${event.start} · ${event.duration} ${hours}`;
  card.querySelector('.description').textContent = event.description;
  card.querySelector('.attendees').textContent = `${event.attendees} attending`;
  const toggle = card.querySelector('.toggle');
  toggle.textContent = event.attending ? 'Leave' : 'Attend';
  toggle.classList.toggle('secondary', event.attending);
  toggle.setAttribute('aria-pressed', String(event.attending));
  toggle.setAttribute('aria-label', `${event.attending ? 'Leave' : 'Attend'} ${event.title}`);
  card.querySelector('.admin-only').hidden = !isAdmin;
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
  if (socket?.readyState !== WebSocket.OPEN) {
    status.textContent = 'Not connected; try again in a moment.';
    return false;
  }
  socket.send(JSON.stringify({ ...message, app: APP }));
  return true;
}

function openForm(event = null) {
  editing = event?.id ?? null;
  $('form-title').textContent = event ? 'Edit event' : 'New event';
  form.reset();
  formError.textContent = '';
  if (event) {
    form.title.value = event.title;
    form.description.value = event.description;
    form.start.value = event.start;
    form.duration.value = event.duration;
  }
  form.hidden = false;
  form.title.focus();
}

function closeForm() {
  form.hidden = true;
  editing = null;
  saving = false;
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  formError.textContent = '';
  const message = {
    type: editing === null ? 'create-event' : 'edit-event',
    title: form.title.value,
    description: form.description.value,
    start: form.start.value,
    duration: Number(form.duration.value),
  };
  if (editing !== null) message.id = editing;
  const file = form.image.files[0];
  if (file) {
    if (file.size > MAX_IMAGE_BYTES) {
      formError.textContent = 'The picture is larger than 512 KiB.';
      return;
    }
    message.image = { name: file.name, base64: await readAsDataUrl(file) };
  }
  saving = send(message);
});
$('new-event').addEventListener('click', () => openForm());
$('cancel').addEventListener('click', closeForm);

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
        events.clear();
        cards.clear();
        list.replaceChildren();
        isAdmin = message.is_admin;
        $('admin').hidden = !isAdmin;
        status.textContent = `Hi, ${message.name}`;
        break;
      case 'event':
        render(message);
        if (saving) closeForm();
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
        events.delete(message.id);
        break;
      case 'disconnect':
        status.textContent = 'Login failed. Reopen the app from Telegram.';
        break;
      case 'error':
        if (saving) {
          formError.textContent = message.msg;
          saving = false;
        } else {
          status.textContent = message.msg;
        }
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
