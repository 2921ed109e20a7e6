//! Users: their names, admin flags and reminder settings.

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int, Number};

/// Minutes before an event starts that a user's reminders come, or `None`
/// for no reminders.
pub type Reminder = Option<u32>;

/// The reminder of a user who never chose: at the start.
pub const DEFAULT_REMINDER: Reminder = Some(0);

/// What D1 knows of a user at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub is_admin: bool,
    pub reminder: Reminder,
    /// Hidden from other non-admins' attendee lists.
    pub hidden: bool,
}

/// Records a login and returns what D1 holds of the user (one batch).
pub async fn upsert(
    db: &D1Database,
    telegram_id: i64,
    name: &str,
    username: Option<&str>,
    photo_url: &str,
    now: i64,
) -> Result<Stored> {
    counters::write(2);
    counters::read(1);
    let username = username.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let upsert = db
        .prepare(
            "INSERT INTO users (telegram_id, name, username, is_admin, last_seen) \
             VALUES (?1, ?2, ?3, 0, ?4) \
             ON CONFLICT (telegram_id) DO UPDATE SET name = excluded.name, \
             username = excluded.username, last_seen = excluded.last_seen \
             RETURNING CAST(COALESCE(is_admin, 0) AS INTEGER) AS n",
        )
        .bind(&[
            int(telegram_id),
            JsValue::from_str(name),
            username,
            int(now),
        ])?;
    let reminder = db
        .prepare("SELECT CAST(minutes AS INTEGER) AS n FROM user_reminders WHERE telegram_id = ?1")
        .bind(&[int(telegram_id)])?;
    let profile = db
        .prepare(
            "INSERT INTO user_profiles (telegram_id, photo_url) VALUES (?1, ?2) \
             ON CONFLICT (telegram_id) DO UPDATE SET photo_url = excluded.photo_url \
             RETURNING CAST(COALESCE(hidden, 0) AS INTEGER) AS n",
        )
        .bind(&[int(telegram_id), JsValue::from_str(photo_url)])?;
    let results = db.batch(vec![upsert, reminder, profile]).await?;
    let [upserted, reminder, profile] = results.as_slice() else {
        return Err("D1 batch returned an unexpected number of results".into());
    };
    let is_admin = upserted
        .results::<Number>()?
        .first()
        .is_some_and(|row| row.n.unwrap_or(0) != 0);
    let reminder = match reminder.results::<Number>()?.first() {
        None => DEFAULT_REMINDER,
        Some(row) => row.n.and_then(|m| u32::try_from(m).ok()),
    };
    let hidden = profile
        .results::<Number>()?
        .first()
        .is_some_and(|row| row.n.unwrap_or(0) != 0);
    Ok(Stored {
        is_admin,
        reminder,
        hidden,
    })
}

/// Stores when `telegram_id` wants reminders.
pub async fn set_reminder(db: &D1Database, telegram_id: i64, reminder: Reminder) -> Result<()> {
    counters::write(1);
    let minutes = reminder.map_or(JsValue::NULL, |m| JsValue::from_f64(f64::from(m)));
    db.prepare(
        "INSERT INTO user_reminders (telegram_id, minutes) VALUES (?1, ?2) \
         ON CONFLICT (telegram_id) DO UPDATE SET minutes = excluded.minutes",
    )
    .bind(&[int(telegram_id), minutes])?
    .run()
    .await?;
    Ok(())
}

/// The user's admin flag in D1 as it is now (false for an unknown user).
/// Hides `telegram_id` from other non-admins' lists (or shows them again).
pub async fn set_hidden(db: &D1Database, telegram_id: i64, hidden: bool) -> Result<()> {
    counters::write(1);
    db.prepare(
        "INSERT INTO user_profiles (telegram_id, hidden) VALUES (?1, ?2) \
         ON CONFLICT (telegram_id) DO UPDATE SET hidden = excluded.hidden",
    )
    .bind(&[
        int(telegram_id),
        JsValue::from_f64(if hidden { 1.0 } else { 0.0 }),
    ])?
    .run()
    .await?;
    Ok(())
}

pub async fn admin_flag(db: &D1Database, telegram_id: i64) -> Result<bool> {
    counters::read(1);
    let row = db
        .prepare(
            "SELECT CAST(COALESCE(is_admin, 0) AS INTEGER) AS n FROM users WHERE telegram_id = ?1",
        )
        .bind(&[int(telegram_id)])?
        .first::<Number>(None)
        .await?;
    Ok(row.is_some_and(|row| row.n.unwrap_or(0) != 0))
}
