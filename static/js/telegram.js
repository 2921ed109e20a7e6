// Telegram's Mini App API (telegram-web-app.js), and the same launch data
// read from the URL fragment when that script is not there: no network, a
// plain browser, or a test. Telegram puts the launch data in the fragment in
// every client, so both ways give the same initData.

const fragment = new URLSearchParams(location.hash.slice(1));

/** The WebApp object when Telegram's script has loaded. */
export function webApp() {
  return window.Telegram?.WebApp ?? null;
}

/**
 * True when the page really runs inside a Telegram client, so its native
 * dialogs answer. (Telegram's script also loads in a plain browser, where
 * its calls go nowhere and their callbacks never come.)
 */
export function insideTelegram() {
  return Boolean(webApp()) &&
    (window.TelegramWebviewProxy !== undefined || typeof window.external?.notify === 'function' || window.parent !== window);
}

/** Telegram's API if it is usable here and at least `version`. */
function native(version) {
  const app = webApp();
  return app && insideTelegram() && app.isVersionAtLeast?.(version) ? app : null;
}

/** The signed launch data the server checks at login, or '' when there is none. */
export function initData() {
  return webApp()?.initData || fragment.get('tgWebAppData') || '';
}

/** The language Telegram says the user's app is in ("pt-br"), or ''. */
export function telegramLanguage() {
  const unsafe = webApp()?.initDataUnsafe?.user?.language_code;
  if (unsafe) return unsafe;
  try {
    return JSON.parse(new URLSearchParams(initData()).get('user') ?? '{}').language_code ?? '';
  } catch {
    return '';
  }
}

/**
 * Where the app was opened for, as the server reads it: `{ start }`, the
 * launch's `start_param` from a t.me link (`c<slug>`, `c<slug>_<event>`,
 * `<event>`), or `{ c }`, the community on the page's URL (the bot's
 * buttons in private chats). The server parses both.
 */
export function launch() {
  const start = webApp()?.initDataUnsafe?.start_param
    || fragment.get('tgWebAppStartParam')
    || new URLSearchParams(initData()).get('start_param')
    || '';
  if (start) return { start };
  const community = new URLSearchParams(location.search).get('c');
  return community ? { c: community } : {};
}

/**
 * Tells Telegram the page is ready and may fill the screen. Runs now, or
 * when the (async) script finishes loading.
 */
export function whenTelegramLoads(callback) {
  if (webApp()) {
    callback(webApp());
    return;
  }
  const script = document.querySelector('script[src*="telegram-web-app.js"]');
  script?.addEventListener('load', () => webApp() && callback(webApp()), { once: true });
}

/**
 * Without Telegram's script, applies the theme Telegram passed in the
 * fragment the way the script would: as --tg-theme-* variables.
 */
export function applyThemeFromFragment() {
  if (webApp()) return;
  let params;
  try {
    params = JSON.parse(fragment.get('tgWebAppThemeParams') ?? 'null');
  } catch {
    return;
  }
  if (!params || typeof params !== 'object') return;
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' && /^#[0-9a-f]{3,8}$/i.test(value)) {
      document.documentElement.style.setProperty(`--tg-theme-${key.replaceAll('_', '-')}`, value);
    }
  }
}

/** Asks a yes/no question: Telegram's own dialog inside Telegram, else confirm(). */
export function confirmAction(message) {
  const app = native('6.2');
  if (!app) return Promise.resolve(window.confirm(message));
  return new Promise((resolve) => app.showConfirm(message, (ok) => resolve(Boolean(ok))));
}

/**
 * Asks Telegram to let the bot message the user. Resolves true or false, or
 * null where it cannot be asked (outside Telegram, old clients).
 */
export function requestWriteAccess() {
  const app = native('6.9');
  if (!app) return Promise.resolve(null);
  return new Promise((resolve) => app.requestWriteAccess((granted) => resolve(Boolean(granted))));
}

/**
 * Opens `url` outside the app: Telegram's openLink inside Telegram (the
 * webview would not hand a calendar file to the calendar app), a new tab
 * elsewhere.
 */
export function openLink(url) {
  const app = native('6.1');
  if (app?.openLink) app.openLink(url);
  else window.open(url, '_blank', 'noopener');
}

/** Whether sharing through the bot's inline mode works here. */
export function canShare() {
  return Boolean(native('6.7')?.switchInlineQuery);
}

/** Opens Telegram's chat picker with the inline query that shares `eventId`. */
export function shareEvent(eventId) {
  native('6.7')?.switchInlineQuery(`event:${eventId}`, ['users', 'groups', 'channels']);
}

/** The colour scheme and theme changed inside Telegram. */
export function onThemeChanged(callback) {
  whenTelegramLoads((app) => app.onEvent?.('themeChanged', callback));
}

/**
 * Telegram's haptic feedback for the result of an action: 'success',
 * 'error' or 'warning'. Nothing outside Telegram.
 */
export function haptic(result) {
  native('6.1')?.HapticFeedback?.notificationOccurred(result);
}

/** Telegram's MainButton when the client has it, else null. */
export function mainButton() {
  return native('6.1')?.MainButton ?? null;
}

/** Telegram's BackButton when the client has it, else null. */
export function backButton() {
  return native('6.1')?.BackButton ?? null;
}

/**
 * Saves a file the way the client can: Telegram's downloadFile (8.0), or
 * openLink / a new tab. `url` must be https (or http locally).
 */
export function downloadFile(url, fileName) {
  const app = native('8.0');
  if (app?.downloadFile) app.downloadFile({ url, file_name: fileName });
  else openLink(url);
}

/** Whether the client can scan QR codes (Telegram's scanner). */
export function canScanQr() {
  return Boolean(native('6.4')?.showScanQrPopup);
}

/**
 * Opens Telegram's QR scanner with `text` under it; `onText` gets each
 * code read and the scanner stays open for the next one; `onClosed`
 * runs when the user closes it.
 */
export function scanQr(text, onText, onClosed) {
  const app = native('6.4');
  if (!app?.showScanQrPopup) return false;
  const closed = () => {
    app.offEvent?.('scanQrPopupClosed', closed);
    onClosed?.();
  };
  app.onEvent?.('scanQrPopupClosed', closed);
  app.showScanQrPopup({ text }, (data) => {
    onText(String(data ?? ''));
  });
  return true;
}

/**
 * Saves a text file: Telegram's downloadFile (8.0) from `url` (https,
 * served by us), else a download of the text itself.
 */
export function saveFile(url, fileName, text, type) {
  const app = native('8.0');
  if (app?.downloadFile) {
    app.downloadFile({ url, file_name: fileName });
    return;
  }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Whether the client can share a picture to a story. */
export function canShareToStory() {
  return Boolean(native('7.8')?.shareToStory);
}

/** Opens Telegram's story editor with the picture at `mediaUrl`. */
export function shareToStory(mediaUrl, text) {
  native('7.8')?.shareToStory(mediaUrl, { text: text.slice(0, 200) });
}
