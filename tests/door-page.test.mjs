// At the door, on the page, in headless Chromium against a real
// `wrangler dev`: a going person's ticket is a QR code that another
// decoder (jsQR, on a screenshot) reads as the ticket's Mini App link; a
// host who opens that link lands on its check-in; the host's check-in
// screen checks in tickets one after another through a stand-in for
// Telegram's scanner (kept open, a haptic each), by name, and undoes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { parse as parseCsv } from 'csv-parse/sync';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

import {
  Client, FAKE_TELEGRAM, Worker, d1, launchBrowser, openApp, prepareDb, removeState, tempState, user,
  withScreenshots,
} from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const ADMIN_ID = 5_000_000_950;
let state;
let worker;
let browser;
let admin;
/** The event whose door is open, and the people going to it (clients with their tickets). */
let event;
const guests = [];
let host;

/** "HH:MM" in UTC a minute ago: a daily event that just started has its door open. */
const justStarted = () => new Date(Date.now() - 60_000).toISOString().slice(11, 16);
/** The UTC day of a minute ago (with `justStarted`, a one-off that just started). */
const startedDay = () => new Date(Date.now() - 60_000).toISOString().slice(0, 10);

before(async () => {
  state = await tempState();
  await prepareDb(state);
  worker = await Worker.start({
    persistTo: state,
    vars: { ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'UTC', BOT_USERNAME: 'door_bot', APP_SHORT_NAME: 'events' },
  });
  browser = await launchBrowser();
  admin = await Client.login(worker, user({ id: ADMIN_ID, first: 'Ada' }));
  host = await Client.login(worker, user({ first: 'Hana', last: 'Host' }));
  admin.send({ type: 'create-event', title: 'Door night', start: justStarted(), duration: 4, repeat: 'daily', max_guests: 2 });
  event = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Door night');
  admin.send({ type: 'edit-event', id: event.id, hosts: [host.user.id] });
  await admin.nextWhere((m) => m.type === 'event' && m.id === event.id && m.hosts?.length === 1);
  for (const [first, count] of [['Ann', 1], ['Bo', 0], ['Cy', 2], ['Dee', 0], ['Eli', 0]]) {
    const client = await Client.login(worker, user({ first, last: 'Guest' }));
    client.send({ type: 'attend', event: event.id, guests: count });
    const own = await client.nextWhere((m) => m.type === 'event' && m.id === event.id && m.attending);
    guests.push({ client, first, name: client.user.name, ticket: own.ticket, link: own.ticket_link, count });
  }
});

after(async () => {
  for (const g of guests) g.client.close();
  host?.close();
  admin?.close();
  await browser?.close();
  await worker?.stop();
  await removeState(state);
});

