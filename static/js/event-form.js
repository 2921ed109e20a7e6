// The admin form for creating and editing events. One form at a time: it
// opens under the New event button, or inside the card being edited. The
// server has the last word on every rule; the checks here only save a
// round trip (and a 700 KB upload) for what is plainly wrong.

import { t, translate } from './i18n.js';
import { errorText, zoneName } from './format.js';

const MAX_IMAGE_BYTES = 512 * 1024;
/** The form's field each `invalid` error may name (its detail starts with the field), and its label's key. */
const FIELD_LABELS = {
  title: 'form.title', description: 'form.description', date: 'form.date', repeat: 'form.repeat', start: 'form.start',
  duration: 'form.duration', location: 'form.location', capacity: 'form.capacity', max_guests: 'form.max_guests',
  image: 'form.picture', questions: 'form.questions', hosts: 'form.hosts', approval: 'form.approval',
};
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

export class EventForm {
  /**
   * @param {(message: object) => boolean} send returns false when offline
   * @param {import('./layers.js').Layers} layers
   */
  constructor(send, layers) {
    this.send = send;
    this.layers = layers;
    this.zone = '';
    this.opener = null;
    this.doneLayer = null;
    this.form = document.getElementById('event-form').content.firstElementChild.cloneNode(true);
    this.error = this.form.querySelector('.form-error');
    this.preview = this.form.querySelector('.preview');
    this.editing = null; // the event being edited, or null for a new one
    this.pending = null; // what was sent and not yet confirmed
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.form.querySelector('.cancel').addEventListener('click', () => this.close());
    this.form.elements.image.addEventListener('change', () => this.showPreview());
    this.form.elements.capacity.addEventListener('input', () => this.warnCapacity());
    this.isAdmin = false;
    /** People who entered the community (`people`), to choose hosts from. */
    this.people = [];
    /** The hosts chosen in the form. */
    this.hosts = [];
    // Who may be a host is asked for when the picker is first used.
    this.form.elements['add-host'].addEventListener('focus', () => this.askPeople());
    this.form.elements['add-host'].addEventListener('pointerdown', () => this.askPeople());
    this.form.elements['add-host'].addEventListener('change', (e) => {
      const id = Number(e.target.value);
      if (id && !this.hosts.includes(id) && this.hosts.length < 10) this.hosts.push(id);
      e.target.value = '';
      this.renderHosts();
    });
    this.relabel();
  }

  /** Asks once per opening who may be a host (admins only). */
  askPeople() {
    if (this.peopleAsked || !this.isAdmin) return;
    this.peopleAsked = this.send({ type: 'people' });
  }

  /** Only admins choose hosts (and need the people to choose from). */
  setAdmin(isAdmin) {
    this.isAdmin = isAdmin;
  }

  /** The server's `people` answer: who may be chosen as a host. */
  setPeople(people) {
    this.people = people ?? [];
    this.renderHosts();
  }

