//! The bot's outbox: reminders due to attendees (`notifications`) and
//! notices of changes (`notices`, queued in the same batch as the change
//! that owes them), each claimed by one sender at a time, and the users
//! Telegram refuses to deliver to (`bot_blocked`). The rules of when a row
//! is due and how it is sent are in `notify.rs`; this is their SQL.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use super::{counters, int, rows};

/// A message the bot owes: to one user, or to everyone going to or
/// waiting for an event (as D1 has them when the batch runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    To { user: i64, text: String },
    EveryoneListed { event: i64, text: String },
}

/// The statements that queue `notices` at `now`, for the batch of the
/// change that owes them. Users who blocked the bot are left out.
pub fn notice_statements(
    db: &D1Database,
    notices: &[Notice],
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    for notice in notices {
        statements.push(match notice {
            Notice::To { user, text } => db
                .prepare(
                    "INSERT INTO notices (telegram_id, text, status, created_at, updated_at) \
                     SELECT ?1, ?2, 'pending', ?3, ?3 \
                     WHERE ?1 NOT IN (SELECT telegram_id FROM bot_blocked)",
                )
                .bind(&[int(*user), JsValue::from_str(text), int(now)])?,
            Notice::EveryoneListed { event, text } => db
                .prepare(
                    "INSERT INTO notices (telegram_id, text, status, created_at, updated_at) \
                     SELECT telegram_id, ?2, 'pending', ?3, ?3 FROM \
                     (SELECT telegram_id FROM attendance WHERE event_id = ?1 \
                      UNION SELECT telegram_id FROM waitlist WHERE event_id = ?1) \
                     WHERE telegram_id NOT IN (SELECT telegram_id FROM bot_blocked)",
                )
                .bind(&[int(*event), JsValue::from_str(text), int(now)])?,
        });
    }
    Ok(statements)
}

/// A reminder that is due: for the occurrence of `event` on `day` (its
/// local date), to its attendees whose reminders come `minutes` before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub event: i64,
    pub day: String,
    pub minutes: u32,
}

/// A reminder claimed for sending, with what the message needs.
pub struct Due {
    pub event_id: i64,
    pub telegram_id: i64,
    pub day: String,
    pub title: String,
    pub start: String,
    pub duration: f64,
    pub date: Option<String>,
    pub repeat: String,
    /// The user's reminder setting now (`None`: they turned them off).
    pub minutes: Option<i64>,
    /// Whether the user still attends the (still existing) event.
    pub attending: i64,
    /// The event's community (0: the default one), for its zone.
    pub community: i64,
}

/// How a reminder ended (or `Pending` to try again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Sent,
    /// Telegram answered 403.
    Blocked,
    /// Telegram refused it for another reason.
    Failed,
    /// The user no longer attends.
    Left,
    /// The user turned reminders off since.
    Off,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Blocked => "blocked",
            Status::Failed => "failed",
            Status::Left => "left",
            Status::Off => "off",
        }
    }
}

/// Gives up on the rows of outbox `table` created before `expire_before`.
fn expire(
    table: &str,
    db: &D1Database,
    now: i64,
    expire_before: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(format!(
        "UPDATE {table} SET status = 'expired', updated_at = ?1 \
         WHERE status IN ('pending', 'sending') AND created_at < ?2"
    ))
    .bind(&[int(now), int(expire_before)])
}

/// Claims up to `limit` due rows of outbox `table` (`notifications` or
/// `notices`, which share their status columns) for the sender with
/// `token`, the oldest first; a claim older than `lease_before` is from a
/// sender that died.
fn claim_due(
    table: &str,
    db: &D1Database,
    token: &str,
    limit: u32,
    now: i64,
    lease_before: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(format!(
        "UPDATE {table} SET status = 'sending', claim = ?1, updated_at = ?2 \
         WHERE rowid IN (SELECT rowid FROM {table} \
           WHERE status = 'pending' OR (status = 'sending' AND updated_at < ?3) \
           ORDER BY created_at, rowid LIMIT ?4)"
    ))
    .bind(&[
        JsValue::from_str(token),
        int(now),
        int(lease_before),
        JsValue::from_f64(f64::from(limit)),
    ])
}

/// Records who is due for each of `due`: the event's attendees whose
/// reminders come that many minutes before (no setting: at the start), once
/// per event, attendee and occurrence (`INSERT OR IGNORE`), and gives up on
/// rows created before `expire_before`.
pub async fn enqueue(
    db: &D1Database,
    due: &[Reminder],
    now: i64,
    expire_before: i64,
) -> Result<()> {
    let mut statements = Vec::new();
    for reminder in due {
        statements.push(
            db.prepare(
                "INSERT OR IGNORE INTO notifications \
                 (event_id, telegram_id, day, status, created_at, updated_at) \
                 SELECT a.event_id, a.telegram_id, ?2, 'pending', ?4, ?4 \
                 FROM attendance a LEFT JOIN users u ON u.telegram_id = a.telegram_id \
                 WHERE a.event_id = ?1 \
                 AND (CASE WHEN u.telegram_id IS NULL THEN 0 ELSE u.reminder END) = ?3 \
                 AND a.telegram_id NOT IN (SELECT telegram_id FROM bot_blocked)",
            )
            .bind(&[
                int(reminder.event),
                JsValue::from_str(&reminder.day),
                JsValue::from_f64(f64::from(reminder.minutes)),
                int(now),
            ])?,
        );
    }
    statements.push(expire("notifications", db, now, expire_before)?);
    counters::write(statements.len() as u64);
    db.batch(statements).await?;
    Ok(())
}

