#!/usr/bin/env node
// Operator commands for Mini Events.
//
// Changes to events go through the running Worker, as an admin speaking
// the app's own WebSocket protocol: the Worker applies its rules (one copy
// of them) and every open page sees the change at once. The script signs
// initData for an admin listed in ADMIN_IDS with the bot token, which the
// operator holds. Users and admin flags are read and written in D1
// directly, with `wrangler d1 execute`.
//
//   npm run admin -- [options] <command>
//
// Run with no command for the list. See README.md, "Operator commands".

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import { Client, wsUrlOf } from './client.mjs';
import { signInitData } from './sign-init-data.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const run = promisify(execFile);

const USAGE = `usage: npm run admin -- [options] <command>

Events (through the running Worker, as an admin; changes reach every open page at once):
  events                      list the events with their attendee counts
  add-event --title T --start HH:MM --duration HOURS
            [--date YYYY-MM-DD] [--repeat none|daily|weekly] [--location L]
            [--capacity N|none] [--max-guests N] [--closed | --open]
            [--description D] [--image FILE.png|jpg|webp|gif | https://URL]
  edit-event <id> [--title T] [--start HH:MM] [--duration HOURS]
            [--date YYYY-MM-DD|none] [--repeat none|daily|weekly] [--location L]
            [--capacity N|none] [--max-guests N] [--closed | --open]
            [--description D] [--image FILE | https://URL | none]
  delete-event <id>
  demo                        add the demo events, if there are no events yet (local only)
  (each acts on the default community, or on the group's with --community SLUG)

Communities and users (in D1):
  communities                 list the groups' communities (slug, group, zone, open)
  users                       list users (id, name, username, admin, last login)
  grant <telegram_id>         make a user an admin
  revoke <telegram_id>        take the admin flag away (ADMIN_IDS still counts)

Options:
  --url URL          the Worker (default http://127.0.0.1:8787, the local one;
                     the deployed one is https://<worker>.<you>.workers.dev)
  --as ID            the admin to act as (default: the first of ADMIN_IDS)
  --community SLUG   the event commands act on this group's community
  --remote           users commands on the deployed D1 (default: the local one)
  --persist-to DIR   the local D1's directory, as given to wrangler dev

The event commands sign a login with the bot token: BOT_TOKEN from the
environment, or from .dev.vars for the local Worker. ADMIN_IDS likewise
(environment, .dev.vars, then wrangler.toml).`;

class UsageError extends Error {}

/** What the Worker refused, with its error code. */
class Refused extends Error {}

/** Control characters (but newlines) shown as \\xNN, so stored text cannot drive the terminal. */
function printable(value) {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return String(value ?? '').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

async function readDevVars() {
  const text = await readFile(join(ROOT, '.dev.vars'), 'utf8').catch(() => '');
  const vars = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (match) vars[match[1]] = match[2];
  }
  return vars;
}

async function wranglerTomlVar(name) {
  const toml = await readFile(join(ROOT, 'wrangler.toml'), 'utf8').catch(() => '');
  return new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(toml)?.[1];
}

/** The Worker the event commands talk to. */
function workerOrigin(options) {
  return options.url ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
}

/** The bot token and the admin id the event commands act with (.dev.vars only for a local Worker). */
async function operator(options) {
  const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(workerOrigin(options));
  const local = loopback ? await readDevVars() : {};
  const token = process.env.BOT_TOKEN || local.BOT_TOKEN;
  if (!token) throw new UsageError('no bot token: set BOT_TOKEN in the environment (for the local Worker, .dev.vars has it)');
  const listed = process.env.ADMIN_IDS ?? local.ADMIN_IDS ?? (await wranglerTomlVar('ADMIN_IDS')) ?? '';
  const id = options.as ?? listed.split(',').map((s) => s.trim()).find(Boolean);
  if (!id) throw new UsageError('no admin to act as: pass --as <telegram_id> (one listed in ADMIN_IDS)');
  return { token, id: telegramId(id) };
}

