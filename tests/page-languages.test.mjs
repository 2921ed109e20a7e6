// The page in the user's language, in headless Chromium against a real
// `wrangler dev`: the list and an event's view in Russian with no English
// word left (texts, labels and hints, the sheets and the form included),
// Persian right to left and mirrored, and the settings' language picker
// (sent to the server, which keeps it for the next start). Screenshots of
// each go to test-results/languages-*.png. One Worker for the file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import {
  Client, ROOT, Worker, launchBrowser, openApp, prepareDb, removeState, tempState, user, withScreenshots,
} from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const ADMIN_ID = 5_000_002_001;
const utcDay = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
/** Latin words that are names in every language (and the languages' own names in the picker). */
const NAMES = ['Telegram', 'Mini', 'Events', 'QR', 'PNG', 'JPEG', 'WebP', 'GIF', 'URL', 'https', 'webcal', 'Google', 'Apple'];

let state;
let worker;
let browser;
const ids = {};

before(async () => {
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'Europe/Moscow' } });
  browser = await launchBrowser();
  const admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ольга', last: 'Петрова', languageCode: 'ru' }));
  const make = async (fields) => {
    admin.send({ type: 'create-event', start: '19:00', duration: 2.5, date: utcDay(2), ...fields });
    return (await admin.nextWhere((m) => m.type === 'event' && m.title === fields.title)).id;
  };
  ids.film = await make({
    title: 'Кинопоказ', description: 'Смотрим старое кино.', location: 'Клуб', capacity: 5, max_guests: 1,
    approval: true, questions: ['Какой фильм вы любите?'],
  });
  ids.talk = await make({ title: 'Лекция', date: utcDay(3), capacity: 1 });
  ids.daily = await make({ title: 'Утренняя пробежка', start: '07:00', duration: 1, date: null, repeat: 'daily' });
  // Someone goes to each: the seats and the who-is-going lines say so.
  for (const [n, event] of [[0, ids.talk], [1, ids.daily], [2, ids.talk]]) {
    const someone = await Client.login(worker, user({ first: ['Иван', 'Мария', 'Пётр'][n], last: 'Иванов' }));
    someone.send({ type: 'attend', event });
    await someone.nextWhere((m) => m.type === 'event' && m.id === event && (m.attending || m.waitlisted));
    someone.close();
  }
  admin.close();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await removeState(state);
});

/** axe-core's serious or critical WCAG 2.1 A/AA violations on the page as it is. */
async function violations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Saves what the page shows as test-results/languages-<name>.png. */
async function shoot(page, name) {
  await mkdir(join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-results', `languages-${name}.png`), fullPage: true });
}

/**
 * Every Latin word the page says to people, shown or hidden: its texts
 * (the sheets and the templates too) and its labels, hints and
 * placeholders. The language picker's own names are left out.
 */
function latinWords(page) {
  return page.evaluate((names) => {
    const said = [];
    const walk = (root) => {
      const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        if (!node.parentElement?.closest('#language, script, style')) said.push(node.textContent);
      }
      for (const element of root.querySelectorAll('*')) {
        for (const attribute of ['aria-label', 'placeholder', 'alt', 'title']) {
          if (element.hasAttribute(attribute)) said.push(element.getAttribute(attribute));
        }
        if (element.tagName === 'TEMPLATE') walk(element.content);
      }
    };
    walk(document.body);
    return [...new Set(said.join(' ').match(/[A-Za-z]{2,}/g) ?? [])].filter((w) => !names.includes(w));
  }, NAMES);
}

