// The settings sheet: when the bot reminds the user (one tap from the
// header), whether they hide from the lists of who is going, and the
// subscription to their calendar feed.

const OFF = 'off';

export class SettingsSheet {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {HTMLButtonElement} o.opener
   * @param {(minutes: number|null) => boolean} o.onReminder false when it could not be sent
   * @param {() => void} o.onSubscribe
   */
  constructor({ dialog, opener, onReminder, onSubscribe }) {
    this.dialog = dialog;
    this.opener = opener;
    this.reminder = 0;
    opener.addEventListener('click', () => this.open());
    dialog.querySelector('#subscribe').addEventListener('click', onSubscribe);
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
    this.opener.textContent = `Reminders: ${label(minutes)}`;
    this.opener.setAttribute('aria-label', `Reminders: ${label(minutes)}. Change`);
  }

  open() {
    this.show(this.reminder);
    if (typeof this.dialog.showModal === 'function') this.dialog.showModal();
    else this.dialog.setAttribute('open', '');
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
