// The list of event cards. Keeps cards in the server's (start, id) order,
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

export class EventList {
  /**
   * @param {HTMLElement} root the list element
   * @param {HTMLElement} empty the empty-state element
   * @param {object} actions onToggle(event, button), onShare(event), onEdit(event, card), onDelete(event)
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
    this.root.querySelectorAll('.skeleton').forEach((s) => s.remove());
    this.root.setAttribute('aria-busy', 'false');
    this.updateEmpty();
  }

  /** Stops showing the loading state when no events will come (a refused login). */
  stopLoading() {
    this.root.setAttribute('aria-busy', 'false');
    this.root.querySelectorAll('.skeleton').forEach((s) => s.remove());
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

  upsert(event) {
    this.events.set(event.id, event);
    this.seen?.add(event.id);
    const card = this.cards.get(event.id) ?? this.create(event.id);
    this.fill(card, event);
    this.place(card, event);
    this.updateEmpty();
  }

  remove(id) {
    this.cards.get(id)?.remove();
    this.cards.delete(id);
    this.events.delete(id);
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
    card.querySelector('.toggle').addEventListener('click', (e) => this.actions.onToggle(current(), e.currentTarget));
    card.querySelector('.share').addEventListener('click', () => this.actions.onShare(current()));
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
    card.querySelector('.when').textContent =
      `${event.start}–${endTime(event.start, event.duration)} · ${formatDuration(event.duration)}`;
    card.querySelector('.description').textContent = event.description;
    card.querySelector('.attendees').textContent =
      event.attendees === 1 ? '1 going' : `${event.attendees} going`;
    const toggle = card.querySelector('.toggle');
    toggle.textContent = event.attending ? 'Leave' : 'Attend';
    toggle.classList.toggle('secondary', event.attending);
    toggle.setAttribute('aria-pressed', String(event.attending));
    toggle.setAttribute('aria-label', `${event.attending ? 'Leave' : 'Attend'} ${event.title}`);
    toggle.removeAttribute('data-pending');
    card.querySelector('.share').setAttribute('aria-label', `Share ${event.title}`);
    card.querySelector('.share').hidden = !this.shareable;
    card.querySelector('.edit').setAttribute('aria-label', `Edit ${event.title}`);
    card.querySelector('.delete').setAttribute('aria-label', `Delete ${event.title}`);
    card.querySelector('.admin-actions').hidden = !this.isAdmin;
  }

  /** Puts the card where (start, id) order says. */
  place(card, event) {
    const cards = this.root.querySelectorAll('.event:not(.skeleton)');
    const after = [...cards].find((other) => {
      if (other === card) return false;
      const start = other.dataset.start;
      return start > event.start || (start === event.start && Number(other.dataset.id) > event.id);
    });
    const skeleton = this.root.querySelector('.skeleton');
    if (after) {
      if (card.nextElementSibling !== after) this.root.insertBefore(card, after);
    } else if (skeleton) {
      this.root.insertBefore(card, skeleton);
    } else if (this.root.lastElementChild !== card) {
      this.root.appendChild(card);
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
