// Admins manage events live: create (with an image upload to R2), edit and
// delete reach every logged-in client; everyone else gets `forbidden`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  Client, Worker, d1, eventsSql, makePng, prepareDb, removeState, tempState, user,
} from './helpers.mjs';

const ADMIN_ID = 5_000_000_900;
const FLAGGED_ID = 6_000_000_001;

let state;
let worker;

before(async () => {
  state = await tempState();
  await prepareDb(state, `${eventsSql([{ id: 1, title: 'Existing', start: '10:00' }])}
    INSERT INTO users (telegram_id, name, is_admin) VALUES (${FLAGGED_ID}, 'Flagged', 1);`);
  worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(ADMIN_ID) } });
});

after(async () => {
  await worker?.stop();
  await removeState(state);
});

const upload = (bytes, name = 'picture.png') => ({ name, base64: Buffer.from(bytes).toString('base64') });

async function eventRows() {
  return d1(state, 'SELECT id, title, description, image, start, duration FROM events ORDER BY id');
}

async function media(url) {
  const response = await fetch(url);
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

test('ADMIN_IDS and the users.is_admin flag both make an admin', async () => {
  const listed = await Client.login(worker, user({ id: ADMIN_ID }));
  const flagged = await Client.login(worker, user({ id: FLAGGED_ID }));
  const plain = await Client.login(worker, user());
  assert.equal(listed.login.welcome.is_admin, true);
  assert.equal(flagged.login.welcome.is_admin, true);
  assert.equal(plain.login.welcome.is_admin, false);
  for (const c of [listed, flagged, plain]) c.close();
});

test('a non-admin gets forbidden for each admin message and nothing changes', async () => {
  const rowsBefore = await eventRows();
  const guest = await Client.login(worker, user());
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  const attempts = [
    { type: 'create-event', title: 'Sneaky', start: '10:00', duration: 1 },
    { type: 'create-event' }, // invalid too, but the role is checked first
    { type: 'edit-event', id: 1, title: 'Hijacked' },
    { type: 'delete-event', id: 1 },
  ];
  for (const attempt of attempts) {
    assert.deepEqual(await guest.error(attempt), { type: 'error', msg: 'You are not an admin', code: 'forbidden' });
  }
  assert.deepEqual(await admin.drain(300), [], 'nothing was broadcast');
  assert.deepEqual(await eventRows(), rowsBefore);
  guest.close();
  admin.close();
});

let created; // the event the next tests work on

test('an admin creates an event with a PNG; every client gets it and the image serves the same bytes', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  const guest = await Client.login(worker, user());
  const png = makePng(16, [30, 120, 200]);

  admin.send({
    type: 'create-event', title: '  Picnic  ', description: 'Bring a blanket', start: '9:30',
    duration: 2, image: upload(png, '../../../etc/passwd'),
  });
  const toAdmin = await admin.next();
  const toGuest = await guest.next();
  assert.equal(toAdmin.type, 'event');
  // Admins host every event (part three): their copy adds the door's
  // and the requests' fields, and nothing else differs.
  const { host, checked_in: checkedIn, requests, hosts, ...shared } = toAdmin;
  assert.deepEqual([host, checkedIn, requests, hosts], [true, 0, 0, []]);
  assert.deepEqual({ ...toGuest }, shared, 'same view for both (neither attends)');
  assert.equal(toAdmin.title, 'Picnic');
  assert.equal(toAdmin.start, '09:30');
  assert.equal(toAdmin.duration, 2);
  assert.equal(toAdmin.attendees, 0);
  assert.match(toAdmin.image, new RegExp(`^${worker.url}/media/[0-9a-f]+\\.png$`));
  assert.ok(!toAdmin.image.includes('passwd'), 'the client file name is not used');

  const { response, bytes } = await media(toAdmin.image);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.match(response.headers.get('cache-control'), /max-age=\d{6,}/);
  assert.ok(bytes.equals(png), 'served bytes equal the upload');

  const rows = await eventRows();
  const row = rows.find((r) => r.id === toAdmin.id);
  assert.equal(row.image, new URL(toAdmin.image).pathname, 'D1 stores the /media/ path');

  const late = await Client.login(worker, user());
  assert.deepEqual(late.login.events.map((e) => e.id), [toAdmin.id, 1], 'order is (start, id) for new logins');
  created = toAdmin;
  for (const c of [admin, guest, late]) c.close();
});

