// The settings sheet: when the bot reminds the user (one tap from the
// header), whether they hide from the lists of who is going, and the
// subscription to their calendar feed.

import { sheetLayer } from './layers.js';

const OFF = 'off';

export class SettingsSheet {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {HTMLButtonElement} o.opener
   * @param {(minutes: number|null) => boolean} o.onReminder false when it could not be sent
   * @param {() => void} o.onSubscribe
   * @param {import('./layers.js').Layers} o.layers
   */
  constructor({ dialog, opener, onReminder, onSubscribe, layers }) {
    this.dialog = dialog;
    this.opener = opener;
    this.reminder = 0;
    this.showSheet = sheetLayer(layers, dialog);
    opener.addEventListener('click', () => this.open());
    dialog.querySelector('#subscribe').addEventListener('click', onSubscribe);
    for (const button of dialog.querySelectorAll('[data-copy]')) {
      button.addEventListener('click', () => this.copy(dialog.querySelector(`#${button.dataset.copy}`)));
    }
    dialog.addEventListener('change', (e) => {
      if (e.target.name !== 'reminder') return;
      const minutes = e.target.value === OFF ? null : Number(e.target.value);
      if (onReminder(minutes)) this.show(minutes);
      else this.show(this.reminder);
    });
  }

  /** The user's setting as the server has it (from `welcome`). */
  show(minutes) {
    this.reminder = minutes;
    const value = minutes === null ? OFF : String(minutes);
    for (const input of this.dialog.querySelectorAll('input[name=reminder]')) input.checked = input.value === value;
    this.opener.hidden = false;
    this.opener.textContent = `Event reminders: ${label(minutes)}`;
    this.opener.removeAttribute('aria-label');
  }

  /** The user's feed (https), offered as webcal:// and https to copy. */
  setFeed(url) {
    const https = url ?? '';
    this.dialog.querySelector('#feed-https').value = https;
    this.dialog.querySelector('#feed-webcal').value = https.replace(/^https?:/, 'webcal:');
  }

  async copy(input) {
    const said = this.dialog.querySelector('.copied');
    try {
      await navigator.clipboard.writeText(input.value);
      said.textContent = 'Copied. Add it in your calendar app as a calendar from a URL.';
    } catch {
      input.focus();
      input.select();
      said.textContent = 'Selected: copy it with your keyboard or the menu.';
    }
  }

  open() {
    this.show(this.reminder);
    this.dialog.querySelector('.copied').textContent = '';
    this.showSheet();
  }
}

function label(minutes) {
  switch (minutes) {
    case null: return 'Off';
    case 0: return 'At start';
    case 15: return '15 min before';
    case 60: return '1 h before';
    case 1440: return '1 day before';
    default: return `${minutes} min before`;
  }
}
