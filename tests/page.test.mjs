// The Mini App page in headless Chromium against a real `wrangler dev`:
// two users, live updates, admin tools, deep links, themes, Telegram's own
// dialogs (through a stand-in for Telegram's script), reconnection.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  Client, Worker, d1, eventsSql, launchBrowser, makePng, openApp, prepareDb, removeState, tempState,
  user, withScreenshots,
} from './helpers.mjs';

const ADMIN_ID = 5_000_000_777;
const LOGIN_TIMEOUT = 2; // seconds
/** "Fri 5 Dec" for "YYYY-MM-DD". */
function dayLabel(date) {
  const at = new Date(`${date}T12:00:00Z`);
  const part = (o) => at.toLocaleDateString('en-GB', { ...o, timeZone: 'UTC' });
  return `${part({ weekday: 'short' })} ${at.getUTCDate()} ${part({ month: 'short' })}`;
}
/** "YYYY-MM-DD" of `days` from today, in UTC (the Worker's TIMEZONE here). */
const utcDay = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const WORKER_VARS = { ADMIN_IDS: String(ADMIN_ID), LOGIN_TIMEOUT_SECONDS: String(LOGIN_TIMEOUT) };
let state;
let worker;
let browser;

before(async () => {
  state = await tempState();
  await prepareDb(state, `${eventsSql([
    { id: 1, title: 'Morning swim', description: 'Lake, 1 km', start: '07:00', duration: 1 },
    { id: 2, title: 'Book club', start: '19:00', duration: 1.5 },
    ...Array.from({ length: 8 }, (_, i) => ({ id: 10 + i, title: `Filler ${i}`, start: `1${i}:00`, duration: 1 })),
    { id: 30, title: 'Tomorrow brunch', start: '11:00', duration: 2 },
    { id: 31, title: 'Last week party', start: '20:00', duration: 3 },
  ])}
    UPDATE events SET date = '${utcDay(1)}', repeat = 'none', location = 'Garden' WHERE id = 30;
    UPDATE events SET date = '${utcDay(-7)}', repeat = 'none' WHERE id = 31;`);
  worker = await Worker.start({ persistTo: state, vars: WORKER_VARS });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await removeState(state);
});

const card = (id) => `.event[data-id="${id}"]`;
const text = (page, selector) => page.locator(selector).textContent();

