// The list of event cards, grouped by day (Today, Tomorrow, then dates)
// with the events that are over in a Past section at the end. Keeps cards
// in the server's order (next occurrence, then id; past ones latest first),
// updates them in place, and drops on resync the ones the server no longer
// sends. Every piece of user text goes in through textContent; how it is
// written is format.js.

import {
  before, describeGoing, describeSeats, describeWhen, groupOf, initials, isFull, isListed, linkParts, sortKey,
} from './format.js';
import { number, t } from './i18n.js';
import { qrSvg } from './ticket.js';

/** A round face: the picture, or initials. */
export function face(person) {
  const span = document.createElement('span');
  span.className = 'face';
  span.textContent = initials(person.name);
  if (person.photo_url) {
    const img = document.createElement('img');
    img.alt = '';
    img.src = person.photo_url;
    img.addEventListener('error', () => img.remove());
    span.append(img);
  }
  return span;
}

export class EventList {
  /**
   * @param {HTMLElement} root the list element
   * @param {HTMLElement} empty the empty-state element
   * @param {object} actions onToggle(event, button, guests), onGuests(event, guests), onPeople(event),
   *   onShare(event), onCalendar(event), onEdit(event, card), onDelete(event), onOpen(event),
   *   onLink(url), onStory(event), onFilled(event, card) (the event's view was filled again),
   *   onDoor(event) (a host opens the check-in screen), onExport(event) (a host saves the list),
   *   onMessage(event) (a host writes to the people)
   */
  constructor(root, empty, actions) {
    this.root = root;
    this.empty = empty;
    this.actions = actions;
    this.template = document.getElementById('event-card');
    this.events = new Map();
    this.cards = new Map();
    this.isAdmin = false;
    this.shareable = false;
    this.calendar = false;
    this.story = false;
    this.seen = null;
    /** The user's name, for their tickets. */
    this.me = '';
    /** The event's own view: `{ id, card }` while it is open. */
    this.detail = null;
  }

  get(id) {
    return this.events.get(id);
  }

  /** The zone the events are meant in (the community's), when any event says. */
  zone() {
    for (const event of this.events.values()) if (event.timezone) return event.timezone;
    return '';
  }

  /** Starts a full resync: what the server does not send again goes. */
  beginSync() {
    this.seen = new Set();
  }

  /** Ends the initial load or a resync. */
  endSync() {
    if (this.seen) {
      for (const id of [...this.cards.keys()]) if (!this.seen.has(id)) this.remove(id);
    }
    this.seen = null;
    this.stopLoading();
    this.updateEmpty();
  }

  /** Stops showing the loading state (no events will come, or they all came). */
  stopLoading() {
    this.root.setAttribute('aria-busy', 'false');
    this.root.querySelectorAll('.skeleton').forEach((s) => s.remove());
    this.regroup();
  }

  setAdmin(isAdmin) {
    this.isAdmin = isAdmin;
    this.refill();
  }

  /** Writes every card again (the language or the user's rights changed). */
  refill() {
    for (const [id, card] of this.cards) this.fill(card, this.events.get(id));
    if (this.detail) this.fill(this.detail.card, this.events.get(this.detail.id));
    if (this.root.getAttribute('aria-busy') !== 'true') this.regroup();
    this.updateEmpty();
  }

  /**
   * Rights were revoked: the events as this page has them say the user
   * hosts them (as an admin); the server's next message of each says
   * again where they are still a listed host.
   */
  forgetHosting() {
    for (const event of this.events.values()) {
      delete event.host;
      delete event.hosts;
      delete event.checked_in;
    }
    this.setAdmin(false);
  }

  /** The user's name, as their tickets say it. */
  setMe(name) {
    this.me = name ?? '';
  }

  setShareable(shareable) {
    this.shareable = shareable;
    for (const card of this.allCards()) card.querySelector('.share').hidden = !shareable;
  }

  /** Offers sharing a picture to a Telegram story (the event's view). */
  setStory(available) {
    this.story = available;
    if (this.detail) this.fill(this.detail.card, this.events.get(this.detail.id));
  }

  /** The list's cards and the event's view. */
  allCards() {
    return this.detail ? [...this.cards.values(), this.detail.card] : [...this.cards.values()];
  }