test('in Russian: the list and an event\'s view have no English word left, with Russian plurals and dates', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user({ id: ADMIN_ID, first: 'Ольга', last: 'Петрова', languageCode: 'ru' }), { timezoneId: 'Europe/Moscow' });
    pages.push(page);
    await page.waitForFunction(() => document.documentElement.lang === 'ru');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
    const card = (id) => page.locator(`.event[data-id="${id}"]`);
    assert.equal(await page.locator('h1').textContent(), 'События');
    assert.equal(await page.locator('#greeting').textContent(), 'Привет, Ольга Петрова');
    // Plurals (one, few and many forms) and the numbers of the seats.
    assert.equal(await card(ids.film).locator('.seats').textContent(), 'Осталось 5 мест');
    assert.equal(await card(ids.film).locator('.attendees').textContent(), 'Идут 0 из 5');
    assert.equal(await card(ids.talk).locator('.seats').textContent(), 'Мест нет: встаньте в лист ожидания · 1 ждёт');
    assert.equal(await card(ids.daily).locator('.attendees').textContent(), '1 идёт');
    // Dates and times through Intl in Russian; the group headings too.
    assert.match(await card(ids.talk).locator('.when').textContent(), /^(пн|вт|ср|чт|пт|сб|вс), \d{1,2} [а-я]+\.? · 19:00–21:30 · 2 ч 30 мин$/);
    const headings = await page.locator('.day-heading').allTextContents();
    assert.ok(headings.includes('Сегодня') || headings.includes('Завтра'), headings.join());
    assert.equal(await card(ids.film).locator('.toggle').textContent(), 'Пойду');
    assert.equal(await card(ids.film).locator('.guests-label').textContent(), 'Взять гостей');
    assert.deepEqual(await latinWords(page), []);
    assert.deepEqual(await violations(page), [], 'axe-core on the Russian list');
    await shoot(page, 'ru-list');

    // An event's view, then the questions sheet and the form over it.
    await card(ids.talk).locator('.open').click();
    const view = page.locator(`.event.detail[data-view-id="${ids.talk}"]`);
    await view.waitFor();
    assert.equal(await page.locator('#view-back').textContent(), 'К списку');
    assert.equal(await view.locator('.toggle').textContent(), 'В лист ожидания');
    assert.equal(await view.locator('.export').textContent(), 'Скачать список');
    assert.deepEqual(await latinWords(page), []);
    await shoot(page, 'ru-view');
    await view.locator('.edit').click();
    await view.locator('.event-form').waitFor();
    assert.equal(await view.locator('.form-heading').textContent(), 'Изменить событие');
    assert.match(await view.locator('.zone').textContent(), /^Часовой пояс: Москва/);
    assert.deepEqual(await latinWords(page), []);
    await view.locator('.event-form .cancel').click();
    await page.click('#view-back');
    await card(ids.film).locator('.toggle').click();
    await page.locator('#questions[open]').waitFor();
    // An admin hosts every event, so goes in without asking.
    assert.equal(await page.locator('.questions-why').textContent(), 'Организаторы спрашивают:');
    assert.equal(await page.locator('.questions-send').textContent(), 'Пойду');
    assert.deepEqual(await latinWords(page), []);
    await shoot(page, 'ru-questions');
    assert.deepEqual(page.errors, []);
  });
  await Promise.all(pages.map((p) => p.context().close()));
});

test('in Persian: right to left and mirrored, with Persian digits on Gregorian dates', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const page = await openApp(browser, worker, user({ first: 'دارا', last: 'کریمی', languageCode: 'fa' }), { timezoneId: 'Europe/Moscow' });
    pages.push(page);
    await page.waitForFunction(() => document.documentElement.lang === 'fa');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.locator('h1').textContent(), 'رویدادها');
    const card = page.locator(`.event[data-id="${ids.talk}"]`);
    // Persian digits, the Gregorian month (not the Persian calendar's), the times in order.
    const when = await card.locator('.when').textContent();
    assert.match(when, /^\S+ [۰-۹]{1,2} (ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر) · ۱۹:۰۰–۲۱:۳۰ · ۲ ساعت ۳۰ دقیقه$/);
    assert.equal(await card.locator('.attendees').textContent(), '۱ از ۱ نفر می‌آیند');
    const film = page.locator(`.event[data-id="${ids.film}"]`);
    assert.equal(await film.locator('.request-state').textContent(), 'برگزارکنندگان هر درخواست را تأیید می‌کنند.');
    assert.equal(await film.locator('.seats').textContent(), '۵ جا مانده');
    // Mirrored: the title starts at the right, the settings button sits left
    // of it, the card's buttons run from the right, the location's pin is on its right.
    const box = async (locator) => locator.boundingBox();
    const width = page.viewportSize().width;
    const title = await box(page.locator('h1'));
    const settings = await box(page.locator('#open-settings'));
    assert.ok(width - (title.x + title.width) < 24, 'the heading starts at the right edge');
    assert.ok(settings.x + settings.width < title.x, 'the settings button is left of the heading');
    const people = await box(card.locator('.people'));
    const details = await box(card.locator('.open'));
    assert.ok(people.x > details.x, 'who is going comes first, at the right; Details after it, to the left');
    const pin = await page.locator(`.event[data-id="${ids.film}"] .location`).evaluate((el) => {
      const style = getComputedStyle(el);
      return [style.paddingRight, style.paddingLeft];
    });
    assert.notEqual(pin[0], '0px');
    assert.equal(pin[1], '0px');
    await shoot(page, 'fa-list');
    assert.deepEqual(await violations(page), [], 'axe-core on the Persian list');

    await card.locator('.open').click();
    const view = page.locator(`.event.detail[data-view-id="${ids.talk}"]`);
    await view.waitFor();
    assert.equal(await page.locator('#view-back').textContent(), 'بازگشت به فهرست');
    const back = await box(page.locator('#view-back'));
    assert.ok(width - (back.x + back.width) < 24, 'Back sits at the right edge, where reading starts');
    assert.equal(await view.locator('.toggle').textContent(), 'فهرست انتظار');
    await shoot(page, 'fa-view');
    assert.deepEqual(page.errors, []);
  });
  await Promise.all(pages.map((p) => p.context().close()));
});

