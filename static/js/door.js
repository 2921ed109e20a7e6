// The host's check-in screen: the count ("23 of 40 in (+5 guests)"), a
// scanner (Telegram's, kept open for the next ticket; elsewhere the
// browser's camera where it can read QR codes), the going list to search
// by name and tap, and undo. Every answer is said in one line and, inside
// Telegram, with a haptic. After the event the list says who did not come.

import { clockTime, errorText, isOver } from './format.js';
import { t } from './i18n.js';
import { sheetLayer } from './layers.js';
import { personRow } from './people-sheet.js';
import { canScanQr, haptic, scanQr } from './telegram.js';
import { ticketOf } from './ticket.js';


/** Whether the browser can read QR codes from a camera by itself. */
function hasCameraScanner() {
  return 'BarcodeDetector' in window && Boolean(navigator.mediaDevices?.getUserMedia);
}

export class DoorScreen {
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
    this.going = [];
    this.camera = null;
    this.showSheet = sheetLayer(layers, dialog);
    const q = (s) => dialog.querySelector(s);
    this.q = q;
    q('.door-search').addEventListener('input', () => this.render());
    q('.door-scan').addEventListener('click', () => this.scan());
    dialog.addEventListener('close', () => {
      this.stopCamera();
      this.event = null;
    });
  }

  get isOpen() {
    return this.dialog.open && this.event !== null;
  }

  /** Opens the screen for `event` and asks for its list; `ticket`: check that one in at once. */
  open(event, ticket = null) {
    if (!this.send({ type: 'attendees', event: event.id })) return false;
    this.event = event.id;
    this.going = [];
    const q = this.q;
    q('#door-heading').textContent = t('card.action_for', { action: t('card.check_in'), title: event.title });
    q('.door-search').value = '';
    q('.door-result').textContent = '';
    q('.door-loading').hidden = false;
    q('.door-scan').hidden = !(canScanQr() || hasCameraScanner());
    this.render();
    this.showSheet();
    if (ticket) this.checkIn({ ticket });
    return true;
  }

  /** The server's `attendees` answer for the open event (hosts get who is in). */
  show(answer) {
    if (!this.isOpen || answer.event !== this.event) return false;
    this.going = answer.going;
    this.q('.door-loading').hidden = true;
    this.render();
    return true;
  }

  /** The event changed (another host checked someone in): ask again. */
  changed(event) {
    if (!this.isOpen || event.id !== this.event) return;
    this.renderCount();
    const known = this.going.reduce((n, p) => n + (p.checked_in_at ? 1 + (p.checked_in_guests ?? 0) : 0), 0);
    if (event.checked_in !== undefined && event.checked_in !== known) this.send({ type: 'attendees', event: event.id });
  }

  /** A `checked-in` answer: says it, buzzes, and marks the person. */
  answered(reply) {
    if (!this.isOpen || reply.event !== this.event) return;
    const zone = this.eventOf(this.event)?.timezone;
    const name = reply.person?.name || t('people.someone');
    const who = reply.guests ? `${name} ${t('card.plus', { n: reply.guests })}` : name;
    let line;
    if (reply.undone) {
      line = reply.already ? t('door.was_not_in', { name }) : t('door.undone', { name });
      haptic('warning');
    } else if (reply.already) {
      line = t('door.already', { time: clockTime(reply.at, zone), name: who });
      haptic('warning');
    } else {
      line = t('door.checked_in', { name: who });
      haptic('success');
    }
    this.say(line);
    const person = this.going.find((p) => p.telegram_id === reply.person?.telegram_id);
    if (person) {
      person.checked_in_at = reply.undone ? null : reply.at;
      person.checked_in_guests = reply.undone ? 0 : reply.guests;
    }
    this.render();
  }

  /** An `error` while the screen is open: its line. */
  refused(error) {
    if (!this.isOpen) return false;
    if (error.code === 'not_on_list') this.say(t('door.not_on_list'));
    else if (error.code === 'closed') this.say(t('door.not_open'));
    else this.say(errorText(error));
    haptic('error');
    return true;
  }

  say(line) {
    const result = this.q('.door-result');
    result.textContent = line;
  }

  /** Checks in by `{ ticket }` or `{ user, guests }`, or takes it back (`undo`). */
  checkIn(fields) {
    if (!this.send({ type: 'check-in', event: this.event, ...fields })) {
      this.say(t('notice.offline_moment'));
      haptic('error');
    }
  }

  /** Scans: Telegram's scanner, kept open for the next ticket, or the camera. */
  scan() {
    const read = (text) => {
      const ticket = ticketOf(text);
      if (ticket) this.checkIn({ ticket });
      else {
        this.say(t('door.not_on_list'));
        haptic('error');
      }
    };
    if (scanQr(t('door.scan'), read)) return;
    if (hasCameraScanner()) this.startCamera(read);
  }

  /** Reads QR codes from the camera until stopped (browsers with BarcodeDetector). */
  async startCamera(read) {
    if (this.camera) return this.stopCamera();
    const video = this.q('.door-camera');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      const detector = new BarcodeDetector({ formats: ['qr_code'] });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      let last = '';
      const timer = setInterval(async () => {
        const codes = await detector.detect(video).catch(() => []);
        const text = codes[0]?.rawValue;
        if (text && text !== last) {
          last = text;
          read(text);
        }
      }, 400);
      this.camera = { stream, timer };
      this.q('.door-scan').textContent = t('door.stop_scan');
    } catch {
      this.say(t('door.no_camera'));
    }
  }

  stopCamera() {
    if (!this.camera) return;
    clearInterval(this.camera.timer);
    for (const track of this.camera.stream.getTracks()) track.stop();
    this.camera = null;
    const video = this.q('.door-camera');
    video.hidden = true;
    video.srcObject = null;
    this.q('.door-scan').textContent = t('door.scan');
  }

  renderCount() {
    const people = this.going.length;
    const inside = this.going.filter((p) => p.checked_in_at);
    const guests = inside.reduce((n, p) => n + (p.checked_in_guests ?? 0), 0);
    const count = t('door.count', { n: inside.length, people });
    this.q('.door-count').textContent = guests ? `${count} (${t('ticket.guests', { n: guests })})` : count;
  }

  /** The list, filtered by the search; after the event, who did not come apart. */
  render() {
    this.renderCount();
    const event = this.eventOf(this.event);
    const zone = event?.timezone;
    const query = this.q('.door-search').value.trim().toLowerCase();
    const matches = (p) => !query || `${p.name} ${p.username ?? ''}`.toLowerCase().includes(query);
    const over = isOver(event);
    const shown = this.going.filter(matches);
    const missing = over ? shown.filter((p) => !p.checked_in_at) : [];
    const rows = over ? shown.filter((p) => p.checked_in_at) : shown;
    this.q('.door-list').replaceChildren(...rows.map((p) => this.row(p, zone)));
    this.q('.door-missing').replaceChildren(...missing.map((p) => this.row(p, zone)));
    const heading = this.q('.door-missing-heading');
    heading.hidden = !missing.length;
    heading.textContent = t('door.missing', { n: missing.length });
    this.q('.door-nobody').hidden = shown.length > 0 || this.q('.door-loading').hidden === false;
  }

  /** One person (as the who-is-going sheet shows them), and Check in or (once in) the time and Undo. */
  row(person, zone) {
    const li = personRow(person);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'small';
    if (person.checked_in_at) {
      const status = document.createElement('span');
      status.className = 'door-in';
      const extra = person.checked_in_guests ? ` ${t('card.plus', { n: person.checked_in_guests })}` : '';
      status.textContent = `${t('door.in_at', { time: clockTime(person.checked_in_at, zone) })}${extra}`;
      li.append(status);
      button.classList.add('secondary');
      button.textContent = t('door.undo');
      button.setAttribute('aria-label', t('card.action_for', { action: t('door.undo_check_in'), title: person.name }));
      button.addEventListener('click', () => this.checkIn({ user: person.telegram_id, undo: true }));
    } else {
      button.textContent = t('door.check_in');
      const who = person.guests ? `${person.name} ${t('card.plus', { n: person.guests })}` : person.name;
      button.setAttribute('aria-label', t('card.action_for', { action: t('door.check_in'), title: who }));
      button.addEventListener('click', () => this.checkIn({ user: person.telegram_id }));
    }
    li.append(button);
    return li;
  }
}
