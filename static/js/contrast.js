// Readable colours whatever the theme. Telegram's themes (and a group's
// custom ones) pair colours that do not always pass WCAG AA: hint text on
// the secondary background is about 2.5:1 in the light theme, white on the
// button colour 4.1:1. The page keeps each theme colour where it passes
// and, where it does not, moves it toward black or white just far enough
// (4.5:1), so text is readable and the theme still shows. Pure functions
// of the colours, tested without a browser (tests/format.test.mjs).

const AA = 4.6; // 4.5:1 with a little room for rounding in the browser

/** [r, g, b] (0-255) of "#rgb", "#rrggbb", "#rrggbbaa" or "rgb(r, g, b)"; null otherwise. */
export function parseColor(text) {
  const value = String(text ?? '').trim();
  let m = /^#([0-9a-f]{3})$/i.exec(value);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16));
  m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(value);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(value);
  if (m) return [m[1], m[2], m[3]].map(Number);
  return null;
}

function luminance([r, g, b]) {
  const channel = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function mix(a, b, share) {
  return a.map((c, i) => Math.round(c + (b[i] - c) * share));
}

export function hex(rgb) {
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * `fg` itself when it reads on every one of `backgrounds`, else `fg` moved
 * toward black or white (whichever the backgrounds are further from) until
 * it does.
 */
export function readable(fg, backgrounds) {
  const worst = (c) => Math.min(...backgrounds.map((bg) => contrast(c, bg)));
  if (worst(fg) >= AA) return fg;
  const dark = backgrounds.reduce((sum, bg) => sum + luminance(bg), 0) / backgrounds.length > 0.4;
  const target = dark ? [0, 0, 0] : [255, 255, 255];
  for (let share = 0.05; share < 1; share += 0.05) {
    const moved = mix(fg, target, share);
    if (worst(moved) >= AA) return moved;
  }
  return target;
}

/**
 * A fill for text `on` that keeps `fill`'s hue: `fill` when the text reads
 * on it, else `fill` darkened (or lightened) until it does.
 */
export function fillFor(fill, on) {
  if (contrast(fill, on) >= AA) return fill;
  const target = luminance(on) > 0.4 ? [0, 0, 0] : [255, 255, 255];
  for (let share = 0.05; share < 1; share += 0.05) {
    const moved = mix(fill, target, share);
    if (contrast(moved, on) >= AA) return moved;
  }
  return target;
}

/**
 * Reads the page's colours (theme or fallback) and sets the readable ones
 * as CSS variables: --muted (hints), --accent (links, seats, outlined
 * buttons), --danger-text, --fill and --on-fill (filled buttons).
 */
export function applyReadableColours(root = document.documentElement) {
  const style = getComputedStyle(root);
  const read = (name) => parseColor(style.getPropertyValue(name));
  const bg = read('--bg');
  const card = read('--card');
  const text = read('--text');
  if (!bg || !card || !text) return;
  const grounds = [bg, card, read('--section') ?? bg];
  const set = (name, rgb) => rgb && root.style.setProperty(name, hex(rgb));
  set('--muted', readable(read('--hint') ?? text, grounds));
  set('--accent', readable(read('--link') ?? text, grounds));
  set('--accent-button', readable(read('--button') ?? text, grounds));
  set('--danger-text', readable(read('--danger') ?? text, grounds));
  const onFill = read('--button-text') ?? [255, 255, 255];
  set('--fill', fillFor(read('--button') ?? [36, 129, 204], onFill));
  set('--on-fill', onFill);
}
