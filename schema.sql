-- The D1 schema of Mini Events: the one source of it. Safe to apply again
-- (every statement is IF NOT EXISTS), locally or remotely:
--   npx wrangler d1 execute DB --local --file schema.sql
--   npx wrangler d1 execute DB --remote --file schema.sql

CREATE TABLE IF NOT EXISTS events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  title       TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  -- An https URL, or the /media/<key> path the Worker serves an upload at.
  image       TEXT    NOT NULL DEFAULT '',
  -- "HH:MM", 00:00 to 23:59.
  start       TEXT    NOT NULL,
  -- Hours, more than 0 and at most 24.
  duration    REAL    NOT NULL DEFAULT 1,
  -- The columns below came after the seed. A database made before them
  -- gets them from the Worker itself (src/store/migrate.rs: SQLite's
  -- ALTER TABLE ... ADD COLUMN is not idempotent, and this file must be),
  -- with the defaults below: a row without them is what the seed's rows
  -- were, a daily event with unlimited seats in the default community.
  -- "YYYY-MM-DD": the day of a one-off, the first day of a series; NULL
  -- for a daily event without one.
  date        TEXT,
  -- 'none' (once), 'daily' or 'weekly' (on the weekday of `date`).
  repeat      TEXT    NOT NULL DEFAULT 'daily',
  location    TEXT    NOT NULL DEFAULT '',
  -- NULL: unlimited. Otherwise seats, counting guests.
  capacity    INTEGER,
  -- How many guests (+1s) one person may bring.
  max_guests  INTEGER NOT NULL DEFAULT 0,
  -- 1: RSVPs closed by an admin.
  closed      INTEGER NOT NULL DEFAULT 0,
  -- The community it belongs to (communities.id); 0: the default one.
  community_id INTEGER NOT NULL DEFAULT 0,
  -- When the next occurrence starts (Unix seconds) and its local date, as
  -- the reminders need them: kept by the Worker (src/store/reminders.rs).
  -- NULL: not worked out yet; -1: none (a one-off that is over).
  next_at     INTEGER,
  next_day    TEXT,
  -- The occurrence after that (a daily event's reminder a day ahead is
  -- for it); NULL for a one-off.
  after_at    INTEGER,
  after_day   TEXT,
  -- Bytes of the uploaded picture in R2 (0: none, or a link), for the
  -- community's picture budget.
  image_bytes INTEGER NOT NULL DEFAULT 0,
  -- Part three: Telegram ids of the people who host it besides the
  -- community's admins, separated by commas (at most 10).
  hosts       TEXT    NOT NULL DEFAULT '',
  -- 1: people ask to come and a host lets them in (requests).
  approval    INTEGER NOT NULL DEFAULT 0,
  -- What people are asked when they attend: a JSON array of at most 3
  -- texts ('' or '[]': none). Fixed once someone answered (answers).
  questions   TEXT    NOT NULL DEFAULT ''
);

-- Who is going, in rowid order (the order people joined), with the guests
-- each brings.
CREATE TABLE IF NOT EXISTS attendance (
  event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  -- Telegram user ids need more than 32 bits.
  telegram_id INTEGER NOT NULL,
  guests      INTEGER NOT NULL DEFAULT 0,
  -- Part three: when they joined the list (Unix seconds; NULL for rows
  -- from before it), for the export.
  joined_at   INTEGER,
  PRIMARY KEY (event_id, telegram_id)
);

CREATE INDEX IF NOT EXISTS attendance_by_user ON attendance (telegram_id);

-- Who waits for a seat, in rowid order (first come, first served).
CREATE TABLE IF NOT EXISTS waitlist (
  event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  telegram_id INTEGER NOT NULL,
  guests      INTEGER NOT NULL DEFAULT 0,
  joined_at   INTEGER,
  PRIMARY KEY (event_id, telegram_id)
);

