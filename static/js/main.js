// Mini Events: wires Telegram, the connection, the list and the admin form.

import { Connection } from './connection.js';
import { EventForm } from './event-form.js';
import { EventList } from './events-view.js';
import {
  applyThemeFromFragment, canShare, confirmAction, initData, requestWriteAccess, shareEvent,
  whenTelegramLoads,
} from './telegram.js';

const $ = (id) => document.getElementById(id);
const WRITE_ACCESS_KEY = 'mini-events:write-access';
const PENDING_TIMEOUT_MS = 8000;

applyThemeFromFragment();

const notice = {
  element: $('notice'),
  timer: null,
  show(text, { warning = false, sticky = false } = {}) {
    clearTimeout(this.timer);
    this.element.textContent = text;
    this.element.classList.toggle('warning', warning);
    this.element.hidden = false;
    if (!sticky) this.timer = setTimeout(() => { this.element.hidden = true; }, 6000);
  },
};

const list = new EventList($('events'), $('empty'), {
  onToggle: toggleAttendance,
  onShare: (event) => shareEvent(event.id),
  onEdit: (event, card) => form.open(card.querySelector('.edit-slot'), event),
  onDelete: deleteEvent,
});

const form = new EventForm((message) => connection.send(message));

// Telegram hides its loading screen on ready(); expand() gives us the full height.
whenTelegramLoads((app) => {
  app.ready();
  app.expand();
  list.setShareable(canShare());
});

$('new-event').addEventListener('click', () => form.open($('new-event-slot')));

/** What an `error` from the server most likely answers: the form, or a button. */
let lastAction = null;

async function toggleAttendance(event, button) {
  if (!event.attending && !(await writeAccessSettled())) return;
  lastAction = { kind: 'attendance', title: event.title };
  if (!connection.send({ type: event.attending ? 'leave' : 'attend', event: event.id })) {
    notice.show('Not connected. Your change was not sent; try again when the app is back online.', { warning: true });
    return;
  }
  // Until the server's update arrives; it re-renders the button.
  button.disabled = true;
  button.dataset.pending = 'true';
  setTimeout(() => {
    if (button.dataset.pending) {
      delete button.dataset.pending;
      syncButtons();
    }
  }, PENDING_TIMEOUT_MS);
}

/**
 * Inside Telegram, attending first asks to let the bot message the user, so
 * it can say when the event starts. A refusal still attends, with a note.
 * Resolves false only when nothing should be sent.
 */
async function writeAccessSettled() {
  if (localStorage.getItem(WRITE_ACCESS_KEY) === 'granted') return true;
  if (sessionStorage.getItem(WRITE_ACCESS_KEY) === 'refused') return true;
  const granted = await requestWriteAccess();
  if (granted === null) return true; // not in Telegram: nothing to ask
  if (granted) {
    localStorage.setItem(WRITE_ACCESS_KEY, 'granted');
  } else {
    sessionStorage.setItem(WRITE_ACCESS_KEY, 'refused');
    notice.show(
      "You're going. The bot can't message you, so you won't get a reminder when it starts; allow messages from the bot to get one.",
      { sticky: true },
    );
  }
  return true;
}

async function deleteEvent(event) {
  const ok = await confirmAction(`Delete "${event.title}"? Everyone going will lose it from their list.`);
  if (!ok) return;
  lastAction = { kind: 'delete', title: event.title };
  if (!connection.send({ type: 'delete-event', id: event.id })) {
    notice.show('Not connected. The event was not deleted; try again when the app is back online.', { warning: true });
  }
}

/** Buttons that send something work only while connected. */
function syncButtons() {
  const online = connection.online;
  for (const button of document.querySelectorAll('[data-needs-connection]')) {
    button.disabled = !online || Boolean(button.dataset.pending);
  }
}

let firstLoad = true;

function onMessage(message) {
  switch (message.type) {
    case 'welcome':
      $('greeting').textContent = `Hi, ${message.name}`;
      setAdmin(message.is_admin);
      list.beginSync();
      break;
    case 'event': {
      const isNew = !list.get(message.id);
      list.upsert(message);
      if (form.answeredBy(message) && (isNew || form.editing)) form.close();
      break;
    }
    case 'events-loaded':
      list.endSync();
      if (firstLoad) {
        // A deep link through Telegram (startapp) names the event in the
        // login; the bot's /start <id> button names it in ?event=<id>.
        const linked = Number(new URLSearchParams(location.search).get('event'));
        const selected = message.selected ?? (list.get(linked) ? linked : null);
        if (selected != null) list.highlight(selected);
      }
      firstLoad = false;
      break;
    case 'delete-event':
      if (form.editing?.id === message.id) form.close();
      list.remove(message.id);
      break;
    case 'error':
      if (message.code === 'forbidden') {
        // Admin rights were revoked since this page logged in.
        form.close();
        setAdmin(false);
        notice.show('You are no longer an admin, so that change was not made.', { warning: true });
      } else if (form.isOpen && form.pending) form.showError(message.msg);
      else notice.show(describeError(message), { warning: true });
      break;
  }
  syncButtons();
}

/** Shows or hides everything only admins may use. */
function setAdmin(isAdmin) {
  $('admin').hidden = !isAdmin;
  list.setAdmin(isAdmin);
}

function describeError(error) {
  const what = lastAction ? ` (${lastAction.title})` : '';
  if (error.code === 'no_such_event') return `That event no longer exists${what}.`;
  if (error.code === 'internal') return `Something went wrong on our side${what}. Please try again.`;
  return error.msg;
}

const banner = $('connection');

function onState(state, detail) {
  banner.hidden = state === 'online';
  if (state === 'connecting') banner.textContent = firstLoad ? 'Connecting…' : 'Reconnecting…';
  if (state === 'waiting') {
    const seconds = Math.max(1, Math.round(detail.delay / 1000));
    banner.textContent = navigator.onLine
      ? `Connection lost. Reconnecting in ${seconds} s…`
      : 'You are offline. Changes are paused until you are back online.';
  }
  if (state === 'refused') {
    banner.textContent = 'Your session has expired. Close the app and open it again from Telegram.';
    banner.classList.add('warning');
    $('events').setAttribute('aria-busy', 'false');
    $('events').querySelectorAll('.skeleton').forEach((s) => s.remove());
  }
  document.body.dataset.connection = state;
  syncButtons();
}

const data = initData();
const connection = new Connection({ initData: data, onMessage, onState });
if (data) {
  connection.start();
} else {
  $('outside-telegram').hidden = false;
  $('events').hidden = true;
}
list.setShareable(canShare());
syncButtons();
