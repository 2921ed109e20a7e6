//! Events and attendance.
//!
//! An event's date, repeat and location (part two) are in `event_dates`,
//! keyed by the event: `ALTER TABLE` is not idempotent, and `schema.sql`
//! must be. An event without a row there is what the seed's rows are: a
//! daily event with no location.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int};
use crate::calendar::{Day, Repeat};
use crate::catalog::{Catalog, Event};
use crate::validate;

#[derive(Deserialize)]
struct EventRow {
    id: i64,
    title: String,
    description: String,
    image: String,
    start: String,
    duration: f64,
    date: Option<String>,
    repeat: String,
    location: String,
}

#[derive(Deserialize)]
struct AttendanceRow {
    event_id: i64,
    telegram_id: i64,
}

/// The columns of `events e LEFT JOIN event_dates d`, cast to the types
/// [`EventRow`] expects.
const EVENT_COLUMNS: &str = "e.id AS id, CAST(COALESCE(e.title, '') AS TEXT) AS title, \
     CAST(COALESCE(e.description, '') AS TEXT) AS description, \
     CAST(COALESCE(e.image, '') AS TEXT) AS image, \
     CAST(COALESCE(e.start, '') AS TEXT) AS start, \
     CAST(COALESCE(e.duration, 1) AS REAL) AS duration, \
     CAST(d.date AS TEXT) AS date, \
     CAST(COALESCE(d.repeat, 'daily') AS TEXT) AS repeat, \
     CAST(COALESCE(d.location, '') AS TEXT) AS location";

/// Events with their dates.
const EVENTS: &str = "events e LEFT JOIN event_dates d ON d.event_id = e.id";

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Event {
        Event {
            id: row.id,
            title: row.title,
            description: row.description,
            image: row.image,
            // Rows written by hand may say "9:00"; order needs "09:00".
            start: validate::normalize_start(&row.start).unwrap_or(row.start),
            duration: row.duration,
            date: row.date.as_deref().and_then(Day::parse),
            // A repeat that is not ours reads as the seed's meaning.
            repeat: Repeat::parse(&row.repeat).unwrap_or(Repeat::Daily),
            location: row.location,
            attendees: Default::default(),
            revision: 0,
        }
    }
}

/// Reads every event and every attendance in one round trip.
pub async fn load_catalog(db: &D1Database) -> Result<Catalog> {
    counters::read(2);
    let events = db.prepare(format!("SELECT {EVENT_COLUMNS} FROM {EVENTS}"));
    let attendance = db.prepare(
        "SELECT CAST(event_id AS INTEGER) AS event_id, \
         CAST(telegram_id AS INTEGER) AS telegram_id FROM attendance",
    );
    let results = db.batch(vec![events, attendance]).await?;
    let [events, attendance] = results.as_slice() else {
        return Err("D1 batch returned an unexpected number of results".into());
    };
    let events = events
        .results::<EventRow>()?
        .into_iter()
        .map(Event::from)
        .collect();
    let attendance = attendance
        .results::<AttendanceRow>()?
        .into_iter()
        .map(|row| (row.event_id, row.telegram_id));
    Ok(Catalog::new(events, attendance))
}

/// One event, without attendees (for the bot, which does not go through the hub).
pub async fn event(db: &D1Database, id: i64) -> Result<Option<Event>> {
    counters::read(1);
    let row = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} WHERE e.id = ?1"
        ))
        .bind(&[int(id)])?
        .first::<EventRow>(None)
        .await?;
    Ok(row.map(Event::from))
}

/// Up to `limit` events whose title or description contains `text`
/// (ASCII letters case-insensitively), searched across all events.
pub async fn search_events(db: &D1Database, text: &str, limit: usize) -> Result<Vec<Event>> {
    counters::read(1);
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} \
             WHERE e.title LIKE ?1 ESCAPE '\\' OR e.description LIKE ?1 ESCAPE '\\' \
             ORDER BY e.start, e.id LIMIT ?2"
        ))
        .bind(&[JsValue::from_str(&pattern), JsValue::from_f64(limit as f64)])?
        .all()
        .await?
        .results::<EventRow>()?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// The events `telegram_id` attends, with their dates (for their calendar
/// feed).
pub async fn attended_by(db: &D1Database, telegram_id: i64) -> Result<Vec<Event>> {
    counters::read(1);
    let rows = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} \
             WHERE e.id IN (SELECT event_id FROM attendance WHERE telegram_id = ?1) ORDER BY e.id"
        ))
        .bind(&[int(telegram_id)])?
        .all()
        .await?
        .results::<EventRow>()?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// Every event with its dates, without attendees (for the bot's listings
