// The banner that says how the connection is: connecting, lost and
// retrying, offline, or refused for good (an expired login).

import { t } from './i18n.js';

/** Why the server refused the login, and the way out, for people (by close code). */
function refusal(detail) {
  const reason = detail?.reason ?? '';
  if (detail?.code === 4003 && reason === 'not a member') {
    return t('connection.not_member');
  }
  if (detail?.code === 4003) {
    return t('connection.bot_left');
  }
  if (detail?.code === 4001 && /expired/.test(reason)) {
    return t('connection.expired');
  }
  if (detail?.code === 4001) {
    return t('connection.invalid');
  }
  if (detail?.code === 1008) {
    return t('connection.too_many');
  }
  return t('connection.refused');
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
  if (state === 'connecting') banner.textContent = firstLoad ? t('connection.connecting') : t('connection.reconnecting');
  if (state === 'waiting') {
    const seconds = Math.max(1, Math.round((detail?.delay ?? 0) / 1000));
    banner.textContent = !navigator.onLine ? t('connection.offline')
      : detail?.code === 1013 ? t('connection.unconfirmed', { n: seconds }) : t('connection.lost', { n: seconds });
  }
  banner.classList.toggle('warning', state === 'refused');
  if (state === 'refused') banner.textContent = refusal(detail);
  document.body.dataset.connection = state;
}