/** Decodes the QR code in a PNG screenshot with jsQR. */
function decode(png) {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

test('a ticket is a QR code that decodes to its Mini App link, with the event, the name and the guests', async () => {
  const ann = guests[0];
  const page = await openApp(browser, worker, ann.client.user);
  await withScreenshots('ticket qr', [page], async () => {
    await page.click(`.event[data-id="${event.id}"] .open`);
    const ticket = page.locator('.event.detail .ticket');
    await ticket.locator('svg').waitFor();
    assert.match(await ticket.locator('.ticket-event').textContent(), /^Door night · /);
    assert.equal(await ticket.locator('.ticket-who').textContent(), `${ann.name} +1 guest`);
    assert.equal(ann.link, `https://t.me/door_bot/events?startapp=t${ann.ticket}`);
    // Big enough for a phone at arm's length, and read by someone else's decoder.
    const box = await ticket.locator('svg').boundingBox();
    assert.ok(box.width >= 240, `the code is ${box.width} px wide`);
    assert.equal(decode(await ticket.locator('.ticket-qr').screenshot()), ann.link);
    // Dark on white in a dark theme too.
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(decode(await ticket.locator('.ticket-qr').screenshot()), ann.link);
    // Someone who is not going has no ticket on the view.
    const other = await openApp(browser, worker, user({ first: 'Nora' }));
    await other.click(`.event[data-id="${event.id}"] .open`);
    assert.equal(await other.locator('.event.detail .ticket').isHidden(), true);
    await other.context().close();
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
});

test('a host who opens a ticket\'s link lands on checking it in; anyone else sees the event', async () => {
  const bo = guests[1];
  const start = `t${bo.ticket}`;
  const page = await openApp(browser, worker, user({ id: host.user.id, first: 'Hana', last: 'Host', startParam: start }));
  await withScreenshots('host opens ticket', [page], async () => {
    await page.locator('#door[open]').waitFor();
    await page.waitForFunction((name) => document.querySelector('.door-result').textContent === `Checked in: ${name}`, bo.name);
    assert.match(await page.locator('.door-count').textContent(), /^1 of 5 in/);
    const rows = await d1(state, `SELECT telegram_id FROM checkins WHERE event_id = ${event.id}`);
    assert.deepEqual(rows.map((r) => r.telegram_id), [bo.client.user.id]);
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
  const someone = await openApp(browser, worker, user({ first: 'Olga', startParam: start }));
  await someone.locator(`.event.detail[data-view-id="${event.id}"]`).waitFor();
  assert.equal(await someone.locator('#door').getAttribute('open'), null);
  await someone.context().close();
});

test('the check-in screen scans tickets in a row with Telegram\'s scanner, finds people by name, and undoes', async () => {
  const page = await openApp(browser, worker, admin.user, { telegramScript: FAKE_TELEGRAM });
  await withScreenshots('door screen', [page], async () => {
    await page.click(`.event[data-id="${event.id}"] .open`);
    await page.click('.event.detail .door-open');
    await page.locator('#door[open] .door-list li').first().waitFor();
    await page.click('#door .door-scan');
    const result = () => page.locator('.door-result').textContent();
    const scanAndWait = async (text, expected) => {
      // The line is cleared first: two results in a row may read alike.
      await page.evaluate((t) => {
        document.querySelector('.door-result').textContent = '';
        window.scan(t);
      }, text);
      await page.waitForFunction((e) => document.querySelector('.door-result').textContent.startsWith(e), expected);
    };
    // Three tickets in a row, the scanner open throughout.
    const [ann, , cy, dee] = guests;
    await scanAndWait(ann.link, `Checked in: ${ann.name} +1`);
    await scanAndWait(cy.link, `Checked in: ${cy.name} +2`);
    await scanAndWait(`t${dee.ticket}`, `Checked in: ${dee.name}`);
    await scanAndWait(ann.link, 'Already checked in at ');
    await scanAndWait('https://example.org/not-a-ticket', 'Not on the list');
    await scanAndWait(`t${event.id}-1-AAAAAAAAAAAAAAAA`, 'Not on the list');
    const made = await page.evaluate(() => window.calls);
    assert.equal(made.filter(([name]) => name === 'showScanQrPopup').length, 1, 'opened once');
    assert.equal(made.filter(([name]) => name === 'scanClosed').length, 0, 'kept open for the next scan');
    const haptics = made.filter(([name]) => name === 'haptic').map(([, kind]) => kind);
    assert.deepEqual(haptics.slice(-6), ['success', 'success', 'success', 'warning', 'error', 'error']);
    // Ann +1, Bo (by the host before), Cy +2, Dee: 4 of 5 people, 3 guests.
    await page.waitForFunction(() => document.querySelector('.door-count').textContent === '4 of 5 in (+3 guests)');

    // By name: Eli, then undo.
    await page.fill('#door .door-search', 'eli');
    assert.equal(await page.locator('#door .door-list li').count(), 1);
    await page.click('#door .door-list li button');
    await page.waitForFunction(() => document.querySelector('.door-result').textContent.startsWith('Checked in: Eli'));
    assert.match(await result(), /^Checked in: Eli Guest$/);
    await page.waitForFunction(() => document.querySelector('.door-count').textContent === '5 of 5 in (+3 guests)');
    await page.locator('#door .door-list li button', { hasText: 'Undo' }).click();
    await page.waitForFunction(() => document.querySelector('.door-result').textContent.startsWith('Check-in taken back: Eli'));
    await page.waitForFunction(() => document.querySelector('.door-count').textContent === '4 of 5 in (+3 guests)');
    const rows = await d1(state, `SELECT COUNT(*) AS n, SUM(guests) AS g FROM checkins WHERE event_id = ${event.id}`);
    assert.deepEqual([rows[0].n, rows[0].g], [4, 3]);

    // The other host sees the count live on the event.
    const seen = await host.nextWhere((m) => m.type === 'event' && m.id === event.id && m.checked_in === 7, 10_000);
    assert.equal(seen.host, true);
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
});

test('outside Telegram a host finds people by name; the card says how many are in', async () => {
  const page = await openApp(browser, worker, user({ id: host.user.id, first: 'Hana', last: 'Host' }));
  await withScreenshots('door outside telegram', [page], async () => {
    const open = page.locator(`.event[data-id="${event.id}"] .door-open`);
    assert.equal(await open.textContent(), 'Check-in (7 in)');
    assert.equal(await page.locator(`.event[data-id="${event.id}"] .delete`).isHidden(), true, 'hosts do not delete');
    await open.click();
    await page.locator('#door[open] .door-list li').first().waitFor();
    const scanner = await page.evaluate(() => 'BarcodeDetector' in window && Boolean(navigator.mediaDevices?.getUserMedia));
    assert.equal(await page.locator('#door .door-scan').isVisible(), scanner, 'scanning only with a camera API');
    await page.fill('#door .door-search', 'Eli');
    await page.click('#door .door-list li button');
    await page.waitForFunction(() => document.querySelector('.door-result').textContent.startsWith('Checked in: Eli'));
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds no serious or critical WCAG 2.1 A/AA violation on a ticket and the check-in screen (${colorScheme})`, async (t) => {
    const pages = [];
    await withScreenshots(t.name, pages, async () => {
      const audit = async (page, where) => {
        await page.evaluate(AXE);
        const result = await page.evaluate(() => window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        }));
        const bad = result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        assert.deepEqual(bad, [], `${where} (${colorScheme})`);
      };
      const ann = await openApp(browser, worker, guests[0].client.user, { colorScheme });
      pages.push(ann);
      await ann.click(`.event[data-id="${event.id}"] .open`);
      await ann.locator('.event.detail .ticket svg').waitFor();
      await audit(ann, 'a ticket');
      const hostPage = await openApp(browser, worker, admin.user, { colorScheme });
      pages.push(hostPage);
      await hostPage.click(`.event[data-id="${event.id}"] .door-open`);
      await hostPage.locator('#door[open] .door-list li').first().waitFor();
      await audit(hostPage, 'the check-in screen');
    });
    for (const page of pages) await page.context().close();
  });
}

test('an admin picks hosts in the form from the people who entered', async () => {
  admin.send({ type: 'create-event', title: 'Picked hosts', start: '10:00', duration: 1, repeat: 'daily' });
  const made = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Picked hosts');
  const page = await openApp(browser, worker, admin.user);
  await withScreenshots('hosts picker', [page], async () => {
    await page.click(`.event[data-id="${made.id}"] .edit`);
    const select = page.locator('.event-form select[name="add-host"]');
    await select.focus();
    await page.waitForFunction((id) => [...document.querySelectorAll('.event-form select[name="add-host"] option')]
      .some((o) => o.value === String(id)), guests[3].client.user.id);
    await select.selectOption(String(guests[3].client.user.id));
    assert.equal(await page.locator('.event-form .host-list li span').textContent(), guests[3].name);
    await page.click('.event-form button[type=submit]');
    const saved = await admin.nextWhere((m) => m.type === 'event' && m.id === made.id && m.hosts?.length === 1);
    assert.deepEqual(saved.hosts, [guests[3].client.user.id]);
    const dee = await guests[3].client.nextWhere((m) => m.type === 'event' && m.id === made.id && m.host);
    assert.equal(dee.checked_in, 0, 'a new host gets the door');
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
});

test('a host removes someone from the who-is-going sheet, after a confirmation', async () => {
  admin.send({ type: 'create-event', title: 'Remove one', start: '11:00', duration: 1, repeat: 'daily' });
  const made = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Remove one');
  const eli = guests[4];
  eli.client.send({ type: 'attend', event: made.id });
  await eli.client.nextWhere((m) => m.type === 'event' && m.id === made.id && m.attending);
  const page = await openApp(browser, worker, admin.user);
  await withScreenshots('remove attendee', [page], async () => {
    page.on('dialog', (dialog) => dialog.accept());
    await page.click(`.event[data-id="${made.id}"] .people`);
    const remove = page.locator('#people .people-going li .person-remove');
    await remove.waitFor();
    assert.equal(await remove.getAttribute('aria-label'), `Remove: ${eli.name}`);
    await remove.click();
    await page.locator('#people .people-going li.nobody').waitFor();
    const gone = await eli.client.nextWhere((m) => m.type === 'event' && m.id === made.id && !m.attending);
    assert.equal(gone.attendees, 0);
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
  // Someone who hosts nothing has no Remove.
  const other = await openApp(browser, worker, guests[1].client.user);
  await other.click(`.event[data-id="${made.id}"] .people`);
  await other.locator('#people .people-going li').first().waitFor();
  assert.equal(await other.locator('#people .person-remove').count(), 0);
  await other.context().close();
});

test('a host writes to the people going from the compose sheet, which counts whom it reaches', async () => {
  const page = await openApp(browser, worker, user({ id: host.user.id, first: 'Hana', last: 'Host' }));
  await withScreenshots('compose', [page], async () => {
    await page.click(`.event[data-id="${event.id}"] .open`);
    await page.click('.event.detail .message');
    await page.waitForFunction(() => document.querySelector('#compose .compose-to-going').textContent === 'Going (5 people)');
    assert.equal(await page.locator('#compose .compose-to-waiting').textContent(), 'Waiting (0 people)');
    assert.equal(await page.locator('#compose .compose-send').isDisabled(), true, 'nothing to send yet');
    await page.fill('#compose .compose-text', 'We moved to room 2.');
    assert.equal(await page.locator('#compose .compose-send').textContent(), 'Send to 5 people');
    await page.click('#compose input[value="waiting"]');
    assert.equal(await page.locator('#compose .compose-send').isDisabled(), true, 'nobody waits');
    await page.click('#compose input[value="going"]');
    await page.click('#compose .compose-send');
    await page.waitForFunction(() => /^Sent: the bot is messaging 5 people\./.test(document.querySelector('#notice').textContent));
    assert.equal(await page.locator('#compose').getAttribute('open'), null);
    const rows = await d1(state, `SELECT COUNT(*) AS n FROM notices WHERE event_id = ${event.id} AND kind LIKE 'message-%'`);
    assert.equal(rows[0].n, 5);
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
});

test('a host saves the list: a file download in a browser, Telegram\'s downloadFile inside Telegram', async () => {
  const page = await openApp(browser, worker, user({ id: host.user.id, first: 'Hana', last: 'Host' }));
  await withScreenshots('export', [page], async () => {
    await page.click(`.event[data-id="${event.id}"] .open`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.event.detail .export')]);
    assert.match(download.suggestedFilename(), /^door-night-\d{4}-\d{2}-\d{2}\.csv$/);
    const { readFile: read } = await import('node:fs/promises');
    const rows = parseCsv(await read(await download.path(), 'utf8'), { columns: true });
    assert.deepEqual(rows.map((r) => r.name).sort(), guests.map((g) => g.name).sort());
    assert.equal(rows.filter((r) => r.checked_in_at).length, 5, 'everyone checked in so far');
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
  const inside = await openApp(browser, worker, user({ id: host.user.id, first: 'Hana', last: 'Host' }), { telegramScript: FAKE_TELEGRAM });
  await inside.click(`.event[data-id="${event.id}"] .open`);
  await inside.click('.event.detail .export');
  await inside.waitForFunction(() => window.calls.some(([name]) => name === 'downloadFile'));
  const [, params] = (await inside.evaluate(() => window.calls)).find(([name]) => name === 'downloadFile');
  assert.match(params.file_name, /^door-night-.*\.csv$/);
  const served = await fetch(params.url);
  assert.equal(served.status, 200);
  assert.equal(parseCsv(await served.text(), { columns: true }).length, 5);
  await inside.context().close();
});

test('approval on the page: the questions sheet, "Waiting for the organiser\'s answer", the host\'s requests list', async () => {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  admin.send({
    type: 'create-event', title: 'Supper club', start: '19:00', duration: 2, date: tomorrow,
    approval: true, questions: ['Why do you want to join?'],
  });
  const made = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Supper club');
  admin.send({ type: 'edit-event', id: made.id, hosts: [host.user.id] });
  await admin.nextWhere((m) => m.type === 'event' && m.id === made.id && m.hosts?.length === 1);
  const pia = user({ first: 'Pia', last: 'Asker' });
  const page = await openApp(browser, worker, pia);
  const hostPage = await openApp(browser, worker, user({ id: host.user.id, first: 'Hana', last: 'Host' }));
  await withScreenshots('approval', [page, hostPage], async () => {
    const card = page.locator(`.event[data-id="${made.id}"]`);
    assert.equal(await card.locator('.request-state').textContent(), 'The organisers approve each request.');
    await card.locator('.toggle').click();
    await page.locator('#questions[open]').waitFor();
    assert.equal(await page.locator('#questions .questions-field').first().textContent(), 'Why do you want to join?');
    assert.equal(await page.locator('#questions .questions-send').textContent(), 'Ask to join');
    await page.fill('#questions textarea', 'I cook a mean curry.');
    await page.click('#questions .questions-send');
    await page.waitForFunction((id) => document.querySelector(`.event[data-id="${id}"] .request-state`)
      .textContent === "Waiting for the organiser's answer", made.id);
    assert.equal(await card.locator('.toggle').textContent(), 'Withdraw request');
    assert.equal(await page.locator('#questions').getAttribute('open'), null);

    // The host: Requests (1) on the card, the answers in the sheet, Approve.
    const requests = hostPage.locator(`.event[data-id="${made.id}"] .requests-open`);
    await hostPage.waitForFunction((id) => document.querySelector(`.event[data-id="${id}"] .requests-open`)
      ?.textContent === 'Requests (1)', made.id);
    await requests.click();
    const row = hostPage.locator('#people .people-pending li.request');
    await row.waitFor();
    assert.equal(await hostPage.locator('#people .people-pending-heading').textContent(), 'Requests (1)');
    assert.equal(await row.locator('.person-name').textContent(), 'Pia Asker');
    assert.equal(await row.locator('dt').textContent(), 'Why do you want to join?');
    assert.equal(await row.locator('dd').textContent(), 'I cook a mean curry.');
    assert.equal(await row.locator('.request-approve').getAttribute('aria-label'), 'Approve: Pia Asker');
    await hostPage.evaluate(AXE);
    const audit = await hostPage.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    const bad = audit.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    assert.deepEqual(bad, [], 'the requests sheet');
    await row.locator('.request-approve').click();
    await hostPage.locator('#people .people-going li .person-name', { hasText: 'Pia Asker' }).waitFor();
    assert.equal(await hostPage.locator('#people .people-pending-heading').isHidden(), true);

    // Pia is in, and the page says so.
    await page.waitForFunction((id) => document.querySelector(`.event[data-id="${id}"] .toggle`).textContent === 'Leave', made.id);
    assert.match(await page.locator('#notice').textContent(), /^You're in: you are going to "Supper club"/);
    assert.equal(await card.locator('.request-state').isHidden(), true);

    // The form shows the event's approval and questions; answered questions stay.
    await hostPage.keyboard.press('Escape');
    await hostPage.click(`.event[data-id="${made.id}"] .edit`);
    const form = hostPage.locator(`.event[data-id="${made.id}"] .event-form`);
    await form.waitFor();
    assert.equal(await form.locator('input[name="approval"]').isChecked(), true);
    assert.equal(await form.locator('input[name="question1"]').inputValue(), 'Why do you want to join?');
    assert.equal(await form.locator('input[name="question2"]').inputValue(), '');
    await form.locator('input[name="question1"]').fill('What do you cook?');
    await form.locator('button[type="submit"]').click();
    await hostPage.waitForFunction((id) => document.querySelector(`.event[data-id="${id}"] .event-form .form-error`)
      ?.textContent === 'Not accepted: Questions for people who attend. Check it and save again.', made.id);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(hostPage.errors, []);
  });
  await page.context().close();
  await hostPage.context().close();
});

test('after the event the hosts see who did not come (check-ins kept across a restart)', async () => {
  admin.send({ type: 'create-event', title: 'Workshop', start: justStarted(), date: startedDay(), repeat: 'none', duration: 1 });
  const workshop = await admin.nextWhere((m) => m.type === 'event' && m.title === 'Workshop');
  const [ann, bo] = guests;
  for (const g of [ann, bo]) {
    g.client.send({ type: 'attend', event: workshop.id });
    await g.client.nextWhere((m) => m.type === 'event' && m.id === workshop.id && m.attending);
  }
  admin.send({ type: 'check-in', event: workshop.id, user: ann.client.user.id });
  await admin.nextWhere((m) => m.type === 'checked-in');
  // Two days later (the calendar's clock): the one-off is over and listed in the past.
  for (const g of guests) g.client.close();
  host.close();
  admin.close();
  await worker.stop();
  worker = await Worker.start({
    persistTo: state,
    vars: {
      ADMIN_IDS: String(ADMIN_ID), TIMEZONE: 'UTC', BOT_USERNAME: 'door_bot', APP_SHORT_NAME: 'events',
      CLOCK_OFFSET_SECONDS: String(2 * 86_400),
    },
  });
  admin = await Client.login(worker, admin.user);
  const past = admin.login.events.find((e) => e.id === workshop.id);
  assert.equal(past.past, true);
  assert.equal(past.checked_in, 1, 'the count of a past one-off stays');
  admin.send({ type: 'attendees', event: workshop.id });
  const list = await admin.nextWhere((m) => m.type === 'attendees' && m.event === workshop.id);
  assert.ok(list.going.find((p) => p.telegram_id === ann.client.user.id).checked_in_at);
  assert.equal(list.going.find((p) => p.telegram_id === bo.client.user.id).checked_in_at, null);
  assert.equal((await admin.error({ type: 'check-in', event: workshop.id, user: bo.client.user.id })).code, 'closed');
  const page = await openApp(browser, worker, admin.user);
  await withScreenshots('did not come', [page], async () => {
    await page.click(`.event[data-id="${workshop.id}"] .door-open`);
    await page.locator('#door .door-missing li').first().waitFor();
    assert.equal(await page.locator('#door .door-missing-heading').textContent(), 'Did not come (1)');
    assert.match(await page.locator('#door .door-missing li').textContent(), new RegExp(bo.name));
    assert.match(await page.locator('#door .door-list li').textContent(), new RegExp(ann.name));
    assert.equal(await page.locator('#door .door-count').textContent(), '1 of 2 in');
    assert.deepEqual(page.errors, []);
  });
  await page.context().close();
});
