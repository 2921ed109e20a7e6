// The page's formatters (static/js/format.js), without a browser: how an
// `event` message is written, from the fields the server sends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT } from './helpers.mjs';

process.env.TZ = 'UTC';
const format = await import('../static/js/format.js');
const i18n = await import('../static/js/i18n.js');
const catalog = async (code) => JSON.parse(await readFile(join(ROOT, 'static', 'i18n', `${code}.json`), 'utf8'));
i18n.useEnglish(await catalog('en'));
i18n.useWords('en', await catalog('en'));

const event = (fields) => ({
  id: 1, title: 'Quiz', start: '19:00', duration: 2, attendees: 0, capacity: null, seats_left: null,
  full: false, waitlist: 0, attending: false, waitlisted: false, closed: false, ...fields,
});

test('durations and end times read as people write them', () => {
  assert.equal(format.formatDuration(1.5), '1 h 30 min');
  assert.equal(format.formatDuration(0.25), '15 min');
  assert.equal(format.formatDuration(3), '3 h');
  assert.equal(format.endTime('23:30', 1), '00:30', 'past midnight wraps around');
});

test('the seats line follows the seats left and whether the event is full, as the server says', () => {
  assert.equal(format.describeSeats(event({ capacity: 10, seats_left: 3 })), '3 spots left');
  assert.equal(format.describeSeats(event({ capacity: 10, seats_left: 1 })), '1 spot left');
  assert.equal(format.describeSeats(event({ capacity: 10, seats_left: 0, full: true })), 'Full: join the waitlist');
  // Seats are free but people wait: the server says full (nobody jumps the queue).
  assert.equal(
    format.describeSeats(event({ capacity: 10, seats_left: 2, full: true, waitlist: 1 })),
    'Full: join the waitlist · 1 waiting',
  );
  assert.equal(format.describeSeats(event({ capacity: 10, seats_left: 0, full: true, attending: true })), 'Full');
  assert.equal(
    format.describeSeats(event({ capacity: 4, seats_left: 0, full: true, waitlisted: true, waitlist_position: 2, waitlist: 3 })),
    'You are #2 on the waitlist',
  );
  assert.equal(format.describeSeats(event({})), '', 'unlimited: nothing to say');
  assert.equal(format.isFull(event({ full: true })), true);
  assert.equal(format.isFull(event({ capacity: 1, seats_left: 0 })), false, 'the page does not work it out itself');
});

test('days and times: the venue\'s, and the viewer\'s where they differ', () => {
  assert.equal(format.dayLabel('2026-12-04'), 'Fri 4 Dec');
  const berlin = event({
    date: '2026-12-04', repeat: 'none', timezone: 'Europe/Berlin',
    starts_at: '2026-12-04T19:00:00+01:00', ends_at: '2026-12-04T21:00:00+01:00',
  });
  assert.equal(format.describeWhen(berlin), 'Fri 4 Dec · 19:00–21:00 (18:00–20:00 your time) · 2 h');
  const here = { ...berlin, timezone: 'UTC', starts_at: '2026-12-04T19:00:00+00:00', ends_at: '2026-12-04T21:00:00+00:00', repeat: 'weekly' };
  assert.equal(format.describeWhen(here), 'Fri 4 Dec · 19:00–21:00 · 2 h · every week');
  const now = Date.parse('2026-12-04T08:00:00Z');
  assert.deepEqual(format.groupOf(here, now), { key: '2026-12-04', label: 'Today' });
  assert.deepEqual(format.groupOf({ ...here, date: '2026-12-05' }, now), { key: '2026-12-05', label: 'Tomorrow' });
  assert.deepEqual(format.groupOf({ ...here, date: '2026-12-09' }, now), { key: '2026-12-09', label: 'Wed 9 Dec' });
  assert.deepEqual(format.groupOf({ ...here, past: true }, now), { key: 'past', label: 'Past' });
});

test('cards sort as the server lists: upcoming by start, then id; past ones last, latest first', () => {
  const at = (id, starts, past = false) => ({ id, past, starts_at: starts, ends_at: starts });
  const events = [
    at(3, '2026-12-05T10:00:00Z'), at(1, '2026-12-05T10:00:00Z'), at(2, '2026-12-04T10:00:00Z'),
    at(9, '2026-11-01T10:00:00Z', true), at(8, '2026-11-20T10:00:00Z', true),
  ];
  const sorted = [...events].sort((a, b) => format.before(format.sortKey(a), format.sortKey(b)));
  assert.deepEqual(sorted.map((e) => e.id), [2, 1, 3, 8, 9]);
  assert.equal(format.initials('Ada Byron'), 'AB');
  assert.equal(format.initials(''), '?');
});

test('the going line: of the capacity, or more people than seats said plainly', () => {
  assert.equal(format.describeGoing(event({ attendees: 3 })), '3 going');
  assert.equal(format.describeGoing(event({ attendees: 3, capacity: 8 })), '3 of 8 going');
  assert.equal(format.describeGoing(event({ attendees: 6, capacity: 6 })), '6 of 6 going');
  assert.equal(format.describeGoing(event({ attendees: 5, capacity: 4 })), '5 going · 4 seats');
  assert.equal(format.describeGoing(event({ attendees: 2, capacity: 1 })), '2 going · 1 seat');
});