  /** Offers "Add to calendar" once the user's feed is known. */
  setCalendar(available) {
    this.calendar = available;
    for (const [id, card] of this.cards) this.fill(card, this.events.get(id));
    if (this.detail) this.fill(this.detail.card, this.events.get(this.detail.id));
  }

  upsert(event) {
    this.events.set(event.id, event);
    this.seen?.add(event.id);
    const card = this.cards.get(event.id) ?? this.create(event.id);
    this.fill(card, event);
    this.place(card, event);
    if (this.detail?.id === event.id) {
      this.fill(this.detail.card, event);
      this.actions.onFilled?.(event, this.detail.card);
    }
    // During a (re)sync the headings are made once, at its end.
    if (!this.seen) this.regroup();
    this.updateEmpty();
  }

  remove(id) {
    this.cards.get(id)?.remove();
    this.cards.delete(id);
    this.events.delete(id);
    this.regroup();
    this.updateEmpty();
  }

  /**
   * Fills `slot` with the event's own view: the card at full length, with
   * its picture, whole description and every action. Null when unknown.
   */
  openDetail(id, slot) {
    const event = this.events.get(id);
    if (!event) return null;
    const card = this.build(id);
    card.classList.add('detail');
    card.removeAttribute('data-id');
    card.dataset.viewId = String(id);
    card.querySelector('img').loading = 'eager';
    this.detail = { id, card };
    this.fill(card, event);
    slot.replaceChildren(card);
    return card;
  }

  closeDetail() {
    this.detail?.card.remove();
    this.detail = null;
  }

  /** Scrolls to an event and marks it. */
  highlight(id) {
    const card = this.cards.get(id);
    if (!card) return;
    card.classList.add('selected');
    card.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }

  create(id) {
    const card = this.build(id);
    this.cards.set(id, card);
    return card;
  }

  /** A card for event `id`, its buttons wired. */
  build(id) {
    const card = this.template.content.firstElementChild.cloneNode(true);
    card.dataset.id = String(id);
    const current = () => this.events.get(id);
    card.querySelector('.toggle').addEventListener('click', (e) => {
      if (e.currentTarget.dataset.pending) return;
      this.actions.onToggle(current(), e.currentTarget, Number(card.dataset.guests ?? 0));
    });
    // The Details button, and for a pointer the title and the picture too.
    const open = () => {
      if (!card.classList.contains('detail')) this.actions.onOpen?.(current());
    };
    card.querySelector('.open').addEventListener('click', open);
    card.querySelector('.title').addEventListener('click', open);
    card.querySelector('.media').addEventListener('click', open);
    card.querySelector('.story').addEventListener('click', () => this.actions.onStory?.(current()));
    card.querySelector('.description').addEventListener('click', (e) => {
      const link = e.target.closest('a');
      if (!link) return;
      e.preventDefault();
      this.actions.onLink?.(link.href);
    });
    card.querySelector('.people').addEventListener('click', () => this.actions.onPeople(current()));
    const step = (delta) => {
      const event = current();
      const guests = Math.min(event.max_guests, Math.max(0, Number(card.dataset.guests ?? 0) + delta));
      if (isListed(event)) {
        if (guests !== event.guests) this.actions.onGuests(event, guests);
      } else {
        card.dataset.guests = String(guests);
        this.fill(card, event);
      }
    };
    card.querySelector('.less').addEventListener('click', () => step(-1));
    card.querySelector('.more').addEventListener('click', () => step(1));
    card.querySelector('.share').addEventListener('click', () => this.actions.onShare(current()));
    card.querySelector('.add-calendar').addEventListener('click', () => this.actions.onCalendar(current()));
    card.querySelector('.edit').addEventListener('click', () => this.actions.onEdit(current(), card));
    card.querySelector('.delete').addEventListener('click', () => this.actions.onDelete(current()));
    card.querySelector('.door-open').addEventListener('click', () => this.actions.onDoor?.(current()));
    card.querySelector('.requests-open').addEventListener('click', () => this.actions.onPeople(current()));
    card.querySelector('.export').addEventListener('click', () => this.actions.onExport?.(current()));
    card.querySelector('.message').addEventListener('click', () => this.actions.onMessage?.(current()));
    // A picture that does not load leaves no empty frame (until another comes).
    const image = card.querySelector('img');
    image.addEventListener('error', () => {
      image.dataset.failed = 'true';
      image.hidden = true;
      image.parentElement.hidden = true;
    });
    return card;
  }