test('an edit changes the fields, keeps the attendees and replaces the image', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  const guest = await Client.login(worker, user());
  guest.send({ type: 'attend', event: created.id });
  assert.equal((await guest.next()).attending, true);
  assert.equal((await admin.next()).attendees, 1);

  const png = makePng(12, [250, 200, 0]);
  admin.send({
    type: 'edit-event', id: String(created.id), title: 'Picnic in the park', start: '11:00',
    duration: 2.5, image: upload(png),
  });
  const toAdmin = await admin.next();
  const toGuest = await guest.next();
  assert.deepEqual(
    [toAdmin.title, toAdmin.description, toAdmin.start, toAdmin.duration, toAdmin.attendees, toAdmin.attending],
    ['Picnic in the park', 'Bring a blanket', '11:00', 2.5, 1, false],
  );
  assert.deepEqual([toGuest.attendees, toGuest.attending], [1, true]);
  assert.notEqual(toAdmin.image, created.image);
  assert.ok((await media(toAdmin.image)).bytes.equals(png));
  assert.equal((await fetch(created.image)).status, 404, 'the replaced upload is deleted');

  const attendance = await d1(state, `SELECT telegram_id FROM attendance WHERE event_id = ${created.id}`);
  assert.deepEqual(attendance.map((r) => r.telegram_id), [guest.user.id]);
  created = toAdmin;
  admin.close();
  guest.close();
});

test('an https image URL is stored as it is, and removing it works', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  admin.send({ type: 'create-event', title: 'Linked', start: '23:00', duration: 1, image: 'https://cdn.example/a.jpg' });
  const linked = await admin.next();
  assert.equal(linked.image, 'https://cdn.example/a.jpg');
  admin.send({ type: 'edit-event', id: linked.id, image: null });
  assert.equal((await admin.next()).image, '');
  admin.close();
});

test('delete reaches every client and removes the attendance and the image', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  const guest = await Client.login(worker, user());
  admin.send({ type: 'delete-event', id: created.id });
  assert.deepEqual(await admin.next(), { type: 'delete-event', id: created.id });
  assert.deepEqual(await guest.next(), { type: 'delete-event', id: created.id });

  assert.deepEqual(await d1(state, `SELECT * FROM attendance WHERE event_id = ${created.id}`), []);
  assert.equal((await eventRows()).some((r) => r.id === created.id), false);
  assert.equal((await fetch(created.image)).status, 404, 'the R2 object is gone');

  const late = await Client.login(worker, user());
  assert.equal(late.login.events.some((e) => e.id === created.id), false);
  assert.equal((await admin.error({ type: 'delete-event', id: created.id })).code, 'no_such_event');
  assert.equal((await guest.error({ type: 'attend', event: created.id })).code, 'no_such_event');
  for (const c of [admin, guest, late]) c.close();
});

test('every validation rule refuses with invalid and a detail naming the field', async () => {
  const admin = await Client.login(worker, user({ id: ADMIN_ID }));
  const base = { type: 'create-event', title: 'Valid', start: '12:00', duration: 1 };
  const big = Buffer.concat([makePng(4), Buffer.alloc(600 * 1024)]);
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  const cases = [
    [{ title: '' }, 'title'],
    [{ title: '   ' }, 'title'],
    [{ title: 'x'.repeat(121) }, 'title'],
    [{ start: '25:00' }, 'start'],
    [{ start: '12:61' }, 'start'],
    [{ duration: 0 }, 'duration'],
    [{ duration: 25 }, 'duration'],
    [{ description: 'd'.repeat(2001) }, 'description'],
    [{ image: upload(svg, 'x.png') }, 'image'],
    [{ image: upload(Buffer.from('<!doctype html><script>alert(1)</script>'), 'x.png') }, 'image'],
    [{ image: upload(big) }, 'image'],
    [{ image: { name: 'x.png', base64: '%%% not base64 %%%' } }, 'image'],
    [{ image: 'http://insecure.example/a.png' }, 'image'],
  ];
  for (const [override, field] of cases) {
    const error = await admin.error({ ...base, ...override });
    assert.equal(error.code, 'invalid', JSON.stringify(override).slice(0, 80));
    assert.match(error.msg, new RegExp(`^Invalid data: ${field}`));
  }
  assert.equal((await admin.error({ type: 'edit-event', id: 1 })).code, 'invalid');
  assert.equal((await admin.error({ type: 'edit-event', id: 999, title: 'X' })).code, 'no_such_event');

  admin.send({ ...base, title: 'x'.repeat(120), start: '9:00' });
  const ok = await admin.next();
  assert.deepEqual([ok.type, ok.start, ok.title.length], ['event', '09:00', 120]);
  assert.equal((await eventRows()).find((r) => r.id === ok.id).start, '09:00');
  admin.close();
});