/// Takes up to `limit` due rows for the run with `token` (atomically, so
/// two runs never take the same row; a claim older than `lease_before` is
/// taken to be from a run that died) and reads what sending them needs.
pub async fn claim(
    db: &D1Database,
    token: &str,
    limit: u32,
    now: i64,
    lease_before: i64,
) -> Result<Vec<Due>> {
    counters::write(1);
    counters::read(1);
    let claim = claim_due("notifications", db, token, limit, now, lease_before)?;
    let read = db
        .prepare(
            "SELECT n.event_id, n.telegram_id, n.day, \
             CAST(COALESCE(e.title, '') AS TEXT) AS title, \
             CAST(COALESCE(e.start, '') AS TEXT) AS start, \
             CAST(COALESCE(e.duration, 1) AS REAL) AS duration, \
             CAST(e.date AS TEXT) AS date, \
             CAST(COALESCE(e.repeat, 'daily') AS TEXT) AS repeat, \
             CASE WHEN u.telegram_id IS NULL THEN 0 ELSE CAST(u.reminder AS INTEGER) END AS minutes, \
             (e.id IS NOT NULL AND a.telegram_id IS NOT NULL) AS attending, \
             CAST(COALESCE(e.community_id, 0) AS INTEGER) AS community \
             FROM notifications n \
             LEFT JOIN events e ON e.id = n.event_id \
             LEFT JOIN users u ON u.telegram_id = n.telegram_id \
             LEFT JOIN attendance a ON a.event_id = n.event_id AND a.telegram_id = n.telegram_id \
             WHERE n.claim = ?1 AND n.status = 'sending' ORDER BY n.created_at",
        )
        .bind(&[JsValue::from_str(token)])?;
    let results = db.batch(vec![claim, read]).await?;
    match results.get(1) {
        Some(found) => Ok(rows(found)?
            .iter()
            .map(|row| Due {
                event_id: row.int("event_id").unwrap_or(0),
                telegram_id: row.int("telegram_id").unwrap_or(0),
                day: row.text("day").unwrap_or_default(),
                title: row.text("title").unwrap_or_default(),
                start: row.text("start").unwrap_or_default(),
                duration: row.real("duration").unwrap_or(1.0),
                date: row.text("date"),
                repeat: row.text("repeat").unwrap_or_default(),
                minutes: row.int("minutes"),
                attending: row.int("attending").unwrap_or(0),
                community: row.int("community").unwrap_or(0),
            })
            .collect()),
        None => Ok(Vec::new()),
    }
}

/// Records how sending `row` went.
pub async fn mark(db: &D1Database, row: &Due, status: Status, now: i64) -> Result<()> {
    counters::write(1);
    db.prepare(
        "UPDATE notifications SET status = ?1, updated_at = ?2 \
         WHERE event_id = ?3 AND telegram_id = ?4 AND day = ?5",
    )
    .bind(&[
        JsValue::from_str(status.as_str()),
        int(now),
        int(row.event_id),
        int(row.telegram_id),
        JsValue::from_str(&row.day),
    ])?
    .run()
    .await?;
    Ok(())
}

/// Remembers that Telegram will not deliver to `telegram_id` (403).
pub async fn block(db: &D1Database, telegram_id: i64, now: i64) -> Result<()> {
    counters::write(1);
    db.prepare("INSERT OR REPLACE INTO bot_blocked (telegram_id, since) VALUES (?1, ?2)")
        .bind(&[int(telegram_id), int(now)])?
        .run()
        .await?;
    Ok(())
}

/// Forgets that a user blocked the bot (they wrote to it again).
pub async fn unblock(db: &D1Database, telegram_id: i64) -> Result<()> {
    counters::write(1);
    db.prepare("DELETE FROM bot_blocked WHERE telegram_id = ?1")
        .bind(&[int(telegram_id)])?
        .run()
        .await?;
    Ok(())
}

/// A notice claimed for sending (`notices`: a spot opened, an event moved
/// or was cancelled).
pub struct NoticeDue {
    pub id: i64,
    pub telegram_id: i64,
    pub text: String,
}

/// Takes up to `limit` pending notices for the sender with `token` (a
/// claim older than `lease_before` is from a sender that died), oldest
/// first, and gives up on those created before `expire_before`.
pub async fn claim_notices(
    db: &D1Database,
    token: &str,
    limit: u32,
    now: i64,
    lease_before: i64,
    expire_before: i64,
) -> Result<Vec<NoticeDue>> {
    counters::write(2);
    counters::read(1);
    let expire = expire("notices", db, now, expire_before)?;
    let claim = claim_due("notices", db, token, limit, now, lease_before)?;
    let read = db
        .prepare(
            "SELECT id, CAST(telegram_id AS INTEGER) AS telegram_id, CAST(text AS TEXT) AS text \
             FROM notices WHERE claim = ?1 AND status = 'sending' ORDER BY id",
        )
        .bind(&[JsValue::from_str(token)])?;
    let results = db.batch(vec![expire, claim, read]).await?;
    match results.get(2) {
        Some(found) => Ok(rows(found)?
            .iter()
            .map(|row| NoticeDue {
                id: row.int("id").unwrap_or(0),
                telegram_id: row.int("telegram_id").unwrap_or(0),
                text: row.text("text").unwrap_or_default(),
            })
            .collect()),
        None => Ok(Vec::new()),
    }
}

/// Records how sending notice `id` went.
pub async fn mark_notice(db: &D1Database, id: i64, status: Status, now: i64) -> Result<()> {
    counters::write(1);
    db.prepare("UPDATE notices SET status = ?1, updated_at = ?2 WHERE id = ?3")
        .bind(&[JsValue::from_str(status.as_str()), int(now), int(id)])?
        .run()
        .await?;
    Ok(())
}