test('the language picker: the page changes at once, and the server keeps the choice for the next start', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const who = user({ first: 'Taras', last: 'Shevchuk', languageCode: 'ru' });
    const page = await openApp(browser, worker, who);
    pages.push(page);
    await page.waitForFunction(() => document.documentElement.lang === 'ru');
    await page.click('#open-settings');
    assert.equal(await page.locator('#language').inputValue(), 'ru');
    assert.deepEqual(await page.locator('#language option').allTextContents(),
      ['Как в Telegram', 'English', 'Русский', 'Українська', 'Español', 'Português', 'Deutsch', 'فارسی']);
    await page.selectOption('#language', 'uk');
    await page.waitForFunction(() => document.documentElement.lang === 'uk');
    assert.equal(await page.locator('#settings-heading').textContent(), 'Налаштування');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator(`.event[data-id="${ids.film}"] .toggle`).textContent(), 'Піду');
    assert.equal(await page.locator(`.event[data-id="${ids.talk}"] .seats`).textContent(), 'Місць немає: станьте в лист очікування · 1 чекає');

    // Another device (nothing remembered in the browser): the server says Ukrainian.
    const again = await openApp(browser, worker, who);
    pages.push(again);
    await again.waitForFunction(() => document.documentElement.lang === 'uk');
    assert.equal(await again.locator('h1').textContent(), 'Події');
    // Following Telegram again: Russian, here and at the next start.
    await again.click('#open-settings');
    await again.selectOption('#language', '');
    await again.waitForFunction(() => document.documentElement.lang === 'ru');
    const client = await Client.login(worker, who);
    client.close();
    assert.equal(client.login.welcome.language, 'ru');
    for (const p of pages) assert.deepEqual(p.errors, []);
  });
  await Promise.all(pages.map((p) => p.context().close()));
});

test('every language fits at 360 px: no button clipped, nothing wider than the screen, in the list and an admin\'s event view', async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const overflow = (page) => page.evaluate(() => {
      const bad = [];
      if (document.documentElement.scrollWidth > innerWidth) bad.push(`the page is ${document.documentElement.scrollWidth} px wide`);
      for (const el of document.querySelectorAll('button, h1, h2, h3, label, legend, p')) {
        if (!el.offsetParent) continue;
        const box = el.getBoundingClientRect();
        const text = el.textContent.trim().slice(0, 40);
        if (box.right > innerWidth + 0.5 || box.left < -0.5) bad.push(`outside the screen: ${text}`);
        if (el.tagName === 'BUTTON' && el.scrollWidth > el.clientWidth + 1) bad.push(`clipped: ${text}`);
      }
      return bad;
    });
    for (const code of ['en', 'ru', 'uk', 'es', 'pt', 'de', 'fa']) {
      const page = await openApp(browser, worker, user({ id: ADMIN_ID, first: 'Ольга', last: 'Петрова', languageCode: code }));
      pages.push(page);
      // The admin never chose one: the language of their Telegram app is in force.
      await page.waitForFunction((c) => document.documentElement.lang === c, code);
      assert.deepEqual(await overflow(page), [], `${code}: the list`);
      await page.locator(`.event[data-id="${ids.film}"] .open`).click();
      await page.locator(`.event.detail[data-view-id="${ids.film}"] .admin-actions`).waitFor();
      assert.deepEqual(await overflow(page), [], `${code}: the event's view`);
      await page.context().close();
      pages.pop();
    }
  });
});

test("the words of the user's language are asked for once, while app.js is still on its way", async (t) => {
  const pages = [];
  await withScreenshots(t.name, pages, async () => {
    const asked = [];
    let appServed = null;
    const page = await openApp(browser, worker, user({ languageCode: 'de' }), {
      async setup(p) {
        // app.js held back 400 ms: the words are asked for meanwhile (boot.js), not after.
        await p.route('**/app.js', async (route) => {
          await new Promise((resolve) => { setTimeout(resolve, 400); });
          appServed = Date.now();
          await route.continue();
        });
        p.on('request', (request) => {
          if (new URL(request.url()).pathname.startsWith('/i18n/')) asked.push([new URL(request.url()).pathname, Date.now()]);
        });
      },
    });
    pages.push(page);
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    assert.equal(await page.locator('h1').textContent(), 'Events');
    assert.equal(await page.locator(`.event[data-id="${ids.film}"] .toggle`).textContent(), 'Zusagen');
    assert.deepEqual(asked.map(([path]) => path), ['/i18n/de.json']);
    assert.ok(asked[0][1] < appServed, 'asked before app.js was served');
    assert.deepEqual(page.errors, []);
  });
  await Promise.all(pages.map((p) => p.context().close()));
});
