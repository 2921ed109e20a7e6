// Attend and Leave on a card: asks (inside Telegram, once) for the bot to
// be allowed to message the user, sends the change, and keeps the button
// waiting until the server's answer re-renders it.

import { isListed } from './format.js';
import { t } from './i18n.js';
import { requestWriteAccess } from './telegram.js';

const WRITE_ACCESS_KEY = 'mini-events:write-access';
const PENDING_TIMEOUT_MS = 8000;

export class Attendance {
  /**
   * @param {object} o
   * @param {(message: object) => boolean} o.send false when not connected
   * @param {import('./notice.js').Notice} o.notice
   * @param {() => void} o.onSettled a button started or stopped waiting (the buttons and Telegram's MainButton follow)
   */
  constructor({ send, notice, onSettled }) {
    this.send = send;
    this.notice = notice;
    this.onSettled = onSettled;
    /** Events whose attend or leave awaits the server's answer. */
    this.waiting = new Set();
  }

  /** The server answered for `id`: true when this page had asked. */
  answered(id) {
    return this.waiting.delete(id);
  }

  /** Whether this page awaits an answer about `id`. */
  isWaiting(id) {
    return this.waiting.has(id);
  }

  /**
   * Attends with `guests` and `answers` to the event's questions (or joins
   * the waitlist, or asks), or leaves whichever list the user is on (or
   * withdraws the request).
   */
  async toggle(event, button, guests = 0, answers = null) {
    const listed = isListed(event);
    if (!listed && !(await this.writeAccessSettled())) return;
    const message = listed ? { type: 'leave', event: event.id } : { type: 'attend', event: event.id };
    if (!listed && guests > 0) message.guests = guests;
    if (!listed && answers) message.answers = answers;
    if (!this.send(message)) {
      this.notice.show(t('notice.offline_change'), { warning: true });
      return;
    }
    // Until the server's update arrives; it re-renders the button. The
    // button keeps its focus (aria-disabled, not disabled).
    button.setAttribute('aria-disabled', 'true');
    button.dataset.pending = 'true';
    this.waiting.add(event.id);
    this.onSettled();
    setTimeout(() => {
      this.waiting.delete(event.id);
      if (button.dataset.pending) {
        delete button.dataset.pending;
        button.removeAttribute('aria-disabled');
        this.onSettled();
      }
    }, PENDING_TIMEOUT_MS);
  }

  /** Changes the guests of a user already going or waiting. */
  setGuests(event, guests) {
    if (!this.send({ type: 'attend', event: event.id, guests })) {
      this.notice.show(t('notice.offline_guests'), { warning: true });
    }
  }

  /**
   * Inside Telegram, attending first asks to let the bot message the user,
   * so it can say when the event starts. A refusal still attends, with a
   * note. Resolves false only when nothing should be sent.
   */
  async writeAccessSettled() {
    if (localStorage.getItem(WRITE_ACCESS_KEY) === 'granted') return true;
    if (sessionStorage.getItem(WRITE_ACCESS_KEY) === 'refused') return true;
    const granted = await requestWriteAccess();
    if (granted === null) return true; // not in Telegram: nothing to ask
    if (granted) {
      localStorage.setItem(WRITE_ACCESS_KEY, 'granted');
    } else {
      sessionStorage.setItem(WRITE_ACCESS_KEY, 'refused');
      this.notice.show(t('notice.no_write_access'), { sticky: true });
    }
    return true;
  }
}
