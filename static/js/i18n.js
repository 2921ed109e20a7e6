// The page's words in the user's language, from the catalogs the Worker
// shares (static/i18n/<code>.json): `t(key, values)` gives a key's text
// with its `{name}`s filled (numbers in the language's own digits), a
// plural key (an object of Intl.PluralRules categories) chosen by `{n}`.
// English is bundled with the page; another language is fetched once.
// Dates use the Gregorian calendar in every language (events are set on
// Gregorian dates). Elements of index.html say their key in `data-i18n`
// (the text) or `data-i18n-<attribute>`, and `translate` fills them.

/** The languages offered (the server's `welcome.languages` says the same). */
export const LANGUAGES = ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa'];
const RIGHT_TO_LEFT = new Set(['fa']);
/** The locale each language's dates and numbers are written in. */
const LOCALES = { en: 'en-GB', pt: 'pt-BR' };
const ATTRIBUTES = ['aria-label', 'placeholder', 'alt'];

let english = {};
let words = {};
let language = 'en';
let plurals = new Intl.PluralRules('en');
let numbers = new Intl.NumberFormat('en');
let rightToLeft = false;
const listeners = [];

/** The offered language a `language_code` ("pt-br") means, or null. */
export function languageOf(code) {
  const primary = String(code ?? '').toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(primary) ? primary : null;
}

/** The language in force now. */
export function currentLanguage() {
  return language;
}

/** The locale for `Intl` in the language in force, its calendar Gregorian. */
export function locale() {
  return `${LOCALES[language] ?? language}-u-ca-gregory`;
}

/** The English catalog, behind every other (bundled with the page). */
export function useEnglish(catalog) {
  english = catalog;
  if (language === 'en') words = catalog;
}

/** Makes `code`'s catalog the one in force and tells every listener. */
export function useWords(code, catalog) {
  language = code;
  words = catalog;
  plurals = new Intl.PluralRules(LOCALES[code] ?? code);
  numbers = new Intl.NumberFormat(locale());
  rightToLeft = RIGHT_TO_LEFT.has(code);
  if (typeof document !== 'undefined') {
    document.documentElement.lang = code;
    document.documentElement.dir = rightToLeft ? 'rtl' : 'ltr';
  }
  for (const listener of listeners) listener(code);
}

/** Calls `listener(code)` each time the language changes. */
export function onLanguage(listener) {
  listeners.push(listener);
}

/** A number in the language's digits ("۱۲" in Persian). */
export function number(n) {
  return numbers.format(n);
}

/** The text of `key` with `values` in it; plural keys choose by `values.n`. */
export function t(key, values = {}) {
  let text = words[key] ?? english[key] ?? key;
  if (typeof text === 'object' && text !== null) {
    const fallback = english[key] ?? {};
    const category = plurals.select(Number(values.n ?? 0));
    text = text[category] ?? text.other ?? fallback[category] ?? fallback.other ?? key;
  }
  return String(text).replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in values)) return whole;
    const value = values[name];
    if (typeof value === 'number') return numbers.format(value);
    // In a right-to-left text, a name or title keeps its own direction
    // (isolated: "Board game night." stays in one piece).
    return rightToLeft ? `\u2068${value}\u2069` : String(value);
  });
}

/** Fills the `data-i18n` texts and `data-i18n-<attribute>`s under `root`. */
export function translate(root) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const attribute of ATTRIBUTES) {
    for (const element of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      element.setAttribute(attribute, t(element.getAttribute(`data-i18n-${attribute}`)));
    }
  }
  for (const template of root.querySelectorAll('template')) translate(template.content);
}

const fetched = new Map();

/** Fetches `code`'s catalog once (null when it cannot be had); boot.js may have asked already. */
export async function fetchWords(code) {
  if (fetched.has(code)) return fetched.get(code);
  const early = typeof window === 'undefined' ? null : window.miniEventsEarlyWords;
  if (early?.language === code) {
    const catalog = await early.words;
    if (catalog) {
      fetched.set(code, catalog);
      return catalog;
    }
  }
  try {
    const response = await fetch(`/i18n/${code}.json`);
    if (!response.ok) return null;
    const catalog = await response.json();
    fetched.set(code, catalog);
    return catalog;
  } catch {
    return null;
  }
}

/** The language's name in itself ("Deutsch", "فارسی"), capitalised. */
export function languageName(code) {
  const name = new Intl.DisplayNames([LOCALES[code] ?? code], { type: 'language' }).of(code) ?? code;
  return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
}
