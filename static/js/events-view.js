// The list of event cards, grouped by day (Today, Tomorrow, then dates)
// with the events that are over in a Past section at the end. Keeps cards
// in the server's order (next occurrence, then id; past ones latest first),
// updates them in place, and drops on resync the ones the server no longer
// sends. Every piece of user text goes in through textContent.

/** "1 h 30 min" for 1.5 hours. */
export function formatDuration(hours) {
  const minutes = Math.round(hours * 60);
  const parts = [];
  if (minutes >= 60) parts.push(`${Math.floor(minutes / 60)} h`);
  if (minutes % 60) parts.push(`${minutes % 60} min`);
  return parts.join(' ') || '0 min';
}

/** "18:30" plus 1.5 hours is "20:00" (past midnight wraps around). */
export function endTime(start, hours) {
  const [h, m] = start.split(':').map(Number);
  const total = (h * 60 + m + Math.round(hours * 60)) % (24 * 60);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "YYYY-MM-DD" of `ms` in `zone`. */
function dayIn(zone, ms) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** "HH:MM" of `ms` in `zone`. */
function timeIn(zone, ms) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

/** "Fri 5 Dec" for "2026-12-05". */
export function dayLabel(date) {
  const at = new Date(`${date}T12:00:00Z`);
  const weekday = at.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  const month = at.toLocaleDateString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `${weekday} ${at.getUTCDate()} ${month}`;
}

/** The heading of the group an event belongs to. */
function groupOf(event, now = Date.now()) {
  if (event.past) return { key: 'past', label: 'Past' };
  if (!event.date) return { key: 'undated', label: 'Every day' };
  const zone = event.timezone || viewerZone;
  if (event.date === dayIn(zone, now)) return { key: event.date, label: 'Today' };
  if (event.date === dayIn(zone, now + 86_400_000)) return { key: event.date, label: 'Tomorrow' };
  return { key: event.date, label: dayLabel(event.date) };
}

/**
 * When the event is, in its zone ("Fri 5 Dec · 19:00–22:00 · 3 h") and, when
 * the viewer's zone says another time, in theirs too.
 */
export function describeWhen(event) {
  const duration = formatDuration(event.duration);
  if (!event.starts_at) return `${event.start}–${endTime(event.start, event.duration)} · ${duration}`;
  const starts = Date.parse(event.starts_at);
  const ends = Date.parse(event.ends_at);
  const local = `${event.starts_at.slice(11, 16)}–${event.ends_at.slice(11, 16)}`;
  const parts = [dayLabel(event.date), local];
  const zone = event.timezone || viewerZone;
  if (zone !== viewerZone && timeIn(viewerZone, starts) !== event.starts_at.slice(11, 16)) {
    parts[1] += ` (${timeIn(viewerZone, starts)}–${timeIn(viewerZone, ends)} your time)`;
  }
  parts.push(duration);
  if (event.repeat === 'weekly') parts.push('every week');
  if (event.repeat === 'daily') parts.push('every day');
  return parts.join(' · ');
}

/** Whether the user is on the event's going list or its waitlist. */
export function isListed(event) {
  return Boolean(event.attending || event.waitlisted);
}

/** Whether a newcomer would wait: no seat left, or people waiting already. */
export function isFull(event) {
  return event.capacity != null && (event.attendees >= event.capacity || event.waitlist > 0);
}

/** The line about seats: "3 spots left", "Full: join the waitlist", "You are #2 on the waitlist"… */
export function describeSeats(event) {
  const parts = [];
  if (event.closed) parts.push('RSVPs closed');
  if (event.waitlisted) {
    parts.push(`You are #${event.waitlist_position} on the waitlist`);
  } else if (event.capacity != null && (!event.closed || event.attending)) {
    const left = event.capacity - event.attendees;
    if (left > 0 && !event.waitlist) parts.push(left === 1 ? '1 spot left' : `${left} spots left`);
    else parts.push(event.attending || event.closed ? 'Full' : 'Full: join the waitlist');
  }
  if (event.waitlist && !event.waitlisted) parts.push(`${event.waitlist} waiting`);
  return parts.join(' · ');
}

/** "AB" for "Ada Byron": a face without a picture. */
export function initials(name) {
  const letters = name.split(/\s+/).filter(Boolean).map((w) => [...w][0]).slice(0, 2);
  return letters.join('').toUpperCase() || '?';
}

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

/** Where an event sorts: upcoming by next start, then past ones, latest first. */
function sortKey(event) {
  if (!event.starts_at) return [0, 0, event.id];
  return event.past ? [1, -Date.parse(event.ends_at), event.id] : [0, Date.parse(event.starts_at), event.id];
}

function before(a, b) {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export class EventList {
  /**
   * @param {HTMLElement} root the list element
   * @param {HTMLElement} empty the empty-state element
   * @param {object} actions onToggle(event, button, guests), onGuests(event, guests), onPeople(event),
   *   onShare(event), onCalendar(event), onEdit(event, card), onDelete(event)
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
    this.seen = null;
  }

  get(id) {
    return this.events.get(id);
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
    for (const card of this.cards.values()) card.querySelector('.admin-actions').hidden = !isAdmin;
    this.updateEmpty();
  }

  setShareable(shareable) {
    this.shareable = shareable;
    for (const card of this.cards.values()) card.querySelector('.share').hidden = !shareable;
  }

  /** Offers "Add to calendar" once the user's feed is known. */
  setCalendar(available) {
    this.calendar = available;
    for (const card of this.cards.values()) card.querySelector('.add-calendar').hidden = !available;
  }

  upsert(event) {
    this.events.set(event.id, event);
    this.seen?.add(event.id);
    const card = this.cards.get(event.id) ?? this.create(event.id);
    this.fill(card, event);
    this.place(card, event);
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

  /** Scrolls to an event and marks it. */
  highlight(id) {
    const card = this.cards.get(id);
    if (!card) return;
    card.classList.add('selected');
    card.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }

  create(id) {
    const card = this.template.content.firstElementChild.cloneNode(true);
    card.dataset.id = String(id);
    const current = () => this.events.get(id);
    card.querySelector('.toggle').addEventListener('click', (e) => {
      this.actions.onToggle(current(), e.currentTarget, Number(card.dataset.guests ?? 0));
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
    const image = card.querySelector('img');
    image.addEventListener('load', () => image.parentElement.classList.add('has-image'));
    image.addEventListener('error', () => {
      image.hidden = true;
      image.parentElement.classList.remove('has-image');
    });
    this.cards.set(id, card);
    return card;
  }

  fill(card, event) {
    card.dataset.start = event.start;
    card.classList.toggle('past', Boolean(event.past));
    const image = card.querySelector('img');
    if (event.image) {
      if (image.getAttribute('src') !== event.image) {
        image.parentElement.classList.remove('has-image');
        image.src = event.image;
      }
      image.hidden = false;
    } else {
      image.removeAttribute('src');
      image.hidden = true;
      image.parentElement.classList.remove('has-image');
    }
    card.querySelector('.title').textContent = event.title;
    card.querySelector('.when').textContent = describeWhen(event);
    card.querySelector('.location').textContent = event.location ?? '';
    card.querySelector('.description').textContent = event.description;
    const going = event.capacity != null ? `${event.attendees} of ${event.capacity} going` : `${event.attendees} going`;
    card.querySelector('.attendees').textContent = event.attendees === 1 && event.capacity == null ? '1 going' : going;
    card.querySelector('.people').setAttribute('aria-label', `${going}: see who`);
    card.querySelector('.faces').replaceChildren(...(event.faces ?? []).map(face));
    card.querySelector('.seats').textContent = describeSeats(event);
    const listed = isListed(event);
    const toggle = card.querySelector('.toggle');
    const over = Boolean(event.past) && !listed;
    const shut = Boolean(event.closed) && !listed;
    const label = event.attending ? 'Leave' : event.waitlisted ? 'Leave the waitlist'
      : isFull(event) ? 'Join the waitlist' : 'Attend';
    toggle.textContent = over ? 'Over' : label;
    toggle.hidden = over || shut;
    toggle.classList.toggle('secondary', listed);
    toggle.setAttribute('aria-pressed', String(listed));
    toggle.setAttribute('aria-label', `${label} ${event.title}`);
    toggle.removeAttribute('data-pending');
    // Guests: the server's number once listed, the user's choice before.
    if (listed) card.dataset.guests = String(event.guests ?? 0);
    const guests = Number(card.dataset.guests ?? 0);
    const stepper = card.querySelector('.guests');
    stepper.hidden = !(event.max_guests > 0) || over || shut;
    stepper.querySelector('.guests-count').textContent = guests ? `+${guests}` : '0';
    stepper.querySelector('.guests-label').textContent = listed ? 'Your guests' : 'Bring guests';
    stepper.querySelector('.less').disabled = guests <= 0;
    stepper.querySelector('.more').disabled = guests >= (event.max_guests ?? 0);
    card.querySelector('.share').setAttribute('aria-label', `Share ${event.title}`);
    card.querySelector('.share').hidden = !this.shareable;
    card.querySelector('.add-calendar').setAttribute('aria-label', `Add ${event.title} to your calendar`);
    card.querySelector('.add-calendar').hidden = !this.calendar || Boolean(event.past);
    card.querySelector('.edit').setAttribute('aria-label', `Edit ${event.title}`);
    card.querySelector('.delete').setAttribute('aria-label', `Delete ${event.title}`);
    card.querySelector('.admin-actions').hidden = !this.isAdmin;
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
    if (after) {
      if (card.nextElementSibling !== after) this.root.insertBefore(card, after);
    } else if (skeleton) {
      this.root.insertBefore(card, skeleton);
    } else if (this.root.lastElementChild !== card) {
      this.root.appendChild(card);
    }
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
    this.empty.textContent = this.isAdmin
      ? 'No events yet. Create the first one with New event.'
      : 'No events yet. Check back soon.';
  }
}