-- Part three: who asked to come to an event with approval and waits for
-- a host's answer, oldest first (rowid). The Worker makes this table and
-- the next on a database where this file was not applied again
-- (src/store/migrate.rs, the same text).
CREATE TABLE IF NOT EXISTS requests (
  event_id     INTEGER NOT NULL,
  telegram_id  INTEGER NOT NULL,
  guests       INTEGER NOT NULL DEFAULT 0,
  requested_at INTEGER NOT NULL,
  -- When the request lapses (Unix seconds): its occurrence's start.
  lapses_at    INTEGER NOT NULL,
  PRIMARY KEY (event_id, telegram_id)
);

-- Part three: people's answers to an event's questions (a JSON array of
-- texts, one per question), kept while they are listed or asking.
CREATE TABLE IF NOT EXISTS answers (
  event_id    INTEGER NOT NULL,
  telegram_id INTEGER NOT NULL,
  answers     TEXT    NOT NULL,
  answered_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, telegram_id)
);

-- Part three: who was checked in at the door (src/store/door.rs). The
-- Worker makes this table too on a database where this file was not
-- applied again (src/store/migrate.rs, the same text).
CREATE TABLE IF NOT EXISTS checkins (
  event_id    INTEGER NOT NULL,
  telegram_id INTEGER NOT NULL,
  -- When the occurrence started (Unix seconds): a series' check-ins are
  -- per occurrence.
  occurrence  INTEGER NOT NULL,
  -- How many of the party's guests came.
  guests      INTEGER NOT NULL DEFAULT 0,
  -- When they were first checked in (Unix seconds), and by which host.
  at          INTEGER NOT NULL,
  host_id     INTEGER,
  PRIMARY KEY (event_id, occurrence, telegram_id)
);

-- Messages the bot owes people, other than reminders: a spot opened, an
-- event moved or was cancelled. The statuses are those of
-- `notifications`. Sent ones are kept an hour (the per-user hourly limit
-- counts them), then deleted; see src/notify.rs.
CREATE TABLE IF NOT EXISTS notices (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  telegram_id INTEGER NOT NULL,
  -- The message, made when the row is ('' for a change notice, which is
  -- written when it is sent, from the event as it is then).
  text        TEXT    NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'pending',
  claim       TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  -- Added after part two (see events):
  community_id INTEGER NOT NULL DEFAULT 0,
  event_id    INTEGER,
  -- 'spot' (a spot opened), 'change' (moved), 'cancel', 'notice' (older rows).
  kind        TEXT    NOT NULL DEFAULT 'notice',
  -- Not before (Unix seconds): a change notice settles first.
  due_at      INTEGER NOT NULL DEFAULT 0,
  -- A change notice: the event's date, time, duration, repeat and place
  -- before its first unsent change, to tell what changed (or nothing).
  baseline    TEXT,
  -- When the run holding the claim last said it is still working on it.
  claimed_at  INTEGER,
  -- Part three: a host's message (kind 'message-...'): the rest of its
  -- sendMessage body as JSON (the signature's link, the button).
  body        TEXT
);

CREATE INDEX IF NOT EXISTS notices_by_status ON notices (status, created_at);

-- Part three: hosts' messages to an event's attendees (at most 3 per
-- event a day; the messages themselves go through notices).
CREATE TABLE IF NOT EXISTS event_messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    INTEGER NOT NULL,
  host_id     INTEGER NOT NULL,
  recipients  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);

