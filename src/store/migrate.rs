//! Bringing a database made by an earlier version up to `schema.sql`.
//!
//! `schema.sql` is applied with `wrangler d1 execute` and must be safe to
//! apply again, so it can only create what is missing; SQLite's
//! `ALTER TABLE ... ADD COLUMN` is not idempotent. The columns added since
//! the seed are added here instead, by the Worker, the first time an
//! isolate touches D1: one probe (a statement naming every new column,
//! plus the indexes on them); only when the probe fails does the upgrade
//! run, as one batch (one transaction: all of it or none), which adds the
//! missing columns, copies what part two kept in side tables into them and
//! drops those tables. Every row is kept. Two isolates upgrading at once:
//! the second one's batch fails (the columns exist by then) and its probe
//! then passes.

use std::cell::Cell;

use worker::{D1Database, Result};

use super::{counters, Counted};

/// Columns added since the seed: (table, column, declaration).
const COLUMNS: &[(&str, &str, &str)] = &[
    ("events", "date", "TEXT"),
    ("events", "repeat", "TEXT NOT NULL DEFAULT 'daily'"),
    ("events", "location", "TEXT NOT NULL DEFAULT ''"),
    ("events", "capacity", "INTEGER"),
    ("events", "max_guests", "INTEGER NOT NULL DEFAULT 0"),
    ("events", "closed", "INTEGER NOT NULL DEFAULT 0"),
    ("events", "community_id", "INTEGER NOT NULL DEFAULT 0"),
    ("attendance", "guests", "INTEGER NOT NULL DEFAULT 0"),
    ("waitlist", "guests", "INTEGER NOT NULL DEFAULT 0"),
    ("users", "photo_url", "TEXT NOT NULL DEFAULT ''"),
    ("users", "hidden", "INTEGER NOT NULL DEFAULT 0"),
    ("users", "reminder", "INTEGER DEFAULT 0"),
    ("events", "next_at", "INTEGER"),
    ("events", "next_day", "TEXT"),
    ("events", "after_at", "INTEGER"),
    ("events", "after_day", "TEXT"),
    ("events", "image_bytes", "INTEGER NOT NULL DEFAULT 0"),
    ("notices", "community_id", "INTEGER NOT NULL DEFAULT 0"),
    ("notices", "event_id", "INTEGER"),
    ("notices", "kind", "TEXT NOT NULL DEFAULT 'notice'"),
    ("notices", "due_at", "INTEGER NOT NULL DEFAULT 0"),
    ("notices", "baseline", "TEXT"),
    ("notices", "claimed_at", "INTEGER"),
    (
        "notifications",
        "community_id",
        "INTEGER NOT NULL DEFAULT 0",
    ),
    ("notifications", "due_at", "INTEGER NOT NULL DEFAULT 0"),
    ("notifications", "claimed_at", "INTEGER"),
    (
        "communities",
        "bot_update_date",
        "INTEGER NOT NULL DEFAULT 0",
    ),
    ("communities", "bot_update_id", "INTEGER NOT NULL DEFAULT 0"),
    ("communities", "merged_into", "INTEGER"),
    ("events", "hosts", "TEXT NOT NULL DEFAULT ''"),
    ("attendance", "joined_at", "INTEGER"),
    ("waitlist", "joined_at", "INTEGER"),
    ("notices", "body", "TEXT"),
    ("events", "approval", "INTEGER NOT NULL DEFAULT 0"),
    ("events", "questions", "TEXT NOT NULL DEFAULT ''"),
    ("users", "language", "TEXT"),
    ("users", "telegram_language", "TEXT"),
    ("communities", "language", "TEXT"),
];

/// Tables added since part two, made here too for a database whose
/// `schema.sql` was not applied again (the same text as there: a host
/// test compares them).
const TABLES: &[(&str, &str)] = &[
    (
        "requests",
        "CREATE TABLE IF NOT EXISTS requests (
  event_id     INTEGER NOT NULL,
  telegram_id  INTEGER NOT NULL,
  guests       INTEGER NOT NULL DEFAULT 0,
  requested_at INTEGER NOT NULL,
  -- When the request lapses (Unix seconds): its occurrence's start.
  lapses_at    INTEGER NOT NULL,
  PRIMARY KEY (event_id, telegram_id)
)",
    ),
    (
        "answers",
        "CREATE TABLE IF NOT EXISTS answers (
  event_id    INTEGER NOT NULL,
  telegram_id INTEGER NOT NULL,
  answers     TEXT    NOT NULL,
  answered_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, telegram_id)
)",
    ),
    (
        "event_messages",
        "CREATE TABLE IF NOT EXISTS event_messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    INTEGER NOT NULL,
  host_id     INTEGER NOT NULL,
  recipients  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
)",
    ),
    (
        "checkins",
        "CREATE TABLE IF NOT EXISTS checkins (
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
)",
    ),
];

