// How the page writes what the server sends: durations, days and times
// (in the event's zone, and the viewer's when it differs), the seats line,
// the day headings and where a card sorts. Pure functions of an `event`
// message (and the clock), so they are tested without a browser
// (tests/format.test.mjs); the rules themselves (seats left, whether an
// event is full, the listing order) are the server's. Words come from the
// catalog in force (i18n.js), dates, times and numbers from `Intl` in its
// locale.

import { locale, t } from './i18n.js';

/** "1 h 30 min" for 1.5 hours. */
export function formatDuration(hours) {
  const minutes = Math.round(hours * 60);
  const parts = [];
  if (minutes >= 60) parts.push(t('format.hours', { n: Math.floor(minutes / 60) }));
  if (minutes % 60) parts.push(t('format.minutes', { n: minutes % 60 }));
  return parts.join(' ') || t('format.minutes', { n: 0 });
}

/** "18:30" plus 1.5 hours is "20:00" (past midnight wraps around). */
export function endTime(start, hours) {
  const [h, m] = start.split(':').map(Number);
  const total = (h * 60 + m + Math.round(hours * 60)) % (24 * 60);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "YYYY-MM-DD" of `ms` in `zone`. */
function dayIn(zone, ms) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** "HH:MM" of `ms` in `zone` (to compare). */
function timeIn(zone, ms) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

/** "19:00" of `ms` in `zone`, as the language writes it ("۱۹:۰۰" in Persian). */
function showTime(zone, ms) {
  return new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

/** "19:00" (the venue's clock, as sent) as the language writes it. */
export function showClock(hhmm) {
  const [h, m] = hhmm.split(':').map(Number);
  return showTime('UTC', Date.UTC(2000, 0, 1, h, m));
}

/** A zone's name in the language ("Central European Time"), or its id. */
export function zoneName(zone) {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 'UTC';
  try {
    const parts = new Intl.DateTimeFormat(locale(), { timeZone: zone, timeZoneName: 'longGeneric' }).formatToParts(Date.now());
    return parts.find((p) => p.type === 'timeZoneName')?.value || zone;
  } catch {
    return zone;
  }
}

/** Whether an event's occurrence has ended (a past one-off, or the listed one over). */
export function isOver(event, now = Date.now()) {
  return Boolean(event?.past) || Boolean(event?.ends_at && Date.parse(event.ends_at) < now);
}

/** "19:04": the time of an RFC 3339 instant in `zone` (the viewer's when unknown). */
export function clockTime(at, zone) {
  const ms = Date.parse(at);
  try {
    return showTime(zone || viewerZone, ms);
  } catch {
    return showTime(viewerZone, ms);
  }
}

/** "Fri 5 Dec" for "2026-12-05" (in Russian "пт, 5 дек."). */
export function dayLabel(date) {
  const at = new Date(`${date}T12:00:00Z`);
  return new Intl.DateTimeFormat(locale(), { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(at);
}

/** The heading of the group an event belongs to. */
export function groupOf(event, now = Date.now()) {
  if (event.past) return { key: 'past', label: t('list.past') };
  if (!event.date) return { key: 'undated', label: t('list.every_day') };
  const zone = event.timezone || viewerZone;
  if (event.date === dayIn(zone, now)) return { key: event.date, label: t('list.today') };
  if (event.date === dayIn(zone, now + 86_400_000)) return { key: event.date, label: t('list.tomorrow') };
  return { key: event.date, label: dayLabel(event.date) };
}

/**
 * When the event is, in its zone ("Fri 5 Dec · 19:00–22:00 · 3 h") and, when
 * the viewer's zone says another time, in theirs too.
 */
export function describeWhen(event) {
  const duration = formatDuration(event.duration);
  if (!event.starts_at) return `${showClock(event.start)}–${showClock(endTime(event.start, event.duration))} · ${duration}`;
  const starts = Date.parse(event.starts_at);
  const ends = Date.parse(event.ends_at);
  const local = `${showClock(event.starts_at.slice(11, 16))}–${showClock(event.ends_at.slice(11, 16))}`;
  const parts = [dayLabel(event.date), local];
  const zone = event.timezone || viewerZone;
  if (zone !== viewerZone && timeIn(viewerZone, starts) !== event.starts_at.slice(11, 16)) {
    parts[1] += ` ${t('format.your_time', { from: showTime(viewerZone, starts), to: showTime(viewerZone, ends) })}`;
  }
  parts.push(duration);
  if (event.repeat === 'weekly') parts.push(t('format.every_week'));
  if (event.repeat === 'daily') parts.push(t('format.every_day'));
  return parts.join(' · ');
}

/** Whether the user is on the event's going list or its waitlist. */
export function isListed(event) {
  return Boolean(event.attending || event.waitlisted || event.pending);
}

/** Whether a newcomer would wait (the server says: `full`). */
export function isFull(event) {
  return Boolean(event.full);
}

/** The line about seats: "3 spots left", "Full: join the waitlist", "You are #2 on the waitlist"… */
export function describeSeats(event) {
  const parts = [];
  if (event.closed) parts.push(t('seats.closed'));
  if (event.waitlisted) {
    parts.push(t('seats.position', { n: event.waitlist_position }));
  } else if (event.seats_left != null && (!event.closed || event.attending)) {
    if (!event.full) parts.push(t('seats.left', { n: event.seats_left }));
    else parts.push(event.attending || event.closed ? t('seats.full') : t('seats.full_join'));
  }
  if (event.waitlist && !event.waitlisted) parts.push(t('seats.waiting', { n: event.waitlist }));
  return parts.join(' · ');
}

/** What each error `code` says to people (the protocol's `msg` stays English). */
const ERRORS = {
  no_such_event: 'error.no_such_event', closed: 'error.closed', not_on_list: 'error.not_on_list',
  forbidden: 'error.forbidden', invalid: 'error.invalid', limit: 'error.limit', rate_limited: 'error.rate_limited',
  too_large: 'error.too_large', internal: 'error.internal',
};

/** An `error` from the server, in the language in force, by its `code`. */
export function errorText(error) {
  return t(ERRORS[error.code] ?? 'error.other');
}

/** "AB" for "Ada Byron": a face without a picture. */
export function initials(name) {
  const letters = name.split(/\s+/).filter(Boolean).map((w) => [...w][0]).slice(0, 2);
  return letters.join('').toUpperCase() || '?';
}

/** Where an event sorts: upcoming by next start, then past ones, latest first. */
export function sortKey(event) {
  if (!event.starts_at) return [0, 0, event.id];
  return event.past ? [1, -Date.parse(event.ends_at), event.id] : [0, Date.parse(event.starts_at), event.id];
}

export function before(a, b) {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}


/** "3 of 8 going", "12 going", or "5 going · 4 seats" when fewer seats than people are left. */
export function describeGoing(event) {
  const n = event.attendees ?? 0;
  if (event.capacity == null) return t('going.count', { n });
  if (n > event.capacity) return `${t('going.count', { n })} · ${t('going.seats', { n: event.capacity })}`;
  return t('going.of', { n, capacity: event.capacity });
}

const LINK = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** Whether `s` closes no more brackets than it opens ("A_(b)" keeps its ")"). */
const balanced = (s) => s.split('(').length >= s.split(')').length;

/**
 * A description cut into text and links: `[{text}, {link}]`. Only http and
 * https are links; trailing punctuation stays text.
 */
export function linkParts(text) {
  const parts = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    let link = match[0];
    while (/[.,;:!?)\]}]$/.test(link) && !(link.endsWith(')') && balanced(link))) link = link.slice(0, -1);
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ link });
    at = match.index + link.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
