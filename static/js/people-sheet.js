// The sheet of who is going to an event and who waits, in the order they
// joined, with their pictures (or initials) and guests. Asks the server
// each time it opens; people who hide are only counted.

import { face } from './events-view.js';
import { clockTime, isOver } from './format.js';
import { t } from './i18n.js';
import { sheetLayer } from './layers.js';
import { confirmAction } from './telegram.js';

export class PeopleSheet {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {(message: object) => boolean} o.send false when not connected
   * @param {import('./layers.js').Layers} o.layers
   * @param {(id: number) => object|undefined} o.eventOf the event as the list has it now
   */
  constructor({ dialog, send, layers, eventOf }) {
    this.dialog = dialog;
    this.send = send;
    this.eventOf = eventOf;
    this.event = null;
    this.showSheet = sheetLayer(layers, dialog);
  }

  /** Opens the sheet for `event` and asks who is listed. */
  open(event) {
    if (!this.send({ type: 'attendees', event: event.id })) return false;
    this.event = event.id;
    const q = (s) => this.dialog.querySelector(s);
    q('#people-heading').textContent = event.title;
    q('.people-loading').hidden = false;
    for (const s of ['.people-going', '.people-waiting', '.people-pending']) q(s).replaceChildren();
    for (const s of ['.people-going-heading', '.people-waiting-heading', '.people-pending-heading', '.people-hidden']) {
      q(s).hidden = true;
    }
    this.showSheet();
    return true;
  }

  /** Fills the sheet with the server's `attendees` answer. */
  show(answer) {
    if (answer.event !== this.event || !this.dialog.open) return;
    const q = (s) => this.dialog.querySelector(s);
    q('.people-loading').hidden = true;
    const event = this.eventOf?.(answer.event);
    // Hosts may take someone off the lists (the bot tells them).
    const row = (person) => {
      const li = personRow(person);
      if (event?.host) li.append(this.removeButton(answer.event, person));
      return li;
    };
    const fill = (list, heading, people) => {
      q(list).replaceChildren(...people.map(row));
      q(heading).hidden = people.length === 0 && list === '.people-waiting';
      // Seats, as the card counts them: people and their guests.
      const seats = people.reduce((sum, person) => sum + 1 + (person.guests ?? 0), 0);
      const going = Math.max(seats, this.eventOf?.(answer.event)?.attendees ?? 0);
      q(heading).textContent = list === '.people-going' ? t('people.going', { n: going }) : t('people.waiting', { n: seats });
    };
    // Hosts get who was checked in: said on each row, and after the event
    // who did not come.
    for (const person of answer.going) person.door = doorLine(person, isOver(event), event?.timezone);
    fill('.people-going', '.people-going-heading', answer.going);
    fill('.people-waiting', '.people-waiting-heading', answer.waiting);
    // Hosts: who asks to come, with their answers, to let in or decline.
    const pending = answer.pending ?? [];
    q('.people-pending-heading').hidden = pending.length === 0;
    q('.people-pending-heading').textContent = t('card.requests', { n: pending.length });
    q('.people-pending').replaceChildren(...pending.map((person) => this.requestRow(answer.event, event, person)));
    const hidden = q('.people-hidden');
    hidden.hidden = !answer.hidden;
    hidden.textContent = t('people.hidden', { n: answer.hidden ?? 0 });
    if (!answer.going.length && !answer.waiting.length && !answer.hidden) {
      q('.people-going').replaceChildren(Object.assign(document.createElement('li'), { className: 'nobody', textContent: t('people.nobody') }));
    }
  }

  /** One request: the person, their answers, Approve and Decline. */
  requestRow(id, event, person) {
    const li = personRow(person);
    li.classList.add('request');
    const answers = document.createElement('dl');
    answers.className = 'request-answers';
    (event?.questions ?? []).forEach((question, i) => {
      const dt = document.createElement('dt');
      dt.textContent = question;
      const dd = document.createElement('dd');
      dd.textContent = person.answers?.[i] || '—';
      answers.append(dt, dd);
    });
    if (answers.childElementCount) li.append(answers);
    const name = person.name || t('people.someone');
    const buttons = document.createElement('span');
    buttons.className = 'request-buttons';
    for (const [approve, label] of [[true, t('people.approve')], [false, t('people.decline')]]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = approve ? 'small request-approve' : 'secondary small request-decline';
      button.textContent = label;
      button.setAttribute('aria-label', t('card.action_for', { action: label, title: name }));
      button.addEventListener('click', () => {
        for (const b of buttons.querySelectorAll('button')) b.disabled = true;
        this.send({ type: 'approve', event: id, user: person.telegram_id, approve });
      });
      buttons.append(button);
    }
    li.append(buttons);
    return li;
  }

  /** A host's Remove for one person, asked first; the answer is the lists again. */
  removeButton(event, person) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary small danger person-remove';
    button.textContent = t('form.remove');
    const name = person.name || t('people.someone');
    button.setAttribute('aria-label', t('card.action_for', { action: t('form.remove'), title: name }));
    button.addEventListener('click', async () => {
      if (!await confirmAction(t('confirm.remove', { name }))) return;
      this.send({ type: 'remove-attendee', event, user: person.telegram_id });
    });
    return button;
  }
}

/** One person: face, name, @username, +guests, and for hosts whether they came. */
export function personRow(person) {
  const li = document.createElement('li');
  const name = document.createElement('span');
  name.className = 'person-name';
  name.textContent = person.name || t('people.someone');
  li.append(face(person), name);
  if (person.username) {
    const username = document.createElement('span');
    username.className = 'person-username';
    username.textContent = `@${person.username}`;
    li.append(username);
  }
  if (person.guests) {
    const guests = document.createElement('span');
    guests.className = 'person-guests';
    guests.textContent = t('card.plus', { n: person.guests });
    li.append(guests);
  }
  if (person.door) {
    const door = document.createElement('span');
    door.className = 'person-door';
    door.textContent = person.door;
    li.append(door);
  }
  return li;
}

/** For hosts: "In 19:04", or after the event "Did not come"; '' for others. */
function doorLine(person, over, zone) {
  if (person.checked_in_at === undefined) return '';
  if (person.checked_in_at) return t('door.in_at', { time: clockTime(person.checked_in_at, zone) });
  return over ? t('door.did_not_come') : '';
}