-- Part two: communities. Each Telegram group the bot is in is one, with
-- its own events, hub and zone. The seed's single app is the default
-- community: it has no row here (events.community_id 0).
CREATE TABLE IF NOT EXISTS communities (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  -- 8 to 16 of [A-Za-z0-9], unguessable: /ws?c=<slug>, startapp=c<slug>.
  slug        TEXT    NOT NULL UNIQUE,
  chat_id     INTEGER NOT NULL UNIQUE,
  title       TEXT    NOT NULL DEFAULT '',
  -- IANA zone; starts as TIMEZONE, set with /timezone in the group.
  timezone    TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  -- Set when the bot was removed: logins are refused, data kept.
  closed_at   INTEGER,
  -- Added after part two (see events): the latest my_chat_member update
  -- applied (its date, then update_id), so updates that arrive out of
  -- order cannot undo a later one.
  bot_update_date INTEGER NOT NULL DEFAULT 0,
  bot_update_id INTEGER NOT NULL DEFAULT 0,
  -- Another community this one was folded into (a supergroup's community
  -- made before its migration arrived): its slug opens that one.
  merged_into INTEGER,
  -- Part three: the language the bot writes to the group in (/language;
  -- it starts as that of whoever added the bot; NULL: English).
  language    TEXT
);

-- What Telegram last said about a user in a community (getChatMember,
-- getChatAdministrators, chat_member updates), and whether they entered.
CREATE TABLE IF NOT EXISTS community_members (
  community_id INTEGER NOT NULL,
  telegram_id  INTEGER NOT NULL,
  member       INTEGER NOT NULL,
  admin        INTEGER NOT NULL DEFAULT 0,
  checked_at   INTEGER NOT NULL,
  -- When they first logged in to it (for the bot's /start list).
  entered_at   INTEGER,
  PRIMARY KEY (community_id, telegram_id)
);

CREATE INDEX IF NOT EXISTS community_members_by_user ON community_members (telegram_id);

-- When each community's admin list was last read from Telegram.
CREATE TABLE IF NOT EXISTS community_admin_checks (
  community_id INTEGER PRIMARY KEY,
  checked_at   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
  telegram_id INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL DEFAULT '',
  username    TEXT,
  -- 1 makes the user an admin (an operator of every community), besides
  -- the ADMIN_IDS var.
  is_admin    INTEGER NOT NULL DEFAULT 0,
  -- Unix seconds of the last login (recorded at most every five minutes
  -- per user; see USER_REFRESH_SECONDS in src/hub/users.rs).
  last_seen   INTEGER,
  -- Added after the seed (see events): the picture from their last
  -- login's initData, whether they hide from other non-admins' lists, and
  -- when they want reminders: minutes before an event starts (0, 15, 60
  -- or 1440; 0 until they choose), NULL for none.
  photo_url   TEXT    NOT NULL DEFAULT '',
  hidden      INTEGER NOT NULL DEFAULT 0,
  reminder    INTEGER DEFAULT 0,
  -- Part three: their own choice of language (NULL: follow Telegram), and
  -- the language_code Telegram last sent for them (initData, updates).
  language    TEXT,
  telegram_language TEXT
);

-- Start-time reminders: one row per event, attendee and local day (in
-- TIMEZONE), so a reminder goes out once however often the cron runs.
-- status: pending -> sending (claimed by a run, with its claim token) ->
-- sent | blocked (403) | failed (other refusal) | left (no longer attending)
-- | expired (too late to be useful).
CREATE TABLE IF NOT EXISTS notifications (
  event_id    INTEGER NOT NULL,
  telegram_id INTEGER NOT NULL,
  day         TEXT    NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'pending',
  claim       TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  -- Added after part two (see events): the event's community (for fair
  -- sending), when it is due, and the claim's last sign of life.
  community_id INTEGER NOT NULL DEFAULT 0,
  due_at      INTEGER NOT NULL DEFAULT 0,
  claimed_at  INTEGER,
  PRIMARY KEY (event_id, telegram_id, day)
);

CREATE INDEX IF NOT EXISTS notifications_by_status ON notifications (status, created_at);

-- Users for whom Telegram answered 403 (they blocked the bot). They get no
-- reminders until they write to the bot again.
CREATE TABLE IF NOT EXISTS bot_blocked (
  telegram_id INTEGER PRIMARY KEY,
  since       INTEGER NOT NULL
);

-- Webhook updates already handled (Telegram sends an update again when the
-- webhook did not answer 2xx), kept a day.
CREATE TABLE IF NOT EXISTS bot_updates (
  update_id   INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL
);
