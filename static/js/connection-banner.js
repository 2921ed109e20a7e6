// The banner that says how the connection is: connecting, lost and
// retrying, offline, or refused for good (an expired login).

/** Why the server refused the login, and the way out, for people (by close code). */
function refusal(detail) {
  const reason = detail?.reason ?? '';
  if (detail?.code === 4003 && reason === 'not a member') {
    return 'Only members of this group can see its events. Join the group, then open the app again.';
  }
  if (detail?.code === 4003) {
    return "This group's events are closed: the bot is no longer in the group. An admin can add it again.";
  }
  if (detail?.code === 4001 && /expired/.test(reason)) {
    return 'Your login has expired. Close the app and open it again from Telegram.';
  }
  if (detail?.code === 4001) {
    return 'This login is not valid. Open the app from the bot or a link in Telegram, not a copied address.';
  }
  if (detail?.code === 1008) {
    return 'Too many changes too quickly, so the app stopped. Close it and open it again in a minute.';
  }
  return 'The app could not log you in. Close it and open it again from Telegram.';
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
    banner.textContent = !navigator.onLine
      ? 'You are offline. Changes are paused until you are back online.'
      : detail?.code === 1013
        ? `Telegram could not confirm that you are in this group just now. Trying again in ${seconds} s…`
        : `Connection lost. Reconnecting in ${seconds} s…`;
  }
  banner.classList.toggle('warning', state === 'refused');
  if (state === 'refused') banner.textContent = refusal(detail);
  document.body.dataset.connection = state;
}
