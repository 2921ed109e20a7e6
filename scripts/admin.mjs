#!/usr/bin/env node
// Operator commands for Mini Events, against the local or the deployed D1
// (and R2 for images). They run `wrangler d1 execute` and `wrangler r2 object
// put` underneath, so they need nothing but wrangler's own login.
//
//   npm run admin -- [--remote] <command>
//
// Run with no command for the list. See README.md, "Operator commands".

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const run = promisify(execFile);

const USAGE = `usage: npm run admin -- [--remote] [--persist-to DIR] <command>

  users                       list users (id, name, username, admin, last login)
  grant <telegram_id>         make a user an admin
  revoke <telegram_id>        take the admin flag away (ADMIN_IDS still counts)
  events                      list events with their attendee counts
  add-event --title T --start HH:MM --duration HOURS
            [--description D] [--image FILE.png|jpg|webp|gif | https://URL]
  demo                        add the demo events, if there are no events yet

--remote works on the deployed database and bucket, the default is the local
one that \`wrangler dev\` uses (--persist-to as given to wrangler dev).`;

const MAX_IMAGE_BYTES = 512 * 1024;
const IMAGE_KINDS = [
  { ext: 'png', type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'jpg', type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: 'gif', type: 'image/gif', test: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { ext: 'webp', type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

class UsageError extends Error {}

/** Where the commands act: local (optionally in a --persist-to dir) or remote. */
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
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed:\n${output || error.message}`);
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

const text = (value) => `'${String(value).replaceAll("'", "''")}'`;

function telegramId(value) {
  if (!/^[1-9][0-9]{0,15}$/.test(value ?? '')) throw new UsageError(`not a Telegram user id: ${value ?? '(missing)'}`);
  return value;
}

/** The same rules the Worker applies to create-event (src/validate.rs). */
function checkEvent({ title, description = '', start, duration }) {
  title = (title ?? '').trim();
  description = description.trim();
  const chars = (s) => [...s].length;
  if (chars(title) < 1 || chars(title) > 120) throw new UsageError('--title must be 1 to 120 characters');
  if (chars(description) > 2000) throw new UsageError('--description must be at most 2000 characters');
  const time = /^(\d{1,2}):(\d{2})$/.exec((start ?? '').trim());
  if (!time || Number(time[1]) > 23 || Number(time[2]) > 59) throw new UsageError('--start must be a time from 00:00 to 23:59');
  const hours = Number(duration);
  if (!(duration ?? '').toString().trim() || !(hours > 0 && hours <= 24)) throw new UsageError('--duration must be a number of hours above 0 and at most 24');
  return { title, description, start: `${time[1].padStart(2, '0')}:${time[2]}`, duration: hours };
}

/** Uploads an image file to R2 and returns its /media/ path, or passes an https URL through. */
async function storeImage(options, image) {
  if (!image) return '';
  if (/^https:\/\/[^\s/]/.test(image)) return image;
  if (/^[a-z]+:/i.test(image)) throw new UsageError('--image must be a file or an https:// URL');
  const bytes = await readFile(image).catch(() => {
    throw new UsageError(`cannot read image file ${image}`);
  });
  if (bytes.length > MAX_IMAGE_BYTES) throw new UsageError(`${basename(image)} is over 512 KiB`);
  const kind = IMAGE_KINDS.find((k) => k.test(bytes));
  if (!kind) throw new UsageError(`${basename(image)} is not a PNG, JPEG, WebP or GIF`);
  const bucket = /bucket_name\s*=\s*"([^"]+)"/.exec(await readFile(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1];
  if (!bucket) throw new Error('wrangler.toml has no R2 bucket_name');
  const key = `${randomBytes(12).toString('hex')}.${kind.ext}`;
  await wrangler(['r2', 'object', 'put', `${bucket}/${key}`, '--file', image, '--content-type', kind.type, ...target(options)]);
  return `/media/${key}`;
}

async function addEvents(options, events) {
  const rows = [];
  for (const event of events) {
    const checked = checkEvent(event);
    rows.push({ ...checked, image: await storeImage(options, event.image) });
  }
  const values = rows
    .map((e) => `(${text(e.title)}, ${text(e.description)}, ${text(e.image)}, ${text(e.start)}, ${e.duration})`)
    .join(',\n');
  return sql(options, `INSERT INTO events (title, description, image, start, duration) VALUES ${values} RETURNING id, title, start, image;`);
}

function table(rows) {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]);
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((cell, i) => String(cell ?? '').padEnd(width[i])).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}

const commands = {
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
    console.log(`${id} is no admin from their next login (unless listed in ADMIN_IDS).`);
  },

  async events(options) {
    const rows = await sql(options, `SELECT e.id, e.start, e.duration, e.title, e.image,
      (SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.id) AS attendees
      FROM events e ORDER BY e.start, e.id;`);
    console.log(table(rows));
  },

  async 'add-event'(options) {
    const [row] = await addEvents(options, [options]);
    console.log(`Added event ${row.id}: ${row.title} at ${row.start}${row.image ? ` with image ${row.image}` : ''}.`);
    console.log('Open apps see it once the hub reloads its catalog (see README, "Operator commands").');
  },

  async demo(options) {
    const [{ count }] = await sql(options, 'SELECT COUNT(*) AS count FROM events;');
    if (count > 0) {
      console.log(`There are ${count} events already; no demo events added.`);
      return;
    }
    const dir = join(ROOT, 'scripts', 'demo');
    const events = JSON.parse(await readFile(join(dir, 'events.json'), 'utf8'));
    const rows = await addEvents(options, events.map((e) => ({ ...e, duration: String(e.duration), image: join(dir, e.image) })));
    console.log(`Added ${rows.length} demo events.`);
  },
};

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      'persist-to': { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
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
  console.error(`admin: ${error.message}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
