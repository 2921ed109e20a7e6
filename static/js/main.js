// Mini Events: wires the pieces together. Telegram (telegram.js), the
// connection (connection.js) and its banner (connection-banner.js), the
// list of events and an event's own view (events-view.js), attending
// (attendance.js), the admin form (event-form.js), the settings sheet
// (settings-sheet.js), who is going (people-sheet.js), the host's
// check-in screen (door.js) and tickets (ticket.js), what is open over
// the list (layers.js), readable colours (contrast.js) and notices
// (notice.js) each live in their own module; this one routes the server's
// messages to them, and puts the page in the user's language (i18n.js)
// before anything is drawn.

import english from '../i18n/en.json';

import { Attendance } from './attendance.js';
import { Connection } from './connection.js';
import { showConnectionState } from './connection-banner.js';
import { ComposeSheet } from './compose.js';
import { QuestionsSheet } from './questions.js';
import { applyReadableColours } from './contrast.js';
import { DoorScreen } from './door.js';
import { EventForm } from './event-form.js';
import { EventList } from './events-view.js';
import { errorText, isListed } from './format.js';
import {
  currentLanguage, fetchWords, languageOf, onLanguage, t, translate, useEnglish, useWords,
} from './i18n.js';
import { Layers } from './layers.js';
import { Notice } from './notice.js';
import { PeopleSheet } from './people-sheet.js';
import { SettingsSheet } from './settings-sheet.js';
import {
  applyThemeFromFragment, canShare, canShareToStory, confirmAction, downloadFile, haptic, initData, launch,
  mainButton, onThemeChanged, openLink, saveFile, shareEvent, shareToStory, telegramLanguage, whenTelegramLoads,
} from './telegram.js';
import { ticketOf } from './ticket.js';

const $ = (id) => document.getElementById(id);

/** The language the server last said is the user's (a guess for the next start). */
const LANGUAGE_KEY = 'mini-events:language';
/** How long the first words may take before the page starts in English. */
const WORDS_WAIT_MS = 2500;

/** The language of the user's Telegram app, when we offer it, else English. */
const telegramsOwn = () => languageOf(telegramLanguage()) ?? 'en';

/** The language last asked for: a slower answer for an earlier one is dropped. */
let wantedLanguage = null;

/** Puts the page in `code` (fetching its words once); false when they cannot be had. */
async function switchLanguage(code) {
  wantedLanguage = code;
  if (code === currentLanguage() && document.documentElement.dir) return true;
  const words = code === 'en' ? english : await fetchWords(code);
  if (!words || wantedLanguage !== code) return false;
  useWords(code, words);
  return true;
}

useEnglish(english);
// The last language the server said, else Telegram's: the page starts in
// it (the server's `welcome` has the last word).
{
  const first = languageOf(localStorage.getItem(LANGUAGE_KEY)) ?? telegramsOwn();
  const late = new Promise((resolve) => { setTimeout(resolve, WORDS_WAIT_MS, false); });
  if (!(await Promise.race([switchLanguage(first), late]))) useWords('en', english);
  translate(document);
}

applyThemeFromFragment();
applyReadableColours();
// Wrapped: a listener's argument (the media query's change) is not a root.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyReadableColours());
onThemeChanged(() => applyReadableColours());

/** True until the first `events-loaded`. */
let firstLoad = true;
/** What an `error` from the server most likely answers: the form, or a button. */
let lastAction = null;
/** The user's name and the group's title, from `welcome`. */
let myName = null;
let communityTitle = null;
/** The connection's state, as the banner last said it. */
let lastState = null;
/** The user's calendar feed, and one event's calendar file ({id}), from `welcome`. */
let calendarUrl = null;
let eventCalendarUrl = null;