/// and the reminder cron, which work out occurrences themselves).
pub async fn all_events(db: &D1Database) -> Result<Vec<Event>> {
    counters::read(1);
    let rows = db
        .prepare(format!("SELECT {EVENT_COLUMNS} FROM {EVENTS}"))
        .all()
        .await?
        .results::<EventRow>()?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// One user's attendance of one event, to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attendance {
    pub event: i64,
    pub user: i64,
    pub going: bool,
}

/// Stores attendance changes in one batch (one transaction). An attend of
/// an event that is gone by now writes nothing, so no attendance outlives
/// its event.
pub async fn write_attendance(db: &D1Database, changes: &[Attendance]) -> Result<()> {
    counters::write(changes.len() as u64);
    let mut statements = Vec::with_capacity(changes.len());
    for change in changes {
        let sql = match change.going {
            true => {
                "INSERT OR IGNORE INTO attendance (event_id, telegram_id) \
                 SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1)"
            }
            false => "DELETE FROM attendance WHERE event_id = ?1 AND telegram_id = ?2",
        };
        statements.push(
            db.prepare(sql)
                .bind(&[int(change.event), int(change.user)])?,
        );
    }
    db.batch(statements).await?;
    Ok(())
}

#[derive(Deserialize)]
struct NewId {
    id: i64,
}

/// An event's stored fields, bound as ?1..?5 (title, description, image,
/// start, duration).
fn event_fields(event: &Event) -> [JsValue; 5] {
    [
        JsValue::from_str(&event.title),
        JsValue::from_str(&event.description),
        JsValue::from_str(&event.image),
        JsValue::from_str(&event.start),
        JsValue::from_f64(event.duration),
    ]
}

/// An event's date, repeat and location, bound as ?2..?4.
fn date_fields(event: &Event) -> [JsValue; 3] {
    [
        event
            .date
            .map(|d| JsValue::from_str(&d.to_string()))
            .unwrap_or(JsValue::NULL),
        JsValue::from_str(event.repeat.as_str()),
        JsValue::from_str(&event.location),
    ]
}

/// Stores a new event and its dates in one batch (one transaction) and
/// returns the id D1 gave it.
pub async fn insert_event(db: &D1Database, event: &Event) -> Result<i64> {
    counters::write(2);
    let insert = db
        .prepare(
            "INSERT INTO events (title, description, image, start, duration) \
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )
        .bind(&event_fields(event))?;
    let dates = db
        .prepare(
            "INSERT INTO event_dates (event_id, date, repeat, location) \
             VALUES (last_insert_rowid(), ?1, ?2, ?3)",
        )
        .bind(&date_fields(event))?;
    let results = db.batch(vec![insert, dates]).await?;
    let row = match results.first() {
        Some(result) => result.results::<NewId>()?.into_iter().next(),
        None => None,
    };
    row.map(|row| row.id)
        .ok_or_else(|| "INSERT ... RETURNING gave no row".into())
}

/// Stores an event's new fields and dates in one batch. `false` when the
/// event is gone from D1.
pub async fn update_event(db: &D1Database, event: &Event) -> Result<bool> {
    counters::write(2);
    let update = db
        .prepare(
            "UPDATE events SET title = ?1, description = ?2, image = ?3, start = ?4, \
             duration = ?5 WHERE id = ?6 RETURNING id",
        )
        .bind(&[event_fields(event).as_slice(), &[int(event.id)]].concat())?;
    let dates = db
        .prepare(
            "INSERT INTO event_dates (event_id, date, repeat, location) \
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1) \
             ON CONFLICT (event_id) DO UPDATE SET date = excluded.date, \
             repeat = excluded.repeat, location = excluded.location",
        )
        .bind(&[&[int(event.id)], date_fields(event).as_slice()].concat())?;
    let results = db.batch(vec![update, dates]).await?;
    let updated = match results.first() {
        Some(result) => !result.results::<NewId>()?.is_empty(),
        None => false,
    };
    Ok(updated)
}

/// Removes an event, its dates and its attendance in one batch (one
/// transaction).
pub async fn delete_event(db: &D1Database, id: i64) -> Result<()> {
    counters::write(3);
    let mut statements = Vec::new();
    for table in ["attendance", "event_dates"] {
        statements.push(
            db.prepare(format!("DELETE FROM {table} WHERE event_id = ?1"))
                .bind(&[int(id)])?,
        );
    }
    statements.push(
        db.prepare("DELETE FROM events WHERE id = ?1")
            .bind(&[int(id)])?,
    );
    db.batch(statements).await?;
    Ok(())
}
