//! Users: their names and pictures, operator flags, reminder and privacy
//! settings (`users`).

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int, Counted};

/// Minutes before an event starts that a user's reminders come, or `None`
/// for no reminders.
pub type Reminder = Option<u32>;

/// What D1 knows of a user at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub is_admin: bool,
    pub reminder: Reminder,
    /// Hidden from other non-admins' attendee lists.
    pub hidden: bool,
}

/// Records a login (name, username, picture, `last_seen`) and returns
/// what D1 holds of the user, in one statement.
pub async fn upsert(
    db: &D1Database,
    telegram_id: i64,
    name: &str,
    username: Option<&str>,
    photo_url: &str,
    now: i64,
) -> Result<Stored> {
    counters::write(1);
    let username = username.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let row = db
        .prepare(
            "INSERT INTO users (telegram_id, name, username, is_admin, last_seen, photo_url) \
             VALUES (?1, ?2, ?3, 0, ?4, ?5) \
             ON CONFLICT (telegram_id) DO UPDATE SET name = excluded.name, \
             username = excluded.username, last_seen = excluded.last_seen, \
             photo_url = excluded.photo_url \
             RETURNING CAST(COALESCE(is_admin, 0) AS INTEGER) AS is_admin, \
             CAST(reminder AS INTEGER) AS reminder, \
             CAST(COALESCE(hidden, 0) AS INTEGER) AS hidden",
        )
        .bind(&[
            int(telegram_id),
            JsValue::from_str(name),
            username,
            int(now),
            JsValue::from_str(photo_url),
        ])?
        .first_row()
        .await?;
    let Some(row) = row else {
        return Err("INSERT ... RETURNING gave no row".into());
    };
    Ok(Stored {
        is_admin: row.flag("is_admin"),
        reminder: row.int("reminder").and_then(|m| u32::try_from(m).ok()),
        hidden: row.flag("hidden"),
    })
}

/// Stores when `telegram_id` wants reminders.
pub async fn set_reminder(db: &D1Database, telegram_id: i64, reminder: Reminder) -> Result<()> {
    counters::write(1);
    let minutes = reminder.map_or(JsValue::NULL, |m| JsValue::from_f64(f64::from(m)));
    db.prepare(
        "INSERT INTO users (telegram_id, reminder) VALUES (?1, ?2) \
         ON CONFLICT (telegram_id) DO UPDATE SET reminder = excluded.reminder",
    )
    .bind(&[int(telegram_id), minutes])?
    .write()
    .await?;
    Ok(())
}

/// Hides `telegram_id` from other non-admins' lists (or shows them again).
pub async fn set_hidden(db: &D1Database, telegram_id: i64, hidden: bool) -> Result<()> {
    counters::write(1);
    db.prepare(
        "INSERT INTO users (telegram_id, hidden) VALUES (?1, ?2) \
         ON CONFLICT (telegram_id) DO UPDATE SET hidden = excluded.hidden",
    )
    .bind(&[
        int(telegram_id),
        JsValue::from_f64(if hidden { 1.0 } else { 0.0 }),
    ])?
    .write()
    .await?;
    Ok(())
}

/// The user's admin flag in D1 as it is now (false for an unknown user).
pub async fn admin_flag(db: &D1Database, telegram_id: i64) -> Result<bool> {
    counters::read(1);
    let row = db
        .prepare(
            "SELECT CAST(COALESCE(is_admin, 0) AS INTEGER) AS n FROM users WHERE telegram_id = ?1",
        )
        .bind(&[int(telegram_id)])?
        .first_row()
        .await?;
    Ok(row.is_some_and(|row| row.flag("n")))
}
