// Mini Events: wires the pieces together. Telegram (telegram.js), the
// connection (connection.js) and its banner (connection-banner.js), the
// list of events (events-view.js), attending (attendance.js), the admin
// form (event-form.js), the settings sheet (settings-sheet.js), who is
// going (people-sheet.js) and notices
// (notice.js) each live in their own module; this one routes the server's
// messages to them.

import { Attendance } from './attendance.js';
import { Connection } from './connection.js';
import { showConnectionState } from './connection-banner.js';
import { EventForm } from './event-form.js';
import { EventList } from './events-view.js';
import { Notice } from './notice.js';
import { PeopleSheet } from './people-sheet.js';
import { SettingsSheet } from './settings-sheet.js';
import {
  applyThemeFromFragment, canShare, confirmAction, initData, launch, openLink, shareEvent, whenTelegramLoads,
} from './telegram.js';

const $ = (id) => document.getElementById(id);

applyThemeFromFragment();

/** True until the first `events-loaded`. */
let firstLoad = true;
/** What an `error` from the server most likely answers: the form, or a button. */
let lastAction = null;
/** The user's calendar feed, and one event's calendar file ({id}), from `welcome`. */
let calendarUrl = null;
let eventCalendarUrl = null;

const connection = new Connection({ initData: initData(), launch: launch(), onMessage, onState });
const send = (message) => connection.send(message);
const notice = new Notice($('notice'));
const form = new EventForm(send);
const attendance = new Attendance({ send, notice, onSettled: syncButtons });
const people = new PeopleSheet({ dialog: $('people'), send });
const list = new EventList($('events'), $('empty'), {
  onToggle(event, button, guests) {
    lastAction = { kind: 'attendance', title: event.title };
    attendance.toggle(event, button, guests);
  },
  onGuests(event, guests) {
    lastAction = { kind: 'attendance', title: event.title };
    attendance.setGuests(event, guests);
  },
  onPeople(event) {
    if (!people.open(event)) notice.show('Not connected. Try again when the app is back online.', { warning: true });
  },
  onShare: (event) => shareEvent(event.id),
  onCalendar: (event) => eventCalendarUrl && openLink(eventCalendarUrl.replace('{id}', String(event.id))),
  onEdit: (event, card) => form.open(card.querySelector('.edit-slot'), event),
  onDelete: deleteEvent,
});

$('hidden').addEventListener('change', (e) => {
  if (!send({ type: 'set-privacy', hidden: e.target.checked })) {
    e.target.checked = !e.target.checked;
    notice.show('Not connected. Your privacy setting was not changed.', { warning: true });
  }
});

const settings = new SettingsSheet({
  dialog: $('settings'),
  opener: $('open-settings'),
  onReminder(minutes) {
    if (send({ type: 'set-reminder', minutes })) return true;
    notice.show('Not connected. Your reminder setting was not changed.', { warning: true });
    return false;
  },
  onSubscribe: () => calendarUrl && openLink(calendarUrl),
});

// Telegram hides its loading screen on ready(); expand() gives us the full height.
whenTelegramLoads((app) => {
  app.ready();
  app.expand();
  list.setShareable(canShare());
});

$('new-event').addEventListener('click', () => form.open($('new-event-slot')));

async function deleteEvent(event) {
  const ok = await confirmAction(`Delete "${event.title}"? Everyone going will lose it from their list.`);
  if (!ok) return;
  lastAction = { kind: 'delete', title: event.title };
  if (!send({ type: 'delete-event', id: event.id })) {
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

function onMessage(message) {
  switch (message.type) {
    case 'welcome':
      $('greeting').textContent = `Hi, ${message.name}`;
      // A group's community shows the group's name; the default looks as before.
      if (message.community?.title) {
        $('title').textContent = message.community.title;
        document.title = `${message.community.title} · Mini Events`;
      }
      setAdmin(message.is_admin);
      calendarUrl = message.calendar ?? null;
      eventCalendarUrl = message.calendar_event ?? null;
      list.setCalendar(Boolean(eventCalendarUrl));
      if (message.limits) form.setLimits(message.limits);
      if (message.reminder !== undefined) settings.show(message.reminder);
      $('hidden').checked = Boolean(message.hidden);
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
    case 'attendees':
      people.show(message);
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

function onState(state, detail) {
  showConnectionState($('connection'), state, detail, { firstLoad });
  if (state === 'refused') list.stopLoading();
  syncButtons();
}

if (connection.initData) {
  connection.start();
} else {
  $('outside-telegram').hidden = false;
  $('events').hidden = true;
}
list.setShareable(canShare());
syncButtons();
