// The notice under the header: a short message about something the user
// did (a refusal, a lost connection), hidden again after a while unless it
// must stay.

const SHOW_FOR_MS = 6000;

export class Notice {
  /** @param {HTMLElement} element */
  constructor(element) {
    this.element = element;
    this.timer = null;
  }

  show(text, { warning = false, sticky = false } = {}) {
    clearTimeout(this.timer);
    this.element.textContent = text;
    this.element.classList.toggle('warning', warning);
    this.element.hidden = false;
    if (!sticky) this.timer = setTimeout(() => { this.element.hidden = true; }, SHOW_FOR_MS);
  }
}