test('links in a description: http and https only, trailing punctuation left out', () => {
  assert.deepEqual(format.linkParts('Map: https://example.org/a?b=1. Bring water'), [
    { text: 'Map: ' }, { link: 'https://example.org/a?b=1' }, { text: '. Bring water' },
  ]);
  assert.deepEqual(format.linkParts('(see http://x.example/wiki/A_(b))'), [
    { text: '(see ' }, { link: 'http://x.example/wiki/A_(b)' }, { text: ')' },
  ]);
  assert.deepEqual(format.linkParts('javascript:alert(1) and ftp://x.example'), [{ text: 'javascript:alert(1) and ftp://x.example' }]);
  assert.deepEqual(format.linkParts(''), []);
});

test('readable colours: a theme colour kept where it passes 4.5:1, moved just enough where not', async () => {
  const { contrast, fillFor, hex, parseColor, readable } = await import('../static/js/contrast.js');
  const white = parseColor('#ffffff');
  const card = parseColor('#efeff3');
  const hint = parseColor('#999999');
  assert.ok(contrast(hint, card) < 2.6, "Telegram's light hint on its secondary background");
  const muted = readable(hint, [white, card]);
  assert.ok(contrast(muted, card) >= 4.5 && contrast(muted, white) >= 4.5, hex(muted));
  assert.ok(contrast(muted, card) < 6, 'no darker than it needs to be');
  assert.deepEqual(readable(parseColor('#000000'), [white]), [0, 0, 0], 'a passing colour stays');
  const darkBg = parseColor('#000000');
  assert.ok(contrast(readable(parseColor('#3e88f7'), [darkBg, parseColor('#1c1c1d')]), parseColor('#1c1c1d')) >= 4.5);
  const fill = fillFor(parseColor('#2ea6ff'), white);
  assert.ok(contrast(fill, white) >= 4.5, `white on ${hex(fill)}`);
  assert.deepEqual(parseColor('rgb(1, 2, 3)'), [1, 2, 3]);
  assert.deepEqual(parseColor('#abc'), [170, 187, 204]);
  assert.equal(parseColor('var(--x)'), null);
});

test('a check-in time is written in the event zone', () => {
  assert.equal(format.clockTime('2026-12-05T19:04:12+01:00', 'Europe/Berlin'), '19:04');
  assert.equal(format.clockTime('2026-12-05T19:04:12+01:00', 'UTC'), '18:04');
  assert.match(format.clockTime('2026-12-05T19:04:12+01:00', 'Not/AZone'), /^\d\d:\d\d$/);
});

test('a scanned ticket is read from the Mini App link or the start parameter alone', async () => {
  const { ticketOf, eventOfTicket } = await import('../static/js/ticket.js');
  const ticket = '12-5000000001-AbCd_EfGh-IjKlMn';
  assert.equal(ticketOf(`https://t.me/bot/app?startapp=t${ticket}`), ticket);
  assert.equal(ticketOf(`https://t.me/bot/app?startapp=cAbCdEfGh12_t${ticket}&x=1`), ticket);
  assert.equal(ticketOf(`t${ticket}`), ticket);
  assert.equal(ticketOf(` t${ticket}\n`), ticket);
  for (const other of ['', 'hello', 'https://t.me/bot/app?startapp=12', 't-short', `x${ticket}`, 'cAbC_t12-1-abcdefghijklmnop']) {
    assert.equal(ticketOf(other), null, other);
  }
  assert.equal(eventOfTicket(ticket), 12);
  assert.equal(eventOfTicket('x'), null);
});

test('in another language: its words, plural forms, digits and dates (Gregorian in Persian too)', async (t) => {
  t.after(async () => i18n.useWords('en', await catalog('en')));
  const berlin = event({
    date: '2026-12-04', repeat: 'weekly', timezone: 'UTC', capacity: 10, attendees: 5,
    starts_at: '2026-12-04T19:00:00+00:00', ends_at: '2026-12-04T21:30:00+00:00', duration: 2.5,
  });
  i18n.useWords('ru', await catalog('ru'));
  assert.equal(format.describeWhen(berlin), 'пт, 4 дек. · 19:00–21:30 · 2 ч 30 мин · каждую неделю');
  assert.deepEqual([1, 3, 5, 21].map((n) => format.describeSeats(event({ capacity: 30, seats_left: n }))),
    ['Осталось 1 место', 'Осталось 3 места', 'Осталось 5 мест', 'Осталось 21 место']);
  assert.equal(format.describeGoing(berlin), 'Идут 5 из 10');
  assert.equal(format.errorText({ code: 'no_such_event', msg: 'No such event' }), 'Этого события больше нет.');
  assert.equal(format.errorText({ code: 'something_new', msg: 'Whatever' }), 'Что-то пошло не так. Попробуйте ещё раз.');

  i18n.useWords('fa', await catalog('fa'));
  // Persian digits, the Gregorian date (4 December, not 13 Azar), a Persian weekday.
  assert.equal(format.describeWhen(berlin), 'جمعه ۴ دسامبر · ۱۹:۰۰–۲۱:۳۰ · ۲ ساعت ۳۰ دقیقه · هر هفته');
  assert.equal(format.describeSeats(event({ capacity: 30, seats_left: 12 })), '۱۲ جا مانده');
  assert.equal(format.clockTime('2026-12-04T19:04:00Z', 'UTC'), '۱۹:۰۴');
  assert.equal(i18n.t('card.requests', { n: 3 }), 'درخواست‌ها (۳)');
});