/** Logs in to the Worker as the operator's admin; returns the client and what the login sent. */
async function connect(options) {
  const origin = workerOrigin(options);
  const { token, id } = await operator(options);
  const initData = signInitData({ token, user: { id: Number(id), first_name: 'Operator' } });
  let client;
  const community = options.community;
  if (community !== undefined && !/^[A-Za-z0-9]{8,16}$/.test(community)) {
    throw new UsageError(`not a community slug: ${community} (see: npm run admin -- communities)`);
  }
  const wsUrl = community ? `${wsUrlOf(origin)}?c=${community}` : wsUrlOf(origin);
  try {
    client = await Client.open(wsUrl);
  } catch (error) {
    if (community && /HTTP 404/.test(error.message)) throw new UsageError(`the Worker at ${origin} has no community ${community}`);
    throw new Error(`cannot reach the Worker at ${origin} (${error.message}); start it with npm run dev, or pass --url`, { cause: error });
  }
  const login = await client.login(initData);
  if (login.welcome.type !== 'welcome') {
    const { reason } = await client.closed;
    throw new Error(`the Worker refused the login: ${reason || 'no reason given'} (is BOT_TOKEN the Worker's?)`);
  }
  if (!login.welcome.is_admin) {
    client.close();
    throw new UsageError(`user ${id} is not an admin of that Worker: list it in ADMIN_IDS`);
  }
  return { client, login };
}

/** Sends `message` and waits for the Worker's answer: the first message `answers` accepts, or an error. */
async function ask(client, message, answers) {
  client.send(message);
  const reply = await client.nextWhere((m) => m.type === 'error' || answers(m), 15_000);
  if (reply.type === 'error') throw new Refused(`${reply.msg} (${reply.code})`);
  return reply;
}

/** The `image` field for a file (uploaded), an https URL, or `none`. */
async function imageField(image) {
  if (image === undefined) return undefined;
  if (image === 'none' || image === '') return null;
  if (/^[a-z]+:/i.test(image)) return image;
  const bytes = await readFile(image).catch((cause) => {
    throw new UsageError(`cannot read image file ${image}`, { cause });
  });
  return { name: basename(image), base64: bytes.toString('base64') };
}

/** The fields of create-event / edit-event from the command line; the Worker checks them. */
async function eventFields(options) {
  const fields = {};
  for (const name of ['title', 'description', 'start', 'repeat', 'location']) {
    if (options[name] !== undefined) fields[name] = options[name];
  }
  if (options.date !== undefined) fields.date = options.date === 'none' ? null : options.date;
  // Numbers go as numbers when they are numbers; anything else goes as
  // typed, for the Worker to refuse with its own words.
  const number = (text) => (text.trim() && Number.isFinite(Number(text)) ? Number(text) : text);
  if (options.capacity !== undefined) fields.capacity = options.capacity === 'none' ? null : number(options.capacity);
  if (options['max-guests'] !== undefined) fields.max_guests = number(options['max-guests']);
  if (options.closed && options.open) throw new UsageError('choose --closed or --open, not both');
  if (options.closed) fields.closed = true;
  if (options.open) fields.closed = false;
  if (options.duration !== undefined) {
    const hours = Number(options.duration);
    fields.duration = options.duration.trim() && Number.isFinite(hours) ? hours : options.duration;
  }
  const image = await imageField(options.image);
  if (image !== undefined) fields.image = image;
  return fields;
}

function eventId(value) {
  if (!/^[1-9][0-9]*$/.test(value ?? '')) throw new UsageError(`not an event id: ${value ?? '(missing)'}`);
  return Number(value);
}

async function withWorker(options, body) {
  const { client, login } = await connect(options);
  try {
    return await body(client, login);
  } finally {
    client.close();
  }
}

/** Where the users commands act: local (optionally in a --persist-to dir) or remote. */
function target(options) {
  if (options.remote) return ['--remote'];
  return options['persist-to'] ? ['--local', '--persist-to', options['persist-to']] : ['--local'];
}

