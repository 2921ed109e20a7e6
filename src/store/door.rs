//! Check-ins (`checkins`): one row per person and occurrence they were
//! checked in for, with the guests who came, when, and by which host.
//! Rows outlive their occurrence (what a list shows after the event comes
//! from them); they go with their event.

use worker::{D1Database, D1PreparedStatement, D1Result, Result};

use super::{counters, int, rows, Counted};
use crate::door::{Change, CheckIn};

/// The statement reading community `community`'s check-ins of
/// occurrences that started after `since`.
pub fn load_statement(db: &D1Database, community: i64, since: i64) -> Result<D1PreparedStatement> {
    counters::read(1);
    db.prepare(
        "SELECT CAST(event_id AS INTEGER) AS event_id, CAST(telegram_id AS INTEGER) AS telegram_id, \
         CAST(occurrence AS INTEGER) AS occurrence, CAST(COALESCE(guests, 0) AS INTEGER) AS guests, \
         CAST(at AS INTEGER) AS at FROM checkins \
         WHERE event_id IN (SELECT id FROM events WHERE community_id = ?1) AND occurrence > ?2 \
         ORDER BY occurrence",
    )
    .bind(&[int(community), int(since)])
}

/// Reads the result of [`load_statement`]: `(event, check-in)`.
pub fn read_loaded(result: &D1Result) -> Result<Vec<(i64, CheckIn)>> {
    Ok(rows(result)?
        .iter()
        .map(|row| {
            (
                row.int("event_id").unwrap_or(0),
                CheckIn {
                    user: row.int("telegram_id").unwrap_or(0),
                    occurrence: row.int("occurrence").unwrap_or(0),
                    guests: super::seats::guests_of(row.int("guests").unwrap_or(0)),
                    at: row.int("at").unwrap_or(0),
                },
            )
        })
        .collect())
}

/// Stores a check-in change of event `event` made by `host`. A change for
/// an event that is gone writes nothing.
pub async fn write(db: &D1Database, event: i64, host: i64, change: Change) -> Result<()> {
    let statement = match change {
        Change::Nothing => return Ok(()),
        Change::Insert(c) => db
            .prepare(
                "INSERT OR REPLACE INTO checkins (event_id, telegram_id, occurrence, guests, at, host_id) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1)",
            )
            .bind(&[
                int(event),
                int(c.user),
                int(c.occurrence),
                int(i64::from(c.guests)),
                int(c.at),
                int(host),
            ])?,
        Change::Raise(c) => db
            .prepare(
                "UPDATE checkins SET guests = ?4 \
                 WHERE event_id = ?1 AND telegram_id = ?2 AND occurrence = ?3",
            )
            .bind(&[
                int(event),
                int(c.user),
                int(c.occurrence),
                int(i64::from(c.guests)),
            ])?,
        Change::Remove(c) => db
            .prepare(
                "DELETE FROM checkins WHERE event_id = ?1 AND telegram_id = ?2 AND occurrence = ?3",
            )
            .bind(&[int(event), int(c.user), int(c.occurrence)])?,
    };
    counters::write(1);
    statement.write().await?;
    Ok(())
}

/// The check-ins of event `event`'s occurrence starting at `occurrence`.
pub async fn of_occurrence(db: &D1Database, event: i64, occurrence: i64) -> Result<Vec<CheckIn>> {
    counters::read(1);
    let result = db
        .prepare(
            "SELECT CAST(event_id AS INTEGER) AS event_id, CAST(telegram_id AS INTEGER) AS telegram_id, \
             CAST(occurrence AS INTEGER) AS occurrence, CAST(COALESCE(guests, 0) AS INTEGER) AS guests, \
             CAST(at AS INTEGER) AS at FROM checkins WHERE event_id = ?1 AND occurrence = ?2",
        )
        .bind(&[int(event), int(occurrence)])?
        .rows_all()
        .await?;
    Ok(read_loaded(&result)?.into_iter().map(|(_, c)| c).collect())
}