/// Part two's side tables, and how their rows go into the columns above.
const FOLDS: &[(&str, &[&str])] = &[
    (
        "event_dates",
        &["UPDATE events SET \
           date = (SELECT d.date FROM event_dates d WHERE d.event_id = events.id), \
           repeat = COALESCE((SELECT d.repeat FROM event_dates d WHERE d.event_id = events.id), 'daily'), \
           location = COALESCE((SELECT d.location FROM event_dates d WHERE d.event_id = events.id), '') \
           WHERE id IN (SELECT event_id FROM event_dates)"],
    ),
    (
        "event_seats",
        &["UPDATE events SET \
           capacity = (SELECT s.capacity FROM event_seats s WHERE s.event_id = events.id), \
           max_guests = COALESCE((SELECT s.max_guests FROM event_seats s WHERE s.event_id = events.id), 0), \
           closed = COALESCE((SELECT s.closed FROM event_seats s WHERE s.event_id = events.id), 0) \
           WHERE id IN (SELECT event_id FROM event_seats)"],
    ),
    (
        "event_communities",
        &["UPDATE events SET community_id = COALESCE((SELECT c.community_id \
           FROM event_communities c WHERE c.event_id = events.id), 0) \
           WHERE id IN (SELECT event_id FROM event_communities)"],
    ),
    (
        "party_guests",
        &[
            "UPDATE attendance SET guests = COALESCE((SELECT g.guests FROM party_guests g \
             WHERE g.event_id = attendance.event_id AND g.telegram_id = attendance.telegram_id), 0)",
            "UPDATE waitlist SET guests = COALESCE((SELECT g.guests FROM party_guests g \
             WHERE g.event_id = waitlist.event_id AND g.telegram_id = waitlist.telegram_id), 0)",
        ],
    ),
    (
        "user_profiles",
        &[
            "INSERT OR IGNORE INTO users (telegram_id) SELECT telegram_id FROM user_profiles",
            "UPDATE users SET \
             photo_url = COALESCE((SELECT p.photo_url FROM user_profiles p WHERE p.telegram_id = users.telegram_id), ''), \
             hidden = COALESCE((SELECT p.hidden FROM user_profiles p WHERE p.telegram_id = users.telegram_id), 0) \
             WHERE telegram_id IN (SELECT telegram_id FROM user_profiles)",
        ],
    ),
    (
        "user_reminders",
        &[
            "INSERT OR IGNORE INTO users (telegram_id) SELECT telegram_id FROM user_reminders",
            "UPDATE users SET reminder = (SELECT r.minutes FROM user_reminders r \
             WHERE r.telegram_id = users.telegram_id) \
             WHERE telegram_id IN (SELECT telegram_id FROM user_reminders)",
        ],
    ),
];

/// Indexes on the added columns, by name (made after the probe finds one
/// missing, so a fresh database, whose `schema.sql` cannot name them on an
/// older table, has them too).
const INDEXES: &[(&str, &str)] = &[
    ("events_by_community", "ON events (community_id)"),
    ("events_by_next", "ON events (next_at)"),
    ("events_by_after", "ON events (after_at)"),
    ("notices_due", "ON notices (status, due_at)"),
    (
        "notices_sent_to",
        "ON notices (telegram_id, status, updated_at)",
    ),
    // One unsent notice of a kind per person and event: later ones merge.
    (
        "notices_one_per_event",
        "ON notices (telegram_id, event_id, kind) WHERE status = 'pending' AND event_id IS NOT NULL",
    ),
    ("notifications_due", "ON notifications (status, due_at)"),
];

/// The statements that make [`INDEXES`] (where they are missing).
fn indexes(db: &D1Database) -> Vec<worker::D1PreparedStatement> {
    INDEXES
        .iter()
        .map(|(name, on)| {
            let unique = if name.ends_with("one_per_event") {
                "UNIQUE "
            } else {
                ""
            };
            db.prepare(format!("CREATE {unique}INDEX IF NOT EXISTS {name} {on}"))
        })
        .collect()
}

thread_local! {
    /// This isolate has seen the database up to date.
    static READY: Cell<bool> = const { Cell::new(false) };
}

