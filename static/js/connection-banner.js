// The banner that says how the connection is: connecting, lost and
// retrying, offline, or refused for good (an expired login).

/**
 * Shows `state` ('connecting' | 'online' | 'waiting' | 'refused') in the
 * banner; `detail.delay` is the wait before the next try.
 * @param {HTMLElement} banner
 * @param {string} state
 * @param {{delay?: number}} [detail]
 * @param {{firstLoad: boolean}} context
 */
export function showConnectionState(banner, state, detail, { firstLoad }) {
  banner.hidden = state === 'online';
  if (state === 'connecting') banner.textContent = firstLoad ? 'Connecting…' : 'Reconnecting…';
  if (state === 'waiting') {
    const seconds = Math.max(1, Math.round((detail?.delay ?? 0) / 1000));
    banner.textContent = navigator.onLine
      ? `Connection lost. Reconnecting in ${seconds} s…`
      : 'You are offline. Changes are paused until you are back online.';
  }
  if (state === 'refused') {
    banner.textContent = 'Your session has expired. Close the app and open it again from Telegram.';
    banner.classList.add('warning');
  }
  document.body.dataset.connection = state;
}
