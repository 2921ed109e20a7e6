// The page as a Telegram Mini App that everyone can use, in headless
// Chromium against a real `wrangler dev`: an event's own view (from a card
// or a start_param) with Telegram's MainButton, BackButton, haptics,
// openLink and downloadFile (through a recording stand-in for Telegram's
// script, version 8.0); clear states; focus and Escape; compact cards; and
// axe-core's WCAG 2.1 A/AA audit in Telegram's light and dark themes and
// the page's own colours.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import {
  Client, FAKE_TELEGRAM, ROOT, Worker, d1, launchBrowser, makePng, openApp, prepareDb, removeState, tempState, user,
  withScreenshots,
} from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const ADMIN_ID = 5_000_000_901;
const utcDay = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Telegram's own themes, as its clients pass them (day, and night on iOS). */
const TELEGRAM_LIGHT = {
  bg_color: '#ffffff', text_color: '#000000', hint_color: '#999999', link_color: '#2481cc',
  button_color: '#2481cc', button_text_color: '#ffffff', secondary_bg_color: '#efeff3',
  section_bg_color: '#ffffff', destructive_text_color: '#ff3b30',
};
const TELEGRAM_DARK = {
  bg_color: '#000000', text_color: '#ffffff', hint_color: '#98989e', link_color: '#3e88f7',
  button_color: '#3e88f7', button_text_color: '#ffffff', secondary_bg_color: '#1c1c1d',
  section_bg_color: '#2c2c2e', destructive_text_color: '#eb5545',
};


let state;
let worker;
let browser;
/** Ids of the events made in `before`. */
const ids = {};

before(async () => {
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'Europe/Lisbon' } });
  browser = await launchBrowser();
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  const make = async (fields) => {
    admin.send({ type: 'create-event', start: '18:00', duration: 2, date: utcDay(3), ...fields });
    return (await admin.nextWhere((m) => m.type === 'event' && m.title === fields.title)).id;
  };
  const png = `data:image/png;base64,${makePng(64, [40, 120, 200]).toString('base64')}`;
  ids.picnic = await make({
    title: 'Picnic', date: utcDay(1), location: 'Park', capacity: 8, max_guests: 2,
    description: 'Bring a blanket. Map: https://example.org/map?x=1. Ask first.',
    image: { name: 'picnic.png', base64: png },
  });
  ids.talk = await make({ title: 'Talk', date: utcDay(2), description: 'A short talk.' });
  ids.full = await make({ title: 'Full dinner', capacity: 1 });
  ids.gone = await make({ title: 'Maybe gone', date: utcDay(4) });
  ids.tight = await make({ title: 'Tight room', date: utcDay(5), capacity: 3 });
  admin.close();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await removeState(state);
});