/// Makes sure the database has every column this version uses; costs
/// nothing once this isolate has seen it does.
pub async fn ensure(db: &D1Database) -> Result<()> {
    if READY.with(Cell::get) {
        return Ok(());
    }
    if probe(db).await.is_err() {
        if let Err(error) = upgrade(db).await {
            // Another isolate may have upgraded meanwhile: the probe says.
            if probe(db).await.is_err() {
                return Err(error);
            }
        }
    }
    READY.with(|ready| ready.set(true));
    Ok(())
}

/// The tables that got columns, each once.
fn tables() -> Vec<&'static str> {
    let mut tables: Vec<&str> = Vec::new();
    for (table, _, _) in COLUMNS {
        if !tables.contains(table) {
            tables.push(table);
        }
    }
    tables
}

/// One statement naming every added column (it fails while one is
/// missing) and counting the indexes on them; the missing indexes are
/// made then (a database's first start), else nothing more.
async fn probe(db: &D1Database) -> Result<()> {
    let selects: Vec<String> = tables()
        .iter()
        .map(|table| {
            let columns: Vec<&str> = COLUMNS
                .iter()
                .filter(|(t, _, _)| t == table)
                .map(|(_, column, _)| *column)
                .collect();
            format!(
                "(SELECT COUNT(*) FROM (SELECT {} FROM {table} LIMIT 0))",
                columns.join(", ")
            )
        })
        .collect();
    let selects: Vec<String> =
        selects
            .into_iter()
            .chain(TABLES.iter().map(|(table, _)| {
                format!("(SELECT COUNT(*) FROM (SELECT * FROM {table} LIMIT 0))")
            }))
            .collect();
    let names: Vec<String> = INDEXES
        .iter()
        .map(|(name, _)| format!("'{name}'"))
        .collect();
    counters::read(1);
    let found = db
        .prepare(format!(
            "SELECT {} AS n, (SELECT COUNT(*) FROM sqlite_master \
             WHERE type = 'index' AND name IN ({})) AS indexes",
            selects.join(" + "),
            names.join(", ")
        ))
        .first_row()
        .await?;
    let present = found.and_then(|row| row.int("indexes")).unwrap_or(0);
    if present < INDEXES.len() as i64 {
        let statements = indexes(db);
        counters::write(statements.len() as u64);
        crate::store::batch(db, statements).await?;
    }
    Ok(())
}

/// The `name` column of a `PRAGMA`'s rows.
fn names(result: &worker::D1Result) -> Result<Vec<String>> {
    Ok(super::rows(result)?
        .iter()
        .filter_map(|row| row.text("name"))
        .collect())
}

/// Adds the missing columns, folds the side tables into them and drops
/// those, in one batch.
async fn upgrade(db: &D1Database) -> Result<()> {
    counters::read(1);
    let existing: Vec<String> = db
        .prepare("PRAGMA table_list")
        .rows_all()
        .await
        .and_then(|found| names(&found))?;
    let mut statements: Vec<_> = TABLES
        .iter()
        .map(|(_, create)| db.prepare(*create))
        .collect();
    // A table schema.sql has not made yet (it was not applied again) is
    // left to it: it makes the table whole.
    for table in tables()
        .into_iter()
        .filter(|t| existing.iter().any(|e| e == t))
    {
        counters::read(1);
        let present = db
            .prepare(format!("PRAGMA table_info({table})"))
            .rows_all()
            .await
            .and_then(|found| names(&found))?;
        for (_, column, declaration) in COLUMNS.iter().filter(|(t, _, _)| *t == table) {
            if !present.iter().any(|name| name == column) {
                statements.push(db.prepare(format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
                )));
            }
        }
    }
    for (side, copies) in FOLDS {
        if existing.iter().any(|name| name == side) {
            statements.extend(copies.iter().map(|sql| db.prepare(*sql)));
            statements.push(db.prepare(format!("DROP TABLE {side}")));
        }
    }
    statements.extend(indexes(db));
    counters::write(statements.len() as u64);
    worker::console_log!("upgrading the database: {} statements", statements.len());
    crate::store::batch(db, statements).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_made_here_are_those_of_schema_sql() {
        let schema = include_str!("../../schema.sql");
        for (_, create) in TABLES {
            assert!(schema.contains(&format!("{create};")), "{create}");
        }
        for (table, column, _) in COLUMNS {
            assert!(
                schema.contains(&format!("  {column} "))
                    || schema.contains(&format!("  {column}\n")),
                "{table}.{column} is in schema.sql"
            );
        }
    }
}
