// A host's message to the people of an event: whom (going, waiting or
// everyone, each with how many people it reaches), the text (up to 1000
// characters), and Send. The bot sends it, signed with the host's name.

import { errorText } from './format.js';
import { t } from './i18n.js';
import { sheetLayer } from './layers.js';

export class ComposeSheet {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {(message: object) => boolean} o.send false when not connected
   * @param {import('./layers.js').Layers} o.layers
   * @param {() => number|null} o.me the user's Telegram id (not a recipient)
   */
  constructor({ dialog, send, layers, me }) {
    this.dialog = dialog;
    this.send = send;
    this.me = me;
    this.event = null;
    this.counts = { going: 0, waiting: 0, all: 0 };
    this.showSheet = sheetLayer(layers, dialog);
    const q = (s) => dialog.querySelector(s);
    this.q = q;
    q('.compose-text').addEventListener('input', () => this.sync());
    for (const radio of dialog.querySelectorAll('input[name="compose-to"]')) radio.addEventListener('change', () => this.sync());
    q('.compose-send').addEventListener('click', () => this.submit());
  }

  get isOpen() {
    return this.dialog.open && this.event !== null;
  }

  /** Opens the sheet for `event`; the lists are asked for to count whom it reaches. */
  open(event) {
    if (!this.send({ type: 'attendees', event: event.id })) return false;
    this.event = event.id;
    this.counts = null;
    this.q('#compose-heading').textContent = t('card.action_for', { action: t('card.message'), title: event.title });
    this.q('.compose-text').value = '';
    this.q('.compose-error').textContent = '';
    this.sync();
    this.showSheet();
    this.q('.compose-text').focus();
    return true;
  }

  /** The `attendees` answer for the open sheet: the counts. */
  show(answer) {
    if (!this.isOpen || answer.event !== this.event) return false;
    const others = (people) => people.filter((p) => p.telegram_id !== this.me()).length;
    const going = others(answer.going);
    const waiting = others(answer.waiting);
    this.counts = { going, waiting, all: going + waiting };
    this.sync();
    return true;
  }

  /** Labels with their counts, the characters left, and whether Send may go. */
  sync() {
    const people = (n) => t('compose.people', { n });
    for (const [to, label] of [['going', t('compose.going')], ['waiting', t('compose.waiting')], ['all', t('compose.all')]]) {
      const count = this.counts ? ` (${people(this.counts[to])})` : '';
      this.q(`.compose-to-${to}`).textContent = `${label}${count}`;
    }
    const text = this.q('.compose-text').value.trim();
    this.q('.compose-left').textContent = t('compose.left', { n: 1000 - this.q('.compose-text').value.length });
    const to = this.dialog.querySelector('input[name="compose-to"]:checked')?.value ?? 'going';
    const reaches = this.counts?.[to] ?? 0;
    this.q('.compose-send').disabled = !text || !reaches;
    this.q('.compose-send').textContent = this.counts ? t('compose.send_to', { n: reaches }) : t('compose.send');
  }

  submit() {
    const text = this.q('.compose-text').value.trim();
    const to = this.dialog.querySelector('input[name="compose-to"]:checked')?.value ?? 'going';
    if (!text) return;
    if (!this.send({ type: 'message-attendees', event: this.event, to, text })) {
      this.q('.compose-error').textContent = t('notice.offline_moment');
      return;
    }
    this.q('.compose-send').disabled = true;
  }

  /** The server queued it: close and say so (`true` when this sheet sent it). */
  queued(reply) {
    if (!this.isOpen || reply.event !== this.event) return false;
    this.dialog.close();
    this.event = null;
    return true;
  }

  /** An error while the sheet waits: said in the sheet. */
  refused(error) {
    if (!this.isOpen) return false;
    this.q('.compose-error').textContent = error.code === 'limit' ? t('compose.limit') : errorText(error);
    this.sync();
    return true;
  }
}