const connection = new Connection({ initData: initData(), launch: launch(), onMessage, onState });
const send = (message) => connection.send(message);
const notice = new Notice($('notice'));
const layers = new Layers();
const form = new EventForm(send, layers);
const attendance = new Attendance({ send, notice, onSettled: syncButtons });
const questions = new QuestionsSheet({
  dialog: $('questions'),
  layers,
  onAnswered: (event, button, guests, answers) => attendance.toggle(event, button, guests, answers).then(syncMainButton),
});
const list = new EventList($('events'), $('empty'), {
  onToggle(event, button, guests) {
    lastAction = { kind: 'attendance', title: event.title, id: event.id };
    // An event's questions come first; Attend goes with the answers.
    if (!isListed(event) && event.questions?.length) questions.open(event, button, guests);
    else attendance.toggle(event, button, guests).then(syncMainButton);
  },
  onGuests(event, guests) {
    lastAction = { kind: 'attendance', title: event.title, id: event.id };
    attendance.setGuests(event, guests);
  },
  onPeople: openPeople,
  onShare: (event) => shareEvent(event.id),
  onStory: (event) => event.image && shareToStory(new URL(event.image, location.href).href, event.title),
  onCalendar: (event) => eventCalendarUrl
    && downloadFile(eventCalendarUrl.replace('{id}', String(event.id)), `event-${event.id}.ics`),
  onEdit: (event, card) => form.open(card.querySelector('.edit-slot'), event),
  onDelete: deleteEvent,
  onOpen: (event) => openView(event.id),
  onLink: (url) => openLink(url),
  onFilled: syncMainButton,
  onDoor: (event) => openDoor(event),
  onMessage: (event) => openCompose(event),
  onExport(event) {
    lastAction = { kind: 'export', title: event.title, id: event.id };
    if (!send({ type: 'export', event: event.id })) {
      notice.show(t('notice.offline'), { warning: true });
    }
  },
});
const people = new PeopleSheet({ dialog: $('people'), send, layers, eventOf: (id) => list.get(id) });
/** The user's Telegram id, from `welcome`. */
let myId = null;
const compose = new ComposeSheet({ dialog: $('compose'), send, layers, me: () => myId });
const door = new DoorScreen({ dialog: $('door'), send, layers, eventOf: (id) => list.get(id) });

/**
 * An event's own view over the list. Inside Telegram its main action is
 * Telegram's MainButton and Back is Telegram's BackButton; elsewhere the
 * view's own buttons.
 */
const view = {
  id: null,
  done: null,
  main: null,
  open(id) {
    if (this.id === id) return;
    if (this.id !== null) this.close({ focus: false });
    const card = list.openDetail(id, $('view-slot'));
    if (!card) return;
    this.id = id;
    this.returnTo = document.activeElement;
    $('event-view').hidden = false;
    $('events').hidden = true;
    $('empty').hidden = true;
    $('admin').classList.add('behind');
    $('view-back').hidden = layers.native;
    this.done = layers.open(() => this.close());
    window.scrollTo(0, 0);
    this.syncMain();
    const title = card.querySelector('.title');
    title.tabIndex = -1;
    title.focus();
  },
  close({ focus = true } = {}) {
    if (this.id === null) return;
    const id = this.id;
    if (form.isOpen && form.editing?.id === id) form.close({ focus: false });
    list.closeDetail();
    this.id = null;
    $('event-view').hidden = true;
    $('events').hidden = false;
    $('admin').classList.remove('behind');
    list.updateEmpty();
    this.done?.();
    this.done = null;
    this.hideMain();
    if (focus) {
      const card = $('events').querySelector(`.event[data-id="${id}"]`);
      card?.scrollIntoView({ block: 'center' });
      (card?.querySelector('.open') ?? $('events')).focus();
    }
  },
  /** Telegram's MainButton says and does what the view's own button would. */
  syncMain() {
    const button = mainButton();
    if (!button) return;
    const event = this.id !== null ? list.get(this.id) : null;
    const toggle = list.detail?.card.querySelector('.toggle');
    if (!event || !toggle || toggle.hidden) {
      this.hideMain();
      return;
    }
    toggle.classList.add('native');
    if (!this.main) {
      this.main = () => toggle.click();
      button.onClick(this.main);
    }
    button.setText(toggle.textContent);
    if (toggle.dataset.pending) button.showProgress(false);
    else button.hideProgress();
    if (connection.online) button.enable();
    else button.disable();
    button.show();
  },
  hideMain() {
    const button = mainButton();
    if (!button || !this.main) return;
    button.offClick(this.main);
    this.main = null;
    button.hideProgress();
    button.hide();
  },
};

$('view-back').addEventListener('click', () => view.close());

$('hidden').addEventListener('change', (e) => {
  if (!send({ type: 'set-privacy', hidden: e.target.checked })) {
    e.target.checked = !e.target.checked;
    notice.show(t('notice.offline_privacy'), { warning: true });
  }
});