  /** The chosen hosts, each with Remove, and the people left to add. */
  renderHosts() {
    const box = this.form.querySelector('.hosts');
    box.hidden = !this.isAdmin;
    const nameOf = (id) => this.people.find((p) => p.telegram_id === id)?.name || t('form.user', { id: String(id) });
    box.querySelector('.host-list').replaceChildren(...this.hosts.map((id) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = nameOf(id);
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary small';
      remove.textContent = t('form.remove');
      remove.setAttribute('aria-label', t('form.remove_host', { name: nameOf(id) }));
      remove.addEventListener('click', () => {
        this.hosts = this.hosts.filter((h) => h !== id);
        this.renderHosts();
      });
      li.append(name, remove);
      return li;
    }));
    const select = this.form.elements['add-host'];
    const first = select.options[0];
    const options = this.people.filter((p) => !this.hosts.includes(p.telegram_id)).map((p) => {
      const option = document.createElement('option');
      option.value = String(p.telegram_id);
      option.textContent = p.username ? `${p.name} (@${p.username})` : p.name;
      return option;
    });
    select.replaceChildren(first, ...options);
    select.disabled = this.hosts.length >= 10;
  }

  /** The zone times are in (from `welcome`), said under the start time. */
  setZone(zone) {
    this.zone = zone ?? '';
  }

  /** The event being edited changed meanwhile (someone attended): warn from the new seats. */
  refresh(event) {
    if (this.editing?.id !== event.id) return;
    this.editing = event;
    this.warnCapacity();
  }

  /** Says so when fewer seats are asked for than are taken. */
  warnCapacity() {
    const warning = this.form.querySelector('.capacity-warning');
    const raw = this.form.elements.capacity.value;
    const capacity = raw === '' ? null : Number(raw);
    const taken = this.editing?.attendees ?? 0;
    warning.textContent = capacity !== null && capacity >= 1 && capacity < taken
      ? t('form.capacity_warning', { n: taken, capacity }) : '';
  }

  get isOpen() {
    return this.form.isConnected;
  }

  /** The server's limits on titles, descriptions, places and guests (from `welcome`). */
  setLimits(limits) {
    const fields = this.form.elements;
    for (const name of ['title', 'description', 'location']) {
      if (limits[name]) fields[name].maxLength = limits[name];
    }
    if (limits.max_guests != null && fields.max_guests) fields.max_guests.max = String(limits.max_guests);
    if (limits.capacity && fields.capacity) fields.capacity.max = String(limits.capacity);
  }

  /** Opens the form in `slot`, empty or filled with `event`. */
  open(slot, event = null) {
    if (this.isOpen) this.close({ focus: false });
    this.opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body
      ? document.activeElement : null;
    this.editing = event;
    this.pending = null;
    this.setBusy(false);
    this.form.reset();
    this.showPreview();
    this.error.textContent = '';
    this.form.querySelector('.form-heading').textContent = event ? t('form.edit_heading') : t('form.new_heading');
    const fields = this.form.elements;
    // A new event happens once, on the date picked; "Every day" is a choice.
    fields.repeat.value = 'none';
    if (event) {
      fields.title.value = event.title;
      fields.description.value = event.description;
      fields.start.value = event.start;
      fields.duration.value = String(event.duration);
      // The next occurrence's day; sent back only when changed.
      fields.date.value = event.repeat === 'daily' ? '' : (event.date ?? '');
      fields.repeat.value = event.repeat ?? 'daily';
      fields.location.value = event.location ?? '';
      fields.capacity.value = event.capacity == null ? '' : String(event.capacity);
      fields.max_guests.value = String(event.max_guests ?? 0);
      fields.closed.checked = Boolean(event.closed);
      fields.approval.checked = Boolean(event.approval);
    }
    const questions = event?.questions ?? [];
    for (const n of [1, 2, 3]) fields[`question${n}`].value = questions[n - 1] ?? '';
    this.startQuestions = JSON.stringify(questions);
    this.schedule = { date: fields.date.value, repeat: fields.repeat.value };
    this.hosts = [...(event?.hosts ?? [])];
    this.startHosts = this.hosts.join(',');
    this.peopleAsked = false;
    this.renderHosts();
    // The names of the hosts listed already.
    if (this.hosts.length) this.askPeople();
    this.form.querySelector('.remove-image').hidden = !event?.image;
    const zone = event?.timezone || this.zone;
    this.form.querySelector('.zone').textContent = zone ? t('form.zone', { zone: zoneName(zone) }) : '';
    this.warnCapacity();
    slot.replaceChildren(this.form);
    this.doneLayer = this.layers?.open(() => this.close());
    fields.title.focus();
  }

  /** Closes the form; focus goes back to what opened it (or `focusTo`). */
  close({ focus = true, focusTo = null } = {}) {
    const wasOpen = this.isOpen;
    const within = this.form.contains(document.activeElement);
    this.form.remove();
    this.editing = null;
    this.pending = null;
    this.setBusy(false);
    this.showPreview();
    this.doneLayer?.();
    this.doneLayer = null;
    if (wasOpen && focus && (within || document.activeElement === document.body)) {
      const target = [focusTo, this.opener].find((el) => el?.isConnected && !el.closest('[hidden]'));
      (target ?? document.getElementById('events'))?.focus();
    }
    this.opener = null;
  }

  showPreview() {
    if (this.preview.src) URL.revokeObjectURL(this.preview.src);
    const file = this.form.elements.image.files[0];
    this.preview.hidden = !file;
    if (file) this.preview.src = URL.createObjectURL(file);
    else this.preview.removeAttribute('src');
  }

  /** The words of the form again, in the language now in force (what was typed stays). */
  relabel() {
    translate(this.form);
    this.form.querySelectorAll('.question-label').forEach((label, i) => { label.textContent = t('form.question', { n: i + 1 }); });
    this.setBusy(Boolean(this.pending));
    this.renderHosts();
    this.warnCapacity();
    if (!this.isOpen) return;
    this.form.querySelector('.form-heading').textContent = this.editing ? t('form.edit_heading') : t('form.new_heading');
    const zone = this.editing?.timezone || this.zone;
    this.form.querySelector('.zone').textContent = zone ? t('form.zone', { zone: zoneName(zone) }) : '';
  }

  /** The server refused what the form sent: said by its code (and the field an `invalid` names). */
  refused(error) {
    const field = error.code === 'invalid' ? FIELD_LABELS[/^[^:]*:\s*(\w+)/.exec(error.msg ?? '')?.[1]] : null;
    this.showError(field ? t('error.invalid_field', { field: t(field) }) : errorText(error));
  }

  showError(text) {
    this.error.textContent = text;
    this.pending = null;
    this.setBusy(false);
  }

  setBusy(busy) {
    this.form.querySelector('button[type=submit]').textContent = busy ? t('form.saving') : t('form.save');
    this.form.toggleAttribute('aria-busy', busy);
  }

  async submit() {
    this.error.textContent = '';
    const fields = this.form.elements;
    const title = fields.title.value.trim();
    const duration = Number(fields.duration.value);
    if (!title) return this.showError(t('form.error_title'));
    if (!/^\d{2}:\d{2}$/.test(fields.start.value)) return this.showError(t('form.error_start'));
    if (!(duration > 0 && duration <= 24)) return this.showError(t('form.error_duration'));
    const capacity = fields.capacity.value === '' ? null : Number(fields.capacity.value);
    if (capacity !== null && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 100000)) {
      return this.showError(t('form.error_capacity'));
    }
    const maxGuests = Number(fields.max_guests.value || 0);
    if (!(Number.isInteger(maxGuests) && maxGuests >= 0 && maxGuests <= 10)) {
      return this.showError(t('form.error_guests'));
    }
    if (fields.repeat.value !== 'daily' && !fields.date.value) {
      return this.showError(fields.repeat.value === 'weekly' ? t('form.error_first_date') : t('form.error_date'));
    }
    const message = {
      type: this.editing ? 'edit-event' : 'create-event',
      title,
      description: fields.description.value,
      start: fields.start.value,
      duration,
      location: fields.location.value,
      capacity,
      max_guests: maxGuests,
      closed: fields.closed.checked,
    };
    const changed = fields.date.value !== this.schedule.date || fields.repeat.value !== this.schedule.repeat;
    if (!this.editing || changed) {
      message.date = fields.date.value || null;
      message.repeat = fields.repeat.value;
    }
    if (this.editing) message.id = this.editing.id;
    if (this.isAdmin && this.hosts.join(',') !== this.startHosts) message.hosts = this.hosts;
    message.approval = fields.approval.checked;
    const questions = [1, 2, 3].map((n) => fields[`question${n}`].value.trim()).filter(Boolean);
    if (!this.editing || JSON.stringify(questions) !== this.startQuestions) message.questions = questions;
    const file = fields.image.files[0];
    if (file) {
      if (!IMAGE_TYPES.includes(file.type)) return this.showError(t('form.error_picture_type'));
      if (file.size > MAX_IMAGE_BYTES) return this.showError(t('form.error_picture_size', { n: Math.ceil(file.size / 1024) }));
      message.image = { name: file.name, base64: await readAsDataUrl(file) };
    } else if (this.editing && fields['remove-image'].checked) {
      message.image = null;
    }
    if (!this.send(message)) return this.showError(t('form.error_offline'));
    this.pending = { id: this.editing?.id ?? null, title };
    this.setBusy(true);
  }

  /** True when `event` is the server's answer to what this form sent. */
  answeredBy(event) {
    if (!this.pending) return false;
    return this.pending.id === null ? event.title === this.pending.title : event.id === this.pending.id;
  }
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