test('attending in one page changes the count in the other', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const ann = await openApp(browser, worker, user({ first: 'Ann' }));
    const ben = await openApp(browser, worker, user({ first: 'Ben' }));
    pages.push(ann, ben);
    assert.equal(await text(ben, `${card(1)} .attendees`), '0 going');

    await ann.click(`${card(1)} .toggle`);
    await ben.waitForFunction((sel) => document.querySelector(sel).textContent === '1 going', `${card(1)} .attendees`);
    await ann.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${card(1)} .toggle`);
    assert.equal(await text(ben, `${card(1)} .toggle`), 'Attend', 'Ben is not going himself');
    assert.equal(await ann.getAttribute(`${card(1)} .toggle`, 'aria-pressed'), 'true');

    await ann.click(`${card(1)} .toggle`);
    await ben.waitForFunction((sel) => document.querySelector(sel).textContent === '0 going', `${card(1)} .attendees`);
    assert.deepEqual([...ann.errors, ...ben.errors], []);
  });
});

test('an admin creates an event with a picture; both pages show it; edit and delete reach both', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID, first: 'Ada' }));
    const guest = await openApp(browser, worker, user({ first: 'Gus' }));
    pages.push(admin, guest);
    assert.equal(await guest.isVisible('#new-event'), false, 'no admin tools for guests');
    assert.equal(await guest.locator('.admin-actions:visible').count(), 0);

    await admin.click('#new-event');
    await admin.fill('input[name=title]', 'Kite flying');
    await admin.fill('textarea[name=description]', 'Windy hill, bring a kite');
    await admin.fill('input[name=start]', '16:30');
    await admin.fill('input[name=duration]', '2');
    await admin.selectOption('select[name=repeat]', 'daily'); // a choice: without it the form asks for a date
    const png = makePng(64, [240, 120, 30]);
    await admin.setInputFiles('input[name=image]', { name: 'kite.png', mimeType: 'image/png', buffer: png });
    assert.equal(await admin.isVisible('.event-form .preview'), true, 'a preview of the picture');
    await admin.click('.event-form button[type=submit]');

    const kite = '.event:has(h2:text-is("Kite flying"))';
    await guest.waitForSelector(kite);
    const id = await guest.getAttribute(kite, 'data-id');
    for (const page of [admin, guest]) {
      await page.locator(card(id)).scrollIntoViewIfNeeded(); // pictures load lazily
      await page.waitForFunction((sel) => {
        const img = document.querySelector(`${sel} img`);
        return img && img.complete && img.naturalWidth === 64;
      }, card(id));
    }
    assert.equal(await admin.locator('.event-form').count(), 0, 'the form closes once saved');
    assert.match(await text(guest, `${card(id)} .when`), /^\w{3} \d+ \w{3} · 16:30–18:30 · 2 h · every day$/);

    await admin.click(`${card(id)} .edit`);
    assert.equal(await admin.inputValue(`${card(id)} input[name=title]`), 'Kite flying', 'edit opens in the card');
    await admin.fill(`${card(id)} input[name=title]`, 'Kite festival');
    await admin.click(`${card(id)} button[type=submit]`);
    await guest.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Kite festival', `${card(id)} h2`);

    admin.once('dialog', (dialog) => dialog.accept());
    await admin.click(`${card(id)} .delete`);
    await guest.waitForSelector(card(id), { state: 'detached' });
    await admin.waitForSelector(card(id), { state: 'detached' });
  });
});

test('server errors show next to the form, and an oversized picture is refused before sending', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID }));
    pages.push(admin);
    await admin.click('#new-event');
    await admin.fill('input[name=title]', 'Too big');
    await admin.fill('input[name=start]', '10:00');
    await admin.selectOption('select[name=repeat]', 'daily');
    const big = Buffer.concat([makePng(8), Buffer.alloc(600 * 1024)]);
    await admin.setInputFiles('input[name=image]', { name: 'big.png', mimeType: 'image/png', buffer: big });
    await admin.click('.event-form button[type=submit]');
    assert.match(await text(admin, '.form-error'), /512 KiB/);

    // Invalid for the server but not for the page's own checks: a GIF that is not one.
    await admin.setInputFiles('input[name=image]', { name: 'fake.gif', mimeType: 'image/gif', buffer: Buffer.from('<svg/>') });
    await admin.click('.event-form button[type=submit]');
    // Said by the error's code and the field it names, in the user's language.
    await admin.waitForFunction(() => document.querySelector('.form-error').textContent === 'Not accepted: Picture. Check it and save again.');
    assert.equal(await admin.locator('.event:has(h2:text-is("Too big"))').count(), 0);
  });
});

test('an admin revoked while the page is open loses the admin tools at their next change', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const id = 5_000_000_778;
    await d1(state, `INSERT INTO users (telegram_id, name, is_admin) VALUES (${id}, 'Rita Admin', 1);`);
    const rita = await openApp(browser, worker, user({ id, first: 'Rita' }));
    pages.push(rita);
    assert.equal(await rita.isVisible('#new-event'), true, 'an admin at first');

    await d1(state, `UPDATE users SET is_admin = 0 WHERE telegram_id = ${id};`);
    await rita.click('#new-event');
    await rita.fill('input[name=title]', 'Not any more');
    await rita.fill('input[name=start]', '09:00');
    await rita.selectOption('select[name=repeat]', 'daily');
    await rita.click('.event-form button[type=submit]');

    await rita.waitForSelector('#new-event', { state: 'hidden' });
    assert.match(await text(rita, '#notice'), /no longer an admin/);
    assert.equal(await rita.locator('.admin-actions:visible').count(), 0, 'no edit or delete buttons');
    assert.equal(await rita.locator('.event-form').count(), 0, 'the form is closed');
    assert.deepEqual(await d1(state, "SELECT id FROM events WHERE title = 'Not any more'"), []);
    assert.deepEqual(rita.errors, []);
  });
});

test("the startapp deep link opens its event's view; back on the list, the card is in sight and highlighted", async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user({ startParam: '2' }));
    pages.push(page);
    await page.waitForSelector('.event.detail[data-view-id="2"]');
    await page.click('#view-back');
    await page.waitForSelector(`${card(2)}.selected`);
    await page.waitForFunction((sel) => {
      const box = document.querySelector(sel).getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight;
    }, card(2));
    assert.equal(await page.locator('.event.selected').count(), 1);
  });
});

test('a title with HTML in it is shown as text', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await Client.login(worker, user({ id: ADMIN_ID }));
    const xss = '<img src=x onerror=alert(1)>';
    admin.send({ type: 'create-event', title: xss, description: '<script>alert(2)</script>', start: '23:30', duration: 0.5 });
    const created = await admin.next();
    admin.close();

    const page = await openApp(browser, worker, user());
    pages.push(page);
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs += 1;
      dialog.dismiss();
    });
    assert.equal(await text(page, `${card(created.id)} h2`), xss);
    assert.equal(await text(page, `${card(created.id)} .description`), '<script>alert(2)</script>');
    assert.equal(await page.locator(`${card(created.id)} h2 img, ${card(created.id)} .description script`).count(), 0);
    await page.waitForTimeout(200);
    assert.equal(dialogs, 0);
  });
});

test('without initData the page says to open it from Telegram', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, null);
    pages.push(page);
    await page.waitForSelector('#outside-telegram:visible');
    assert.match(await text(page, '#outside-telegram'), /Open Mini Events from Telegram/);
    assert.equal(await page.isVisible('.skeleton'), false, 'no endless loading');
  });
});

test('an expired login stops and asks to reopen the app', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const old = user({ authDate: Math.floor(Date.now() / 1000) - 3 * 86400 });
    const page = await openApp(browser, worker, null, { fragment: new URLSearchParams({ tgWebAppData: old.initData }).toString() });
    pages.push(page);
    await page.waitForFunction(() => /open it again from Telegram/.test(document.getElementById('connection').textContent));
    assert.equal(await page.isVisible('#connection'), true);
  });
});

test('the page takes the Telegram theme, light or dark', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const dark = await openApp(browser, worker, user(), {
      colorScheme: 'dark',
      // Black on orange reads well (8:1), so the theme's button colour stays as it is.
      themeParams: { bg_color: '#102030', text_color: '#f0f0f0', button_color: '#ff8800', button_text_color: '#000000', secondary_bg_color: '#203040' },
    });
    pages.push(dark);
    const colours = await dark.evaluate(() => ({
      body: getComputedStyle(document.body).backgroundColor,
      card: getComputedStyle(document.querySelector('.event')).backgroundColor,
      button: getComputedStyle(document.querySelector('.event .toggle')).backgroundColor,
    }));
    assert.deepEqual(colours, { body: 'rgb(16, 32, 48)', card: 'rgb(32, 48, 64)', button: 'rgb(255, 136, 0)' });

    const light = await openApp(browser, worker, user());
    pages.push(light);
    assert.equal(await light.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
  });
});

// A stand-in for telegram-web-app.js inside a Telegram client: it records
// every call and answers the way a user might (refuses write access,
// confirms the delete).
const FAKE_TELEGRAM = `
  window.TelegramWebviewProxy = { postEvent() {} };
  window.calls = [];
  const data = new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') || '';
  window.Telegram = { WebApp: {
    initData: data, platform: 'android', version: '8.0',
    isVersionAtLeast: () => true,
    ready: () => calls.push(['ready']),
    expand: () => calls.push(['expand']),
    requestWriteAccess: (cb) => { calls.push(['requestWriteAccess']); setTimeout(() => cb(false), 10); },
    showConfirm: (message, cb) => { calls.push(['showConfirm', message]); setTimeout(() => cb(true), 10); },
    switchInlineQuery: (query, types) => calls.push(['switchInlineQuery', query, types]),
  } };`;

test('inside Telegram: ready and expand, write access before attending, Share, showConfirm', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID }), { telegramScript: FAKE_TELEGRAM });
    pages.push(admin);
    const calls = () => admin.evaluate(() => window.calls);
    assert.deepEqual((await calls()).slice(0, 2), [['ready'], ['expand']]);

    await admin.click(`${card(1)} .toggle`);
    await admin.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${card(1)} .toggle`);
    assert.deepEqual((await calls()).filter((c) => c[0] === 'requestWriteAccess').length, 1);
    assert.match(await text(admin, '#notice'), /can't message you/, 'a refusal is explained');
    await admin.click(`${card(1)} .toggle`); // leave
    await admin.waitForFunction((sel) => document.querySelector(sel).textContent === 'Attend', `${card(1)} .toggle`);

    assert.equal(await admin.isVisible(`${card(2)} .share`), true);
    await admin.click(`${card(2)} .share`);
    assert.deepEqual((await calls()).find((c) => c[0] === 'switchInlineQuery'), ['switchInlineQuery', 'event:2', ['users', 'groups', 'channels']]);

    await admin.click(`${card(17)} .delete`);
    await admin.waitForSelector(card(17), { state: 'detached' });
    assert.match((await calls()).find((c) => c[0] === 'showConfirm')[1], /Filler 7/);
  });
});

