// The questions an event asks, when someone taps Attend: one answer each
// (up to 500 characters), then the attend goes with them. With approval,
// it is a request: the page then says it waits for the organiser.

import { t } from './i18n.js';
import { sheetLayer } from './layers.js';

export class QuestionsSheet {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {import('./layers.js').Layers} o.layers
   * @param {(event: object, button: HTMLElement, guests: number, answers: string[]) => void} o.onAnswered
   */
  constructor({ dialog, layers, onAnswered }) {
    this.dialog = dialog;
    this.onAnswered = onAnswered;
    this.asked = null;
    this.showSheet = sheetLayer(layers, dialog);
    this.q = (s) => dialog.querySelector(s);
    this.q('.questions-send').addEventListener('click', () => this.submit());
  }

  /** Asks `event`'s questions; Attend goes once they are answered. */
  open(event, button, guests) {
    this.asked = { event, button, guests };
    this.q('#questions-heading').textContent = event.title;
    // Hosts go in without asking.
    const asks = event.approval && !event.host;
    this.q('.questions-why').textContent = asks ? t('questions.why_approval') : t('questions.why');
    this.q('.questions-send').textContent = asks ? t('questions.ask') : t('card.attend');
    this.q('.questions-fields').replaceChildren(...event.questions.map((question, i) => {
      const label = document.createElement('label');
      label.className = 'questions-field';
      label.textContent = question;
      const answer = document.createElement('textarea');
      answer.rows = 2;
      answer.maxLength = 500;
      answer.name = `answer${i + 1}`;
      label.append(answer);
      return label;
    }));
    this.showSheet();
    this.q('.questions-fields textarea')?.focus();
  }

  submit() {
    if (!this.asked) return;
    const answers = [...this.dialog.querySelectorAll('.questions-fields textarea')].map((field) => field.value.trim());
    const { event, button, guests } = this.asked;
    this.asked = null;
    this.dialog.close();
    this.onAnswered(event, button, guests, answers);
  }
}
