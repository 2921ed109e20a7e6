// The settings sheet: the language, when the bot reminds the user (one
// tap from the header), whether they hide from the lists of who is going,
// and the subscription to their calendar feed.

import { LANGUAGES, languageName, t } from './i18n.js';
import { sheetLayer } from './layers.js';

const OFF = 'off';

export class SettingsSheet {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {HTMLButtonElement} o.opener
   * @param {(minutes: number|null) => boolean} o.onReminder false when it could not be sent
   * @param {() => void} o.onSubscribe
   * @param {(code: string|null) => boolean} o.onLanguage the user chose a language (null: Telegram's); false when it could not be sent
   * @param {import('./layers.js').Layers} o.layers
   */
  constructor({ dialog, opener, onReminder, onSubscribe, onLanguage, layers }) {
    this.dialog = dialog;
    this.opener = opener;
    this.reminder = 0;
    this.language = dialog.querySelector('#language');
    // Each language named in itself, so anyone finds their own.
    this.language.append(...LANGUAGES.map((code) => {
      const option = document.createElement('option');
      option.value = code;
      option.lang = code;
      option.textContent = languageName(code);
      return option;
    }));
    this.language.addEventListener('change', () => {
      const code = this.language.value || null;
      if (!onLanguage(code)) this.language.value = this.chosen ?? '';
    });
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
    this.opener.textContent = t('settings.opener', { when: label(minutes) });
  }

  /** The language in force (`welcome.language`, or the one just chosen). */
  showLanguage(code) {
    this.chosen = code;
    this.language.value = code ?? '';
  }

  /** Its words again, in the language now in force. */
  relabel() {
    // The opener shows once the server said the setting (`welcome`).
    if (!this.opener.hidden) this.show(this.reminder);
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
      said.textContent = t('settings.copied');
    } catch {
      input.focus();
      input.select();
      said.textContent = t('settings.selected');
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
    case null: return t('settings.off');
    case 0: return t('settings.at_start');
    case 60: return t('settings.hour_before');
    case 1440: return t('settings.day_before');
    default: return t('settings.minutes_before', { n: minutes });
  }
}