test('after wrangler dev restarts, the page reconnects by itself and shows the same data', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user());
    pages.push(page);
    await page.click(`${card(2)} .toggle`);
    await page.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${card(2)} .toggle`);
    const titlesBefore = await page.locator('.event h2').allTextContents();

    const { port } = worker;
    await worker.stop();
    await page.waitForSelector('#connection:visible');
    assert.equal(await page.isDisabled(`${card(1)} .toggle`), true, 'actions wait for the connection');
    worker = await Worker.start({ persistTo: state, port, vars: WORKER_VARS });

    await page.waitForSelector('#connection', { state: 'hidden', timeout: 60_000 });
    // The same events (sorted: an occurrence that ends meanwhile, at an
    // hour's turn, moves its series to tomorrow's place in the list).
    assert.deepEqual((await page.locator('.event h2').allTextContents()).sort(), titlesBefore.sort());
    assert.equal(await text(page, `${card(2)} .toggle`), 'Leave');
    assert.equal(await page.isDisabled(`${card(1)} .toggle`), false);
  });
});

test('a login held up past the timeout is closed, and the page logs in again by itself', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    let sockets = 0;
    const closes = [];
    // A slow network for the first socket only: its login frame is held
    // until after the server's deadline.
    const setup = (page) => page.routeWebSocket(/\/ws$/, (socket) => {
      const first = sockets === 0;
      sockets += 1;
      const server = socket.connectToServer();
      server.onClose((code, reason) => {
        closes.push({ code, reason });
        socket.close({ code, reason });
      });
      socket.onMessage((message) => {
        const late = first && String(message).includes('"login"');
        setTimeout(() => {
          try {
            server.send(message);
          } catch {
            // closed meanwhile
          }
        }, late ? (LOGIN_TIMEOUT + 2) * 1000 : 0);
      });
    });
    const page = await openApp(browser, worker, user(), { setup });
    pages.push(page);
    assert.deepEqual(closes[0], { code: 1008, reason: 'login timeout' });
    assert.ok(sockets >= 2, 'the page opened a new socket');
    assert.equal(await page.isHidden('#connection'), true, 'online again');
    assert.equal(await text(page, `${card(1)} h2`), 'Morning swim');
    assert.deepEqual(page.errors, []);
  });
});

test("events are grouped by day, with the date and the viewer's own time, and the past at the end", async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user(), { timezoneId: 'America/New_York' });
    pages.push(page);
    const headings = await page.locator('.day-heading').allTextContents();
    assert.equal(headings.at(-1), 'Past');
    assert.ok(headings.includes('Tomorrow'), headings.join(', '));
    // The first heading is the first event's day as the server dates it:
    // Today while a daily event is still on, else Tomorrow.
    const first = await Client.login(worker, user());
    const firstDay = first.login.events[0].date;
    first.close();
    assert.equal(headings[0], firstDay === utcDay(0) ? 'Today' : 'Tomorrow', headings.join(', '));
    // The past event is the last card, under Past.
    const last = page.locator('#events > .event').last();
    assert.equal(await last.getAttribute('data-id'), '31');
    assert.equal(await page.locator(`${card(31)} .toggle`).isHidden(), true, 'no Attend on an event that is over');
    const brunch = await text(page, `${card(30)} .when`);
    assert.ok(brunch.startsWith(`${dayLabel(utcDay(1))} · `), `${brunch}`);
    assert.match(brunch, /11:00–13:00 \(0[67]:00–0[89]:00 your time\) · 2 h/);
    assert.equal(await text(page, `${card(30)} .location`), 'Garden');
    const tomorrow = page.locator('.day-heading', { hasText: 'Tomorrow' });
    const next = await tomorrow.evaluate((h) => h.nextElementSibling.dataset.id);
    assert.ok(next, 'a card follows the heading');
    assert.deepEqual(page.errors, []);
  });
});

test('an admin plans a weekly series with the date picker, repeat and location; another page shows it', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID }));
    const guest = await openApp(browser, worker, user());
    pages.push(admin, guest);
    await admin.click('#new-event');
    await admin.fill('input[name=title]', 'Tuesday run');
    await admin.fill('input[name=date]', utcDay(3));
    assert.equal(await admin.inputValue('select[name=repeat]'), 'none', 'a date means once, at first');
    await admin.selectOption('select[name=repeat]', 'weekly');
    await admin.fill('input[name=start]', '18:15');
    await admin.fill('input[name=location]', 'Park gate');
    await admin.click('.event-form button[type=submit]');
    const run = '.event:has(h2:text-is("Tuesday run"))';
    await guest.waitForSelector(run);
    assert.match(await text(guest, `${run} .when`), /18:15–19:15 · 1 h · every week$/);
    assert.equal(await text(guest, `${run} .location`), 'Park gate');
    const heading = await guest.locator(run).evaluate((c) => {
      let h = c.previousElementSibling;
      while (h && !h.classList.contains('day-heading')) h = h.previousElementSibling;
      return h?.textContent;
    });
    assert.equal(heading, dayLabel(utcDay(3)));
    const [row] = await d1(state, "SELECT repeat, location FROM events WHERE title = 'Tuesday run'");
    assert.deepEqual(row, { repeat: 'weekly', location: 'Park gate' });
  });
});

test('the reminder choice is one tap from the page, and Subscribe opens the feed', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const who = user();
    const page = await openApp(browser, worker, who, { colorScheme: 'dark' });
    pages.push(page);
    assert.equal(await text(page, '#open-settings'), 'Event reminders: At start');
    await page.click('#open-settings');
    await page.check('input[name=reminder][value="60"]');
    await page.waitForFunction(() => document.getElementById('open-settings').textContent === 'Event reminders: 1 h before');
    await page.click('#settings button[value=close]');
    for (let tries = 0; tries < 20; tries++) {
      const rows = await d1(state, `SELECT reminder FROM users WHERE telegram_id = ${who.id} AND reminder = 60`);
      if (rows.length) {
        assert.deepEqual(rows, [{ reminder: 60 }]);
        break;
      }
      assert.ok(tries < 19, 'the setting was stored');
    }
    // The feed opens outside the app (a new tab here; openLink in Telegram).
    const feedUrl = new RegExp(`/calendar/${who.id}-[A-Za-z0-9_-]{22}\\.ics$`);
    // The response itself, not the request's: the tab, a download, may
    // close before a request's response can be asked for.
    const opened = page.context().waitForEvent('response', (r) => feedUrl.test(r.url()));
    await page.click('#open-settings');
    await page.click('#subscribe');
    assert.equal((await opened).status(), 200);
    assert.deepEqual(page.errors, []);
  });
});

test('seats on the page: spots left, guests, the waitlist and your place in it, a promotion, who is going', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const creator = await Client.login(worker, user({ id: ADMIN_ID }));
    creator.send({ type: 'create-event', title: 'Tasting', start: '18:00', duration: 2, date: utcDay(2), capacity: 2, max_guests: 1 });
    const made = await creator.nextWhere((m) => m.type === 'event' && m.title === 'Tasting');
    creator.close();
    const tasting = card(made.id);
    const ann = await openApp(browser, worker, user({ first: 'Ann', last: 'Lee' }));
    const ben = await openApp(browser, worker, user({ first: 'Ben', last: 'Ode' }), { colorScheme: 'dark' });
    pages.push(ann, ben);
    assert.equal(await text(ann, `${tasting} .seats`), '2 spots left');
    assert.equal(await text(ann, `${tasting} .attendees`), '0 of 2 going');
    assert.equal(await text(ann, `${tasting} .guests-label`), 'Bring guests');

    // Ann brings one guest: both seats.
    await ann.click(`${tasting} .guests .more`);
    assert.equal(await text(ann, `${tasting} .guests-count`), '+1');
    await ann.click(`${tasting} .toggle`);
    await ann.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${tasting} .toggle`);
    assert.equal(await text(ann, `${tasting} .attendees`), '2 of 2 going');
    assert.equal(await text(ann, `${tasting} .faces`), 'AL', 'her initials on the card');
    await ben.waitForFunction((sel) => document.querySelector(sel).textContent === 'Full: join the waitlist', `${tasting} .seats`);
    assert.equal(await text(ben, `${tasting} .toggle`), 'Join the waitlist');

    await ben.click(`${tasting} .toggle`);
    await ben.waitForFunction((sel) => document.querySelector(sel).textContent === 'You are #1 on the waitlist', `${tasting} .seats`);
    assert.equal(await text(ben, `${tasting} .toggle`), 'Leave the waitlist');
    await ann.waitForFunction((sel) => document.querySelector(sel).textContent === 'Full · 1 waiting', `${tasting} .seats`);

    // Ann comes alone after all: Ben's seat opens.
    await ann.click(`${tasting} .guests .less`);
    await ben.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${tasting} .toggle`);
    assert.equal(await text(ben, `${tasting} .attendees`), '2 of 2 going');
    assert.equal(await text(ben, `${tasting} .seats`), 'Full');

    await ben.click(`${tasting} .people`);
    await ben.waitForSelector('#people .people-going li');
    const names = await ben.locator('#people .people-going .person-name').allTextContents();
    assert.deepEqual(names, ['Ann Lee', 'Ben Ode'], 'in the order they joined');
    const width = await ben.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `fits a 360 px phone (${width})`);
    assert.deepEqual([...ann.errors, ...ben.errors], []);
  });
});

test('an admin sets seats, guests and closes RSVPs in the form', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID }));
    const guest = await openApp(browser, worker, user());
    pages.push(admin, guest);
    await admin.click('#new-event');
    await admin.fill('input[name=title]', 'Workshop');
    await admin.fill('input[name=date]', utcDay(5));
    await admin.fill('input[name=start]', '10:00');
    await admin.fill('input[name=capacity]', '12');
    await admin.fill('input[name=max_guests]', '1');
    await admin.click('.event-form button[type=submit]');
    const workshop = '.event:has(h2:text-is("Workshop"))';
    await guest.waitForSelector(workshop);
    assert.equal(await text(guest, `${workshop} .seats`), '12 spots left');
    assert.equal(await guest.isVisible(`${workshop} .guests`), true);
    await admin.click(`${workshop} .edit`);
    assert.equal(await admin.inputValue(`${workshop} input[name=capacity]`), '12');
    await admin.check(`${workshop} input[name=closed]`);
    await admin.click(`${workshop} .event-form button[type=submit]`);
    const id = await guest.locator(workshop).getAttribute('data-id');
    await guest.waitForFunction((sel) => document.querySelector(sel).textContent.startsWith('RSVPs closed'), `${card(id)} .seats`);
    assert.equal(await guest.isHidden(`${workshop} .toggle`), true, 'no Attend while closed');
    const [row] = await d1(state, "SELECT capacity, max_guests, closed FROM events WHERE title = 'Workshop'");
    assert.deepEqual(row, { capacity: 12, max_guests: 1, closed: 1 });
  });
});