const settings = new SettingsSheet({
  dialog: $('settings'),
  opener: $('open-settings'),
  layers,
  onReminder(minutes) {
    if (send({ type: 'set-reminder', minutes })) return true;
    notice.show(t('notice.offline_reminder'), { warning: true });
    return false;
  },
  onSubscribe: () => calendarUrl && openLink(calendarUrl),
  onLanguage(code) {
    if (!send({ type: 'set-language', language: code })) {
      notice.show(t('notice.offline_language'), { warning: true });
      return false;
    }
    const now = code ?? telegramsOwn();
    localStorage.setItem(LANGUAGE_KEY, now);
    settings.showLanguage(code);
    switchLanguage(now);
    return true;
  },
});

// Another language: every word on the page again (what people typed stays).
onLanguage(() => {
  translate(document);
  if (communityTitle) $('title').textContent = communityTitle;
  if (myName !== null) $('greeting').textContent = t('header.hello', { name: myName });
  list.refill();
  settings.relabel();
  form.relabel();
  if (lastState) showConnectionState($('connection'), lastState.state, lastState.detail, { firstLoad });
  view.syncMain();
});

// Telegram hides its loading screen on ready(); expand() gives us the full height.
whenTelegramLoads((app) => {
  app.ready();
  app.expand();
  list.setShareable(canShare());
  list.setStory(canShareToStory());
  $('view-back').hidden = layers.native;
  view.syncMain();
});

$('new-event').addEventListener('click', () => {
  // Every event of a community is meant in its zone; each event says it.
  form.setZone(list.zone());
  form.open($('new-event-slot'));
});

async function deleteEvent(event) {
  const ok = await confirmAction(t('confirm.delete', { title: event.title }));
  if (!ok) return;
  lastAction = { kind: 'delete', title: event.title, id: event.id };
  if (!send({ type: 'delete-event', id: event.id })) {
    notice.show(t('notice.offline_delete'), { warning: true });
  }
}

/** Buttons that send something work only while connected. */
function syncButtons() {
  const online = connection.online;
  for (const button of document.querySelectorAll('[data-needs-connection]')) {
    // A button waiting for its answer keeps focus: aria-disabled, not disabled.
    button.disabled = !online;
    if (button.dataset.pending) button.setAttribute('aria-disabled', 'true');
  }
  view.syncMain();
}

/** What changed for this user between two versions of an event, said on the page. */
function announceChange(before, after) {
  if (!before) return;
  if (before.waitlisted && after.attending && !attendance.isWaiting(after.id)) {
    notice.show(t('notice.spot', { title: after.title }), { sticky: true });
    haptic('success');
  }
  // A host answered the user's request.
  if (before.pending && !after.pending && !attendance.isWaiting(after.id)) {
    const said = after.attending ? 'notice.approved' : after.waitlisted ? 'notice.approved_waiting' : 'notice.declined';
    notice.show(t(said, { title: after.title }), { sticky: true });
  }
}

