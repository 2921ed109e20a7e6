// Upgrading a deployment: a database made by an earlier version (the
// seed's schema, or part two's with its side tables), with schema.sql
// applied again as the README says, is brought up to date by the Worker
// itself and keeps every row.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Client, ROOT, Worker, d1, prepareDb, removeState, tempState, user } from './helpers.mjs';

const workers = [];
const states = [];

after(async () => {
  for (const worker of workers) await worker.stop();
  for (const state of states) await removeState(state);
});

/** A database with `schema` (an earlier version's) and `seed` in it. */
async function oldDatabase(schema, seed) {
  const state = await tempState();
  states.push(state);
  const old = await readFile(join(ROOT, 'tests', 'fixtures', schema), 'utf8');
  await d1(state, `${old}\n${seed}`);
  return state;
}

async function start(state) {
  const worker = await Worker.start({ persistTo: state });
  workers.push(worker);
  return worker;
}

/** YYYY-MM-DD, `days` from today (UTC). */
const day = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

test("a seed database keeps its events, attendance and users, and works as part three's", async () => {
  const [ann, bea] = [user({ first: 'Ann' }), user({ first: 'Bea' })];
  const state = await oldDatabase('schema-seed.sql', `
    INSERT INTO events (id, title, description, image, start, duration) VALUES (1, 'Seed run', 'Early', '', '7:00', 1.5);
    INSERT INTO attendance (event_id, telegram_id) VALUES (1, ${ann.id});
    INSERT INTO users (telegram_id, name, is_admin) VALUES (${ann.id}, 'Ann Old', 0);`);
  await prepareDb(state);
  await prepareDb(state); // twice: schema.sql stays safe to apply again
  const worker = await start(state);
  const client = await Client.login(worker, bea);
  const [seed] = client.login.events;
  assert.deepEqual(
    [seed.id, seed.title, seed.start, seed.duration, seed.attendees, seed.repeat, seed.capacity, seed.location],
    [1, 'Seed run', '07:00', 1.5, 1, 'daily', null, ''],
  );
  client.send({ type: 'attend', event: 1 });
  const attended = await client.nextWhere((m) => m.type === 'event' && m.attending);
  assert.equal(attended.attendees, 2);
  const rows = await d1(state, 'SELECT telegram_id, guests FROM attendance WHERE event_id = 1 ORDER BY rowid');
  assert.deepEqual(rows, [{ telegram_id: ann.id, guests: 0 }, { telegram_id: bea.id, guests: 0 }]);
  const [old] = await d1(state, `SELECT name, reminder, hidden FROM users WHERE telegram_id = ${ann.id}`);
  assert.deepEqual(old, { name: 'Ann Old', reminder: 0, hidden: 0 }, 'reminders at the start until chosen');
  client.close();
});

test("a part-two database's side tables are folded into events and users, and dropped", async () => {
  const [ann, bea, cid, dan] = [user({ first: 'Ann' }), user({ first: 'Bea' }), user({ first: 'Cid' }), user({ first: 'Dan' })];
  const date = day(10);
  const state = await oldDatabase('schema-part-two.sql', `
    INSERT INTO events (id, title, start, duration) VALUES (1, 'Workshop', '18:00', 2), (2, 'Group hike', '09:00', 4), (3, 'Seed row', '12:00', 1);
    INSERT INTO event_dates (event_id, date, repeat, location) VALUES (1, '${date}', 'none', 'Hall 2'), (2, '${date}', 'weekly', 'Trailhead');
    INSERT INTO event_seats (event_id, capacity, max_guests, closed) VALUES (1, 2, 1, 0);
    INSERT INTO attendance (event_id, telegram_id) VALUES (1, ${ann.id});
    INSERT INTO waitlist (event_id, telegram_id) VALUES (1, ${bea.id});
    INSERT INTO party_guests (event_id, telegram_id, guests) VALUES (1, ${ann.id}, 1);
    INSERT INTO users (telegram_id, name) VALUES (${ann.id}, 'Ann A'), (${bea.id}, 'Bea B');
    INSERT INTO user_profiles (telegram_id, photo_url, hidden) VALUES (${ann.id}, 'https://t.me/i/ann.jpg', 1);
    INSERT INTO user_reminders (telegram_id, minutes) VALUES (${ann.id}, 15), (${bea.id}, NULL);
    INSERT INTO communities (id, slug, chat_id, title, timezone, created_at) VALUES (1, 'UpgradeGroup1', -100777, 'Hikers', 'Europe/Berlin', 0);
    INSERT INTO event_communities (event_id, community_id) VALUES (2, 1);`);
  await prepareDb(state);
  let worker = await start(state);

  const look = async () => {
    const client = await Client.login(worker, cid);
    const ids = client.login.events.map((e) => e.id);
    const workshop = client.login.events.find((e) => e.id === 1);
    client.close();
    return { ids, workshop };
  };
  const { ids, workshop } = await look();
  assert.deepEqual(ids.sort(), [1, 3], "the group's event is not the default community's");
  assert.deepEqual(
    [workshop.date, workshop.repeat, workshop.location, workshop.capacity, workshop.max_guests, workshop.attendees, workshop.waitlist],
    [date, 'none', 'Hall 2', 2, 1, 2, 1],
    'dates, place, seats, guests and the waitlist kept',
  );
  const annAgain = await Client.login(worker, ann);
  assert.equal(annAgain.login.welcome.reminder, 15);
  assert.equal(annAgain.login.welcome.hidden, true);
  annAgain.close();
  const beaAgain = await Client.login(worker, bea);
  assert.equal(beaAgain.login.welcome.reminder, null, 'reminders turned off stay off');
  beaAgain.send({ type: 'leave', event: 1 });
  await beaAgain.nextWhere((m) => m.type === 'event' && m.id === 1 && m.waitlist === 0);
  beaAgain.close();

  const side = await d1(state, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('event_dates', 'event_seats', 'event_communities', 'party_guests', 'user_profiles', 'user_reminders')");
  assert.deepEqual(side, [], 'the side tables are gone');
  const [hike] = await d1(state, 'SELECT community_id, repeat, location FROM events WHERE id = 2');
  assert.deepEqual(hike, { community_id: 1, repeat: 'weekly', location: 'Trailhead' });

  // Applying the schema again and starting again changes nothing.
  await worker.stop();
  workers.pop();
  await prepareDb(state);
  worker = await start(state);
  const again = await look();
  assert.deepEqual(again.ids.sort(), [1, 3]);
  assert.deepEqual([again.workshop.attendees, again.workshop.waitlist], [2, 0]);
  const daniel = await Client.login(worker, dan);
  daniel.send({ type: 'attend', event: 1 });
  const waiting = await daniel.nextWhere((m) => m.type === 'event' && m.id === 1 && m.waitlisted);
  assert.equal(waiting.waitlist_position, 1, 'the full event still has its capacity');
  daniel.close();
});