const card = (id) => `.event[data-id="${id}"]`;
const view = (id) => `.event.detail[data-view-id="${id}"]`;
const text = (page, selector) => page.locator(selector).textContent();
const calls = (page) => page.evaluate(() => window.calls);
/** The element that has focus, described: tag, class and text. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return { tag: el.tagName.toLowerCase(), className: el.className, text: el.textContent.trim().slice(0, 40) };
});

test('inside Telegram a start_param opens the event’s view: MainButton attends with progress, BackButton returns', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const who = user({ first: 'Tia', startParam: String(ids.picnic) });
    const page = await openApp(browser, worker, who, { telegramScript: FAKE_TELEGRAM });
    pages.push(page);
    await page.waitForSelector(`${view(ids.picnic)}`);
    assert.equal(await page.isVisible('#events'), false, 'the view stands over the list');
    assert.equal(await page.isVisible('#view-back'), false, "Telegram's BackButton instead of the page's");
    assert.equal(await text(page, `${view(ids.picnic)} .title`), 'Picnic');
    assert.equal(await page.isVisible(`${view(ids.picnic)} .toggle`), false, 'the main action is the MainButton');
    const main = () => page.evaluate(() => ({ ...window.Telegram.WebApp.MainButton }));
    const back = () => page.evaluate(() => window.Telegram.WebApp.BackButton.isVisible);
    await page.waitForFunction(() => window.Telegram.WebApp.MainButton.isVisible);
    assert.equal((await main()).text, 'Attend');
    assert.equal(await back(), true);

    await page.evaluate(() => window.tap('main'));
    await page.waitForFunction(() => window.Telegram.WebApp.MainButton.text === 'Leave');
    const made = await calls(page);
    assert.ok(made.some((c) => c[0] === 'main.showProgress'), 'progress while the server answers');
    assert.deepEqual(made.filter((c) => c[0] === 'haptic'), [['haptic', 'success']]);
    assert.equal((await main()).isProgressVisible, false);
    const rows = await d1(state, `SELECT guests FROM attendance WHERE event_id = ${ids.picnic} AND telegram_id = ${who.id}`);
    assert.equal(rows.length, 1, 'attending is stored');

    // Links in the description open through Telegram; the calendar file downloads.
    await page.click(`${view(ids.picnic)} .description a`);
    assert.deepEqual((await calls(page)).filter((c) => c[0] === 'openLink'), [['openLink', 'https://example.org/map?x=1']]);
    assert.equal(await text(page, `${view(ids.picnic)} .description a`), 'https://example.org/map?x=1');
    await page.click(`${view(ids.picnic)} .add-calendar`);
    const [, download] = (await calls(page)).find((c) => c[0] === 'downloadFile');
    assert.match(download.url, new RegExp(`/calendar/${who.id}-[A-Za-z0-9_-]{22}/${ids.picnic}\\.ics$`));
    assert.equal(download.file_name, `event-${ids.picnic}.ics`);
    await page.click(`${view(ids.picnic)} .story`);
    const story = (await calls(page)).find((c) => c[0] === 'shareToStory');
    assert.match(story[1], /^http:\/\/127\.0\.0\.1:\d+\/media\//, 'the picture, by its absolute URL');

    // BackButton closes what is on top: the sheet first, then the view.
    await page.click(`${view(ids.picnic)} .people`);
    await page.waitForSelector('#people[open]');
    await page.evaluate(() => window.tap('back'));
    await page.waitForSelector('#people', { state: 'hidden' });
    assert.equal(await page.isVisible(view(ids.picnic)), true, 'the view stays');
    assert.equal(await back(), true);
    await page.evaluate(() => window.tap('back'));
    await page.waitForSelector('#event-view', { state: 'hidden' });
    assert.equal(await page.isVisible(card(ids.picnic)), true, 'back on the list');
    assert.equal(await back(), false, 'BackButton only while something is open');
    assert.equal((await main()).isVisible, false);
    assert.deepEqual(await focused(page), { tag: 'button', className: 'open secondary small', text: 'Details' });
    assert.equal(await page.getAttribute(`${card(ids.picnic)} .open`, 'aria-label'), 'Details: Picnic');
    assert.deepEqual(page.errors, []);
  });
});

test("outside Telegram a card opens the event's view with the page's own buttons; Escape and Back return", async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user());
    pages.push(page);
    await page.click(`${card(ids.talk)} .open`);
    await page.waitForSelector(view(ids.talk));
    assert.equal(await page.isVisible(`${view(ids.talk)} .toggle`), true);
    assert.equal(await page.isVisible('#view-back'), true);
    await page.click(`${view(ids.talk)} .toggle`);
    await page.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${view(ids.talk)} .toggle`);
    assert.equal((await focused(page)).className.includes('toggle'), true, 'focus stays on the button');
    assert.equal(await text(page, `${card(ids.talk)} .toggle`), 'Leave', 'the list follows');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#event-view', { state: 'hidden' });
    assert.deepEqual(await focused(page), { tag: 'button', className: 'open secondary small', text: 'Details' });
    await page.click(`${card(ids.talk)} h2`); // a tap on the title opens it too
    await page.waitForSelector(view(ids.talk));
    await page.click('#view-back');
    await page.waitForSelector('#event-view', { state: 'hidden' });
    assert.deepEqual(page.errors, []);
  });
});

test('focus stays on Attend and Leave in the list; sheets close on Escape and on a tap on the backdrop', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user());
    pages.push(page);
    assert.equal(await page.isVisible(`${card(ids.talk)} .add-calendar`), false, 'short cards for events one does not go to');
    await page.click(`${card(ids.talk)} .toggle`);
    await page.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${card(ids.talk)} .toggle`);
    assert.match((await focused(page)).className, /toggle/);
    assert.equal(await page.isVisible(`${card(ids.talk)} .add-calendar`), true, 'Add to calendar once going');
    await page.keyboard.press('Enter'); // leave, from the keyboard
    await page.waitForFunction((sel) => document.querySelector(sel).textContent === 'Attend', `${card(ids.talk)} .toggle`);
    assert.match((await focused(page)).className, /toggle/);

    await page.click(`${card(ids.talk)} .people`);
    await page.waitForSelector('#people[open]');
    await page.mouse.click(180, 40); // above the sheet: its backdrop
    await page.waitForSelector('#people', { state: 'hidden' });
    await page.click('#open-settings');
    await page.waitForSelector('#settings[open]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#settings', { state: 'hidden' });
    assert.equal((await focused(page)).tag, 'button', 'focus back on what opened it');
    assert.deepEqual(page.errors, []);
  });
});

test('the admin form: the next form says Save after a save, Escape closes it, a new event needs a date, the zone is shown', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID }));
    pages.push(admin);
    await admin.click('#new-event');
    assert.equal(await text(admin, '.event-form .zone'), 'Time zone: Western European Time');
    assert.equal(await admin.inputValue('select[name=repeat]'), 'none', 'once, unless the admin says otherwise');
    await admin.fill('input[name=title]', 'Undated');
    await admin.fill('input[name=start]', '10:00');
    await admin.click('.event-form button[type=submit]');
    assert.equal(await text(admin, '.form-error'), 'Choose the date.');
    await admin.selectOption('select[name=repeat]', 'daily');
    await admin.click('.event-form button[type=submit]');
    await admin.waitForSelector('.event:has(h2:text-is("Undated"))');
    await admin.waitForSelector('.event-form', { state: 'detached' });
    assert.notEqual((await focused(admin)).tag, 'body', 'focus is not lost after Save');
    assert.match(await text(admin, '.event:has(h2:text-is("Undated")) .when'), /every day$/);

    await admin.click('#new-event');
    assert.equal(await text(admin, '.event-form button[type=submit]'), 'Save');
    await admin.keyboard.press('Escape');
    await admin.waitForSelector('.event-form', { state: 'detached' });
    assert.deepEqual(await focused(admin), { tag: 'button', className: '', text: 'New event' });

    await admin.click(`${card(ids.talk)} .edit`);
    await admin.click(`${card(ids.talk)} .cancel`);
    assert.match((await focused(admin)).text, /^Edit$/, 'Cancel gives focus back to Edit');
    assert.deepEqual(admin.errors, []);
  });
});

test('clear states: a cancelled event, a promotion, fewer seats than people, the guests limit, a refused login', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const ann = await openApp(browser, worker, user({ first: 'Ann' }));
    const admin = await openApp(browser, worker, user({ id: ADMIN_ID }));
    pages.push(ann, admin);

    // Going to an event that is deleted: said, not vanished.
    await ann.click(`${card(ids.gone)} .toggle`);
    await ann.waitForFunction((sel) => document.querySelector(sel).textContent === 'Leave', `${card(ids.gone)} .toggle`);
    admin.once('dialog', (dialog) => dialog.accept());
    await admin.click(`${card(ids.gone)} .delete`);
    await ann.waitForSelector(card(ids.gone), { state: 'detached' });
    assert.equal(await text(ann, '#notice'), '"Maybe gone" was cancelled.');

    // Waiting, then a seat opens: announced.
    const bob = await Client.login(worker, user({ first: 'Bob' }));
    bob.send({ type: 'attend', event: ids.full });
    await bob.nextWhere((m) => m.type === 'event' && m.id === ids.full && m.attending);
    await ann.click(`${card(ids.full)} .toggle`);
    await ann.waitForFunction((sel) => document.querySelector(sel).textContent === 'You are #1 on the waitlist', `${card(ids.full)} .seats`);
    bob.send({ type: 'leave', event: ids.full });
    await ann.waitForFunction(() => document.getElementById('notice').textContent.startsWith('A spot opened'));
    assert.equal(await text(ann, '#notice'), 'A spot opened: you are going to "Full dinner".');
    bob.close();

    // Three going, then two seats: the card and the form say so.
    const goers = await Promise.all([1, 2, 3].map(() => Client.login(worker, user())));
    for (const goer of goers) {
      goer.send({ type: 'attend', event: ids.tight });
      await goer.nextWhere((m) => m.type === 'event' && m.id === ids.tight && m.attending);
    }
    // The admin's page has the three (a merged broadcast may come a window later).
    await admin.waitForFunction((sel) => document.querySelector(sel).textContent === '3 of 3 going', `${card(ids.tight)} .attendees`);
    await admin.click(`${card(ids.tight)} .edit`);
    await admin.fill(`${card(ids.tight)} input[name=capacity]`, '2');
    assert.match(await text(admin, `${card(ids.tight)} .capacity-warning`), /^3 seats are taken already/);
    await admin.click(`${card(ids.tight)} button[type=submit]`);
    await ann.waitForFunction((sel) => document.querySelector(sel).textContent === '3 going · 2 seats', `${card(ids.tight)} .attendees`);
    goers.forEach((goer) => goer.close());

    // The guests stepper says its limit.
    assert.equal(await text(ann, `${card(ids.picnic)} .guests-limit`), 'up to 2');
    await ann.click(`${card(ids.picnic)} .guests .more`);
    await ann.click(`${card(ids.picnic)} .guests .more`);
    assert.equal(await text(ann, `${card(ids.picnic)} .guests-limit`), '2 at most');

    // A login that is not valid says so (not "expired"), in a styled warning.
    const forged = user().initData.replace(/hash=[0-9a-f]{4}/, 'hash=0000');
    const bad = await openApp(browser, worker, null, { fragment: new URLSearchParams({ tgWebAppData: forged }).toString() });
    pages.push(bad);
    await bad.waitForFunction(() => document.querySelector('#connection.warning')?.textContent.includes('not valid'));
    const style = await bad.evaluate(() => getComputedStyle(document.getElementById('connection')).boxShadow);
    assert.notEqual(style, 'none', 'a warning looks like one');
    assert.deepEqual([...ann.errors, ...admin.errors], []);
  });
});

test('compact: at 360x740 two cards, one with a picture, fit the first screen', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user());
    pages.push(page);
    const boxes = await page.evaluate(() => [...document.querySelectorAll('#events .event')].map((el) => {
      const box = el.getBoundingClientRect();
      return { bottom: box.bottom, picture: Boolean(el.querySelector('.media:not([hidden]) img:not([hidden])')) };
    }));
    const fitting = boxes.filter((box) => box.bottom <= 740);
    assert.ok(fitting.length >= 2, `cards on the first screen: ${JSON.stringify(boxes.slice(0, 3))}`);
    assert.ok(fitting.some((box) => box.picture), 'one of them with its picture');
    assert.equal(await page.locator('#events .media:not([hidden])').count(), 1, 'no empty picture placeholders');
  });
});

test("the page's code comes in one round trip: one file, made from the current sources, beside the early socket", async () => {
  const html = await readFile(join(ROOT, 'static', 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(scripts, ['https://telegram.org/js/telegram-web-app.js', '/js/boot.js', '/app.js']);
  const { status, stderr } = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(status, 0, stderr);
});

for (const [name, themeParams, colorScheme] of [
  ["Telegram's light theme", TELEGRAM_LIGHT, 'light'],
  ["Telegram's dark theme", TELEGRAM_DARK, 'dark'],
  ["the page's own colours, light", undefined, 'light'],
  ["the page's own colours, dark", undefined, 'dark'],
]) {
  test(`axe-core finds no serious or critical WCAG 2.1 A/AA violation in ${name}: list, view, sheet, admin form`, async (t) => {
    const pages = [];
    await withScreenshots(t.name, pages, async () => {
      const page = await openApp(browser, worker, user({ id: ADMIN_ID }), { themeParams, colorScheme });
      pages.push(page);
      // Evaluated by the test, not injected: the page's CSP allows no inline script.
      await page.evaluate(AXE);
      const audit = async (where) => {
        const result = await page.evaluate(() => window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        }));
        const bad = result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 3).map((n) => n.failureSummary?.split('\n')[1]?.trim() + ' @ ' + n.target.join(' ')).join(' | ')}`);
        assert.deepEqual(bad, [], `${where} in ${name}`);
      };
      await audit('the list');
      await page.click(`${card(ids.picnic)} .open`);
      await page.waitForSelector(view(ids.picnic));
      await page.waitForFunction((sel) => document.querySelector(`${sel} img`)?.complete, view(ids.picnic));
      await audit("an event's view");
      await page.click(`${view(ids.picnic)} .people`);
      await page.waitForSelector('#people .people-going li');
      await audit('the who-is-going sheet');
      await page.keyboard.press('Escape'); // the sheet, then the view
      await page.keyboard.press('Escape');
      await page.waitForSelector('#event-view', { state: 'hidden' });
      assert.equal(await page.isVisible('#people'), false);
      await page.click('#new-event');
      await audit('the admin form');
    });
  });
}