  fill(card, event) {
    card.dataset.start = event.start;
    card.classList.toggle('past', Boolean(event.past));
    const image = card.querySelector('img');
    if (event.image) {
      if (image.getAttribute('src') !== event.image) {
        delete image.dataset.failed;
        image.src = event.image;
      }
      image.alt = card.classList.contains('detail') ? t('card.picture', { title: event.title }) : '';
    } else {
      image.removeAttribute('src');
    }
    // No picture, no placeholder: the card stays short.
    const shown = Boolean(event.image) && !image.dataset.failed;
    image.hidden = !shown;
    image.parentElement.hidden = !shown;
    card.querySelector('.title').textContent = event.title;
    const labelled = (selector, action) => card.querySelector(selector).setAttribute('aria-label', t('card.action_for', { action, title: event.title }));
    labelled('.open', t('card.details'));
    card.querySelector('.when').textContent = describeWhen(event);
    card.querySelector('.location').textContent = event.location ?? '';
    card.querySelector('.description').replaceChildren(...linkParts(event.description ?? '').map((part) => {
      if (part.text !== undefined) return document.createTextNode(part.text);
      const a = document.createElement('a');
      a.href = part.link;
      a.textContent = part.link;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      return a;
    }));
    card.querySelector('.attendees').textContent = describeGoing(event);
    card.querySelector('.faces').replaceChildren(...(event.faces ?? []).map(face));
    card.querySelector('.seats').textContent = describeSeats(event);
    // With approval: the user's request waits, or newcomers learn they ask.
    const request = card.querySelector('.request-state');
    request.textContent = event.pending ? t('card.pending')
      : event.approval && !event.host && !isListed(event) && !event.past ? t('card.approval') : '';
    request.hidden = !request.textContent;
    const listed = isListed(event);
    const toggle = card.querySelector('.toggle');
    const over = Boolean(event.past) && !listed;
    const shut = Boolean(event.closed) && !listed;
    const label = event.attending ? t('card.leave') : event.waitlisted ? t('card.leave_waitlist')
      : event.pending ? t('card.withdraw') : isFull(event) ? t('card.join_waitlist') : t('card.attend');
    toggle.textContent = over ? t('card.over') : label;
    toggle.hidden = over || shut;
    toggle.classList.toggle('secondary', listed);
    toggle.setAttribute('aria-pressed', String(listed));
    labelled('.toggle', label);
    toggle.removeAttribute('data-pending');
    toggle.removeAttribute('aria-disabled');
    // Guests: the server's number once listed, the user's choice before.
    if (listed) card.dataset.guests = String(event.guests ?? 0);
    const guests = Number(card.dataset.guests ?? 0);
    const stepper = card.querySelector('.guests');
    stepper.hidden = !(event.max_guests > 0) || over || shut;
    stepper.querySelector('.guests-count').textContent = guests ? t('card.plus', { n: guests }) : number(0);
    stepper.querySelector('.guests-label').textContent = listed ? t('card.your_guests') : t('card.bring_guests');
    stepper.querySelector('.less').disabled = guests <= 0;
    stepper.querySelector('.more').disabled = guests >= (event.max_guests ?? 0);
    stepper.querySelector('.guests-limit').textContent = guests >= (event.max_guests ?? 0)
      ? t('card.guests_most', { n: event.max_guests }) : t('card.guests_up_to', { n: event.max_guests });
    labelled('.share', t('card.share'));
    card.querySelector('.share').hidden = !this.shareable;
    const story = card.querySelector('.story');
    story.hidden = !(this.story && event.image && card.classList.contains('detail'));
    labelled('.story', t('card.story'));
    labelled('.add-calendar', t('card.add_calendar'));
    // On the list only for the events the user goes to (cards stay short).
    card.querySelector('.add-calendar').hidden = !this.calendar || Boolean(event.past) || Boolean(event.pending)
      || !(listed || card.classList.contains('detail'));
    labelled('.edit', t('card.edit'));
    labelled('.delete', t('card.delete'));
    // Hosts (admins, and the people an admin listed) edit and check in;
    // only admins delete.
    card.querySelector('.admin-actions').hidden = !(this.isAdmin || event.host);
    card.querySelector('.delete').hidden = !this.isAdmin;
    const door = card.querySelector('.door-open');
    door.hidden = !event.host;
    door.textContent = event.checked_in ? t('card.check_in_count', { n: event.checked_in }) : t('card.check_in');
    labelled('.door-open', door.textContent);
    const requests = card.querySelector('.requests-open');
    requests.hidden = !(event.host && event.requests > 0);
    requests.textContent = t('card.requests', { n: event.requests ?? 0 });
    labelled('.requests-open', requests.textContent);
    // The list as a spreadsheet, from the event's view.
    const exporting = card.querySelector('.export');
    exporting.hidden = !(event.host && card.classList.contains('detail'));
    labelled('.export', t('card.export'));
    const message = card.querySelector('.message');
    message.hidden = exporting.hidden;
    labelled('.message', t('card.message'));
    this.fillTicket(card, event);
  }

