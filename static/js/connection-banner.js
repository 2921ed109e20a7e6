// The banner that says how the connection is: connecting, lost and
// retrying, offline, or refused for good (an expired login).

/** Why the server refused the login, for people. */
function refusal(detail) {
  if (detail?.code === 4003 && detail.reason === 'not a member') {
    return "Only members of this group can see its events. Join the group, then open the app again.";
  }
  if (detail?.code === 4003) return "This group's events are closed: the bot is no longer in the group.";
  return 'Your session has expired. Close the app and open it again from Telegram.';
}

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
    banner.textContent = refusal(detail);
    banner.classList.add('warning');
  }
  document.body.dataset.connection = state;
}
