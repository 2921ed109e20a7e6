// What is open over the list: an event's view, a sheet, a form. The top
// one closes with Escape and, inside Telegram, with its BackButton, which
// shows only while something is open.

import { backButton, whenTelegramLoads } from './telegram.js';

export class Layers {
  constructor() {
    this.stack = [];
    this.back = null;
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || !this.stack.length || e.defaultPrevented) return;
      e.preventDefault();
      this.closeTop();
    });
    whenTelegramLoads(() => {
      this.back = backButton();
      this.back?.onClick(() => this.closeTop());
      this.sync();
    });
  }

  /** Whether Telegram's BackButton stands in for the page's own Back. */
  get native() {
    return Boolean(this.back);
  }

  /**
   * Puts something on top; `close` is called to close it (Escape, Back) and
   * must call the returned function, as must any other way of closing it.
   */
  open(close) {
    const layer = { close };
    this.stack.push(layer);
    this.sync();
    return () => {
      const at = this.stack.indexOf(layer);
      if (at >= 0) this.stack.splice(at, 1);
      this.sync();
    };
  }

  closeTop() {
    this.stack.at(-1)?.close();
  }

  sync() {
    if (!this.back) return;
    if (this.stack.length) this.back.show();
    else this.back.hide();
  }
}

/** A modal <dialog> as a layer: closes on Escape, Back and a tap on its backdrop. */
export function sheetLayer(layers, dialog) {
  let done = null;
  const closed = () => {
    done?.();
    done = null;
  };
  // Any way of closing it (a button, the browser's own Escape) ends the layer.
  dialog.addEventListener('close', closed);
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = e.clientX >= box.left && e.clientX <= box.right && e.clientY >= box.top && e.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
  return function show() {
    if (!dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    // Closed by Escape or Back: off the stack at once, not when the dialog's
    // close event comes (a second Escape before it must close the next one).
    done ??= layers.open(() => {
      dialog.close();
      closed();
    });
  };
}