async function wrangler(args) {
  try {
    const { stdout } = await run(WRANGLER, args, {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed:\n${output || error.message}`, { cause: error });
  }
}

/** Runs SQL on D1 (through a file, so no shell quoting is involved); returns the last statement's rows. */
async function sql(options, statements) {
  const dir = await mkdtemp(join(tmpdir(), 'mini-events-admin-'));
  try {
    const file = join(dir, 'query.sql');
    await writeFile(file, statements);
    const out = await wrangler(['d1', 'execute', 'DB', ...target(options), '--file', file, '--json']);
    return JSON.parse(out).at(-1)?.results ?? [];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function telegramId(value) {
  if (!/^[1-9][0-9]{0,15}$/.test(value ?? '')) throw new UsageError(`not a Telegram user id: ${value ?? '(missing)'}`);
  return value;
}

function table(rows) {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]);
  const cell = (value) => printable(value).replaceAll('\n', ' ');
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells) => cells.map((value, i) => cell(value).padEnd(width[i])).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}

function describe(event) {
  const when = {
    daily: `${event.start} daily`,
    weekly: `${event.date} ${event.start} (weekly)`,
    none: `${event.date} ${event.start}`,
  }[event.repeat] ?? event.start;
  return `event ${event.id}: ${printable(event.title)} at ${when}${event.image ? ` with image ${event.image}` : ''}`;
}

/** Telegram ids of the demo people (made up, far from real ones). */
const DEMO_PEOPLE_FROM = 7_700_000_000;

/** The demo's second community: a made-up group in Berlin, the bot writing to it in German. */
const DEMO_COMMUNITY = { slug: 'DemoHikers01', chat: -1_009_999_000_001, title: 'Hiking club', language: 'de' };

/**
 * Adds the demo group's community (in D1, as the bot does when added to a
 * group) with the dev users as members (Telegram cannot be asked locally;
 * a known member enters without it) and two events, unless it is there.
 */
async function demoCommunity(options) {
  const { slug, chat, title, language } = DEMO_COMMUNITY;
  const [known] = await sql(options, `SELECT COUNT(*) AS n FROM communities WHERE slug = '${slug}';`);
  const now = Math.floor(Date.now() / 1000);
  const members = [10001, 10002, DEMO_PEOPLE_FROM + 9000, DEMO_PEOPLE_FROM + 9001];
  if (!(known?.n > 0)) {
    await sql(options, `INSERT INTO communities (slug, chat_id, title, timezone, language, created_at)
      VALUES ('${slug}', ${chat}, '${title}', 'Europe/Berlin', '${language}', ${now});
    INSERT INTO community_members (community_id, telegram_id, member, admin, checked_at)
      SELECT id, m.column1, 1, m.column1 = 10001, ${now} FROM communities,
      (VALUES ${members.map((m) => `(${m})`).join(', ')}) AS m WHERE slug = '${slug}';
    INSERT INTO community_admin_checks (community_id, checked_at) SELECT id, ${now} FROM communities WHERE slug = '${slug}';`);
  }
  const dayIn = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const hikes = [
    { title: 'Ridge hike', description: 'Twelve kilometres, two viewpoints. Bring water.', start: '09:00', duration: '5', date: dayIn(3), location: 'Trailhead car park', capacity: '8' },
    { title: 'Trail cleanup', description: 'Gloves and bags provided.', start: '10:00', duration: '2', date: dayIn(9), repeat: 'weekly' },
  ];
  const inCommunity = { ...options, community: slug };
  await withWorker(inCommunity, async (client, login) => {
    if (login.events.length > 0) return;
    const created = await createEvents(client, login, hikes);
    const { token } = await operator(options);
    for (const [n, [name, code]] of [['Jonas Weber', 'de'], ['Aylin Demir', 'tr']].entries()) {
      const guest = await Client.open(`${wsUrlOf(workerOrigin(options))}?c=${slug}`);
      const [first, last] = name.split(' ');
      const user = { id: DEMO_PEOPLE_FROM + 9000 + n, first_name: first, last_name: last, language_code: code };
      await guest.login(signInitData({ token, user }));
      await ask(guest, { type: 'attend', event: created[0].id }, (m) => m.type === 'event' && m.attending);
      guest.close();
    }
    console.log(`Added the demo community "${title}" (${slug}) with ${created.length} events.`);
  });
}


/**
 * The door in the demo: the dev guest (10002) goes to the daily hack hour
 * and the photo walk (so their event view shows a ticket) and hosts the
 * hack hour and board game night (so they have the check-in screen); the
 * first person at the hack hour is checked in already. A daily event's
 * door is open at any time of day.
 */
async function demoDoor(options, admin, created) {
  const { token } = await operator(options);
  const [hackHour, photoWalk, boardGames] = ['Open-source hack hour', 'Photo walk', 'Board game night']
    .map((title) => created.find((e) => e.title === title));
  const guest = await Client.open(wsUrlOf(workerOrigin(options)));
  await guest.login(signInitData({ token, user: { id: 10002, first_name: 'Guest', last_name: 'User', username: 'guest' } }));
  for (const event of [hackHour, photoWalk]) {
    await ask(guest, { type: 'attend', event: event.id }, (m) => m.type === 'event' && m.id === event.id && m.attending);
  }
  guest.close();
  for (const event of [hackHour, boardGames]) {
    await ask(admin, { type: 'edit-event', id: event.id, hosts: [10002] }, (m) => m.type === 'event' && m.id === event.id && m.hosts?.length === 1);
  }
  const [first] = await sql(options, `SELECT telegram_id FROM attendance WHERE event_id = ${hackHour.id} ORDER BY rowid LIMIT 1;`);
  await ask(admin, { type: 'check-in', event: hackHour.id, user: first.telegram_id }, (m) => m.type === 'checked-in');
  // Board game night: people ask first and answer a question; one waits.
  const question = 'Which games do you like?';
  await ask(admin, { type: 'edit-event', id: boardGames.id, approval: true, questions: [question] },
    (m) => m.type === 'event' && m.id === boardGames.id && m.approval);
  const asker = await Client.open(wsUrlOf(workerOrigin(options)));
  await asker.login(signInitData({ token, user: { id: DEMO_PEOPLE_FROM + 900, first_name: 'Yara', last_name: 'Said', username: 'yara' } }));
  await ask(asker, { type: 'attend', event: boardGames.id, answers: ['Codenames and anything co-op'] },
    (m) => m.type === 'event' && m.id === boardGames.id && m.pending);
  asker.close();
  console.log('The dev guest (10002) has tickets and hosts two events; one person is checked in at the hack hour;'
    + ' at board game night, Yara asks to come and waits for a host.');
}

/** Creates `events` one after the other; each answer is the first event the login did not list. */
async function createEvents(client, login, events) {
  const known = new Set(login.events.map((e) => e.id));
  const created = [];
  for (const event of events) {
    const fields = await eventFields(event);
    const answer = await ask(client, { type: 'create-event', ...fields }, (m) => m.type === 'event' && !known.has(m.id));
    known.add(answer.id);
    created.push(answer);
  }
  return created;
}

const commands = {
  async communities(options) {
    const rows = await sql(options, `SELECT slug, chat_id AS "group", title, timezone,
      CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END AS state,
      (SELECT COUNT(*) FROM events e WHERE e.community_id = communities.id) AS events
      FROM communities ORDER BY id;`);
    console.log(table(rows));
  },

  async users(options) {
    const rows = await sql(options, `SELECT telegram_id, name, username, is_admin AS admin,
      CASE WHEN last_seen IS NULL THEN '' ELSE datetime(last_seen, 'unixepoch') END AS last_login
      FROM users ORDER BY telegram_id;`);
    console.log(table(rows));
  },

  async grant(options, [id]) {
    await sql(options, `INSERT INTO users (telegram_id, is_admin) VALUES (${telegramId(id)}, 1)
      ON CONFLICT (telegram_id) DO UPDATE SET is_admin = 1;`);
    console.log(`${id} is an admin from their next login.`);
  },

  async revoke(options, [id]) {
    await sql(options, `UPDATE users SET is_admin = 0 WHERE telegram_id = ${telegramId(id)};`);
    console.log(`${id} is no admin from their next change (unless listed in ADMIN_IDS).`);
  },

  async events(options) {
    await withWorker(options, (_, { events }) => {
      const rows = events.map((e) => ({
        id: e.id, date: e.past ? `${e.date} (over)` : e.date, start: e.start, repeat: e.repeat, duration: e.duration,
        title: e.title, location: e.location, image: e.image, attendees: e.attendees,
        seats: e.capacity == null ? '' : `${e.capacity}${e.closed ? ' closed' : ''}`, waiting: e.waitlist ?? 0,
      }));
      console.log(table(rows));
    });
  },

  async 'add-event'(options) {
    await withWorker(options, async (client, login) => {
      const [event] = await createEvents(client, login, [options]);
      console.log(`Added ${describe(event)}. Open pages show it now.`);
    });
  },

  async 'edit-event'(options, [id]) {
    const event = eventId(id);
    const fields = await eventFields(options);
    if (Object.keys(fields).length === 0) throw new UsageError('edit-event needs something to change (--title, --start, ...)');
    await withWorker(options, async (client) => {
      const edited = await ask(client, { type: 'edit-event', id: event, ...fields }, (m) => m.type === 'event' && m.id === event);
      console.log(`Changed ${describe(edited)}.`);
    });
  },

  async 'delete-event'(options, [id]) {
    const event = eventId(id);
    await withWorker(options, async (client) => {
      await ask(client, { type: 'delete-event', id: event }, (m) => m.type === 'delete-event' && m.id === event);
      console.log(`Deleted event ${event}.`);
    });
  },

  async demo(options) {
    // The demo's made-up people and group belong in a local database only.
    if (options.remote) throw new UsageError('demo data is for local databases only; it refuses --remote');
    await withWorker(options, async (client, login) => {
      if (login.events.length > 0) {
        console.log(`There are ${login.events.length} events already; no demo events added.`);
        return;
      }
      const dir = join(ROOT, 'scripts', 'demo');
      const demo = JSON.parse(await readFile(join(dir, 'events.json'), 'utf8'));
      // Dated relative to today, so the demo always has the coming days.
      const dayIn = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      const events = demo.map(({ in_days: inDays, people: _people, ...e }) => ({
        ...e,
        duration: String(e.duration),
        capacity: e.capacity === undefined ? undefined : String(e.capacity),
        'max-guests': e.max_guests === undefined ? undefined : String(e.max_guests),
        max_guests: undefined,
        image: join(dir, e.image),
        ...(inDays === undefined ? {} : { date: dayIn(inDays) }),
      }));
      const created = await createEvents(client, login, events);
      // Demo people going to (and waiting for) the events that name some,
      // so the page shows faces, spots left and a full event's waitlist.
      const { token } = await operator(options);
      let joined = 0;
      for (const [i, { people = [] }] of demo.entries()) {
        for (const [n, person] of people.entries()) {
          const id = DEMO_PEOPLE_FROM + i * 100 + n;
          const guest = await Client.open(wsUrlOf(workerOrigin(options)));
          const [first, last = ''] = person.name.split(' ');
          await guest.login(signInitData({ token, user: { id, first_name: first, last_name: last, username: person.username } }));
          const message = { type: 'attend', event: created[i].id, ...(person.guests ? { guests: person.guests } : {}) };
          await ask(guest, message, (m) => m.type === 'event' && m.id === created[i].id && (m.attending || m.waitlisted));
          guest.close();
          joined += 1;
        }
      }
      console.log(`Added ${created.length} demo events, with ${joined} demo people going or waiting.`);
      await demoDoor(options, client, created);
    });
    // After the login above showed we are an admin of that Worker.
    await demoCommunity(options);
  },
};

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      as: { type: 'string' },
      community: { type: 'string' },
      remote: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      'persist-to': { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      date: { type: 'string' },
      repeat: { type: 'string' },
      location: { type: 'string' },
      capacity: { type: 'string' },
      'max-guests': { type: 'string' },
      closed: { type: 'boolean' },
      open: { type: 'boolean' },
      image: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [name, ...rest] = positionals;
  if (values.help || !name) {
    console.log(USAGE);
    return;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command: ${name}`);
  if (values.remote && values.local) throw new UsageError('choose --remote or --local, not both');
  await command(values, rest);
}

main().catch((error) => {
  const usage = error instanceof UsageError;
  console.error(`admin: ${printable(error.message)}`);
  if (usage) console.error(`\n${USAGE}`);
  process.exit(usage || error instanceof Refused ? 2 : 1);
});