  /** The event's view shows the user's ticket while they are going. */
  fillTicket(card, event) {
    const section = card.querySelector('.ticket');
    const link = card.classList.contains('detail') && event.attending ? event.ticket_link ?? '' : '';
    section.hidden = !link;
    if (!link) {
      delete section.dataset.link;
      return;
    }
    section.querySelector('.ticket-event').textContent = `${event.title} · ${describeWhen(event)}`;
    const guests = event.guests ? ` ${t('ticket.guests', { n: event.guests })}` : '';
    section.querySelector('.ticket-who').textContent = `${this.me}${guests}`;
    const label = t('ticket.qr', { title: event.title });
    if (section.dataset.link === link) {
      section.querySelector('.ticket-qr svg')?.setAttribute('aria-label', label);
      return;
    }
    section.dataset.link = link;
    qrSvg(link, label).then((svg) => {
      if (section.dataset.link === link) section.querySelector('.ticket-qr').replaceChildren(svg);
    }, () => {
      section.querySelector('.ticket-qr').textContent = t('ticket.no_code');
    });
  }

  /** Puts the card where the server's order says (the end, on a login). */
  place(card, event) {
    const key = sortKey(event);
    card.sortKey = key;
    const others = [...this.root.querySelectorAll('.event:not(.skeleton)')].filter((c) => c !== card);
    const last = others.at(-1);
    const after = !last || before(last.sortKey, key) < 0
      ? null
      : others.find((other) => before(other.sortKey, key) > 0);
    const skeleton = this.root.querySelector('.skeleton');
    let next = card.nextElementSibling;
    while (next?.classList.contains('day-heading')) next = next.nextElementSibling;
    // Moving a card takes the focus off its buttons: put it back after.
    const focused = card.contains(document.activeElement) ? document.activeElement : null;
    if (after) {
      if (next !== after) this.root.insertBefore(card, after);
    } else if (skeleton) {
      this.root.insertBefore(card, skeleton);
    } else if (this.root.lastElementChild !== card && next) {
      this.root.appendChild(card);
    }
    if (focused && document.activeElement !== focused) focused.focus();
  }

  /** Puts a heading before the first card of each day (and of the past). */
  regroup() {
    this.root.querySelectorAll('.day-heading').forEach((h) => h.remove());
    let last = null;
    for (const card of this.root.querySelectorAll('.event:not(.skeleton)')) {
      const event = this.events.get(Number(card.dataset.id));
      if (!event) continue;
      const group = groupOf(event);
      if (group.key === last) continue;
      last = group.key;
      const heading = document.createElement('h2');
      heading.className = 'day-heading';
      heading.dataset.group = group.key;
      heading.textContent = group.label;
      this.root.insertBefore(heading, card);
    }
  }

  updateEmpty() {
    const loading = this.root.getAttribute('aria-busy') === 'true';
    this.empty.hidden = loading || this.cards.size > 0;
    this.empty.textContent = this.isAdmin ? t('list.empty_admin') : t('list.empty');
  }
}