function onMessage(message) {
  switch (message.type) {
    case 'welcome':
      myName = message.name;
      $('greeting').textContent = t('header.hello', { name: message.name });
      list.setMe(message.name);
      myId = message.telegram_id;
      // A group's community shows the group's name; the default looks as before.
      if (message.community?.title) {
        communityTitle = message.community.title;
        $('title').textContent = message.community.title;
        document.title = `${message.community.title} · Mini Events`;
      }
      setAdmin(message.is_admin);
      calendarUrl = message.calendar ?? null;
      eventCalendarUrl = message.calendar_event ?? null;
      settings.setFeed(calendarUrl);
      list.setCalendar(Boolean(eventCalendarUrl));
      if (message.limits) form.setLimits(message.limits);
      if (message.reminder !== undefined) settings.show(message.reminder);
      $('hidden').checked = Boolean(message.hidden);
      if (languageOf(message.language)) {
        localStorage.setItem(LANGUAGE_KEY, message.language);
        settings.showLanguage(message.language);
        switchLanguage(message.language);
      }
      list.beginSync();
      break;
    case 'event': {
      const previous = list.get(message.id);
      list.upsert(message);
      door.changed(message);
      form.refresh(message);
      if (!firstLoad) announceChange(previous, message);
      if (attendance.answered(message.id) && lastAction?.id === message.id) {
        haptic('success');
        const toggle = list.detail?.id === message.id ? list.detail.card.querySelector('.toggle') : null;
        if (toggle && !toggle.hidden && !toggle.classList.contains('native')) toggle.focus();
      }
      if (form.answeredBy(message) && (!previous || form.editing)) {
        const card = $('events').querySelector(`.event[data-id="${message.id}"]`);
        form.close({ focusTo: previous ? null : card?.querySelector('.open') });
      }
      break;
    }
    case 'events-loaded':
      list.endSync();
      if (firstLoad) {
        // A deep link through Telegram (startapp) names the event in the
        // login; the bot's /start <id> button names it in ?event=<id>.
        const linked = Number(new URLSearchParams(location.search).get('event'));
        const selected = message.selected ?? (list.get(linked) ? linked : null);
        if (selected != null) {
          list.highlight(selected);
          view.open(selected);
          // A ticket's link opened by a host: straight to checking it in.
          const ticket = ticketOf(launch().start);
          if (ticket && list.get(selected)?.host) openDoor(list.get(selected), ticket);
        }
      }
      firstLoad = false;
      break;
    case 'attendees':
      if (!door.show(message) && !compose.show(message)) people.show(message);
      break;
    case 'checked-in':
      door.answered(message);
      break;
    case 'people':
      form.setPeople(message.people);
      break;
    case 'message-queued':
      if (compose.queued(message)) {
        notice.show(t('notice.sent', { n: message.recipients }));
      }
      break;
    case 'export':
      saveFile(message.url, message.filename, message.csv, 'text/csv;charset=utf-8');
      notice.show(t('notice.saved', { file: message.filename }));
      break;
    case 'delete-event': {
      const gone = list.get(message.id);
      if (form.editing?.id === message.id) form.close();
      if (view.id === message.id) view.close();
      const focusLost = document.activeElement === document.body
        || $('events').querySelector(`.event[data-id="${message.id}"]`)?.contains(document.activeElement);
      list.remove(message.id);
      if (focusLost) $('events').focus();
      const ownDelete = lastAction?.kind === 'delete' && lastAction.id === message.id;
      if (gone && isListed(gone) && !ownDelete) {
        notice.show(t('notice.cancelled', { title: gone.title }), { warning: true, sticky: true });
      }
      break;
    }
    case 'error':
      if (lastAction?.kind === 'attendance') haptic('error');
      if (door.isOpen && ['not_on_list', 'closed', 'forbidden', 'invalid'].includes(message.code)) {
        door.refused(message);
      } else if (compose.isOpen && ['limit', 'invalid', 'forbidden'].includes(message.code)) {
        compose.refused(message);
      } else if (message.code === 'forbidden') {
        // Admin (or host) rights were revoked since this page logged in.
        form.close();
        const wasAdmin = !$('admin').hidden;
        setAdmin(false);
        list.forgetHosting();
        notice.show(wasAdmin ? t('notice.not_admin') : t('notice.not_host'), { warning: true });
      } else if (form.isOpen && form.pending) form.refused(message);
      else notice.show(describeError(message), { warning: true });
      break;
  }
  syncButtons();
}

/** Shows or hides everything only admins may use. */
function setAdmin(isAdmin) {
  $('admin').hidden = !isAdmin;
  list.setAdmin(isAdmin);
  form.setAdmin(isAdmin);
}

/**
 * An error from the server, said in the user's language by its `code`
 * (the protocol's `msg` stays English), with the event it was about.
 */
function describeError(error) {
  const said = errorText(error);
  return lastAction ? t('error.about', { error: said, title: lastAction.title }) : said;
}

function onState(state, detail) {
  lastState = { state, detail };
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

// Called from the list's callbacks, which are made before these objects.
function openPeople(event) {
  if (!people.open(event)) notice.show(t('notice.offline'), { warning: true });
}

function openView(id) {
  view.open(id);
}

function openCompose(event) {
  lastAction = { kind: 'message', title: event.title, id: event.id };
  if (!compose.open(event)) notice.show(t('notice.offline'), { warning: true });
}

function openDoor(event, ticket = null) {
  lastAction = { kind: 'door', title: event.title, id: event.id };
  if (!door.open(event, ticket)) notice.show(t('notice.offline'), { warning: true });
}

function syncMainButton() {
  view.syncMain();
}
