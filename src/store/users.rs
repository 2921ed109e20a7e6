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
    /// Their own choice of language (`None`: follow Telegram).
    pub language: Option<&'static str>,
    /// Ours for the `language_code` Telegram last sent (`None`: none, or
    /// not one of ours).
    pub telegram: Option<&'static str>,
}

impl Stored {
    /// The language they read.
    pub fn language(&self) -> &'static str {
        crate::i18n::in_force(self.language, self.telegram)
    }
}

/// Records a login (name, username, picture, Telegram's language code,
/// `last_seen`) and returns what D1 holds of the user, in one statement.
pub async fn upsert(
    db: &D1Database,
    telegram_id: i64,
    name: &str,
    username: Option<&str>,
    photo_url: &str,
    language_code: Option<&str>,
    now: i64,
) -> Result<Stored> {
    counters::write(1);
    let username = username.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let code = language_code
        .and_then(crate::i18n::clean_code)
        .map_or(JsValue::NULL, |c| JsValue::from_str(&c));
    let row = db
        .prepare(
            "INSERT INTO users (telegram_id, name, username, is_admin, last_seen, photo_url, \
             telegram_language) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6) \
             ON CONFLICT (telegram_id) DO UPDATE SET name = excluded.name, \
             username = excluded.username, last_seen = excluded.last_seen, \
             photo_url = excluded.photo_url, \
             telegram_language = COALESCE(excluded.telegram_language, telegram_language) \
             RETURNING CAST(COALESCE(is_admin, 0) AS INTEGER) AS is_admin, \
             CAST(reminder AS INTEGER) AS reminder, \
             CAST(COALESCE(hidden, 0) AS INTEGER) AS hidden, \
             CAST(COALESCE(language, '') AS TEXT) AS language, \
             CAST(COALESCE(telegram_language, '') AS TEXT) AS telegram_language",
        )
        .bind(&[
            int(telegram_id),
            JsValue::from_str(name),
            username,
            int(now),
            JsValue::from_str(photo_url),
            code,
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
        language: row
            .text("language")
            .as_deref()
            .and_then(crate::i18n::of_code),
        telegram: row
            .text("telegram_language")
            .as_deref()
            .and_then(crate::i18n::of_code),
    })
}

/// Stores when `telegram_id` wants reminders.
pub async fn set_reminder(db: &D1Database, telegram_id: i64, reminder: Reminder) -> Result<()> {
    let minutes = reminder.map_or(JsValue::NULL, |m| JsValue::from_f64(f64::from(m)));
    set(db, telegram_id, "reminder", minutes).await
}

/// Sets one of a user's own columns (the row made when there is none).
async fn set(
    db: &D1Database,
    telegram_id: i64,
    column: &'static str,
    value: JsValue,
) -> Result<()> {
    counters::write(1);
    db.prepare(format!(
        "INSERT INTO users (telegram_id, {column}) VALUES (?1, ?2) \
         ON CONFLICT (telegram_id) DO UPDATE SET {column} = excluded.{column}"
    ))
    .bind(&[int(telegram_id), value])?
    .write()
    .await?;
    Ok(())
}

/// A user's own choice of language (`None`: follow Telegram).
pub async fn set_language(db: &D1Database, telegram_id: i64, language: Option<&str>) -> Result<()> {
    let value = language.map_or(JsValue::NULL, JsValue::from_str);
    set(db, telegram_id, "language", value).await
}

/// The language `telegram_id` reads (`crate::i18n::in_force`).
pub async fn language_of(db: &D1Database, telegram_id: i64) -> Result<&'static str> {
    counters::read(1);
    let row = db
        .prepare(
            "SELECT CAST(COALESCE(language, '') AS TEXT) AS language, \
             CAST(COALESCE(telegram_language, '') AS TEXT) AS telegram_language \
             FROM users WHERE telegram_id = ?1",
        )
        .bind(&[int(telegram_id)])?
        .first_row()
        .await?;
    Ok(crate::i18n::in_force(
        row.as_ref().and_then(|r| r.text("language")).as_deref(),
        row.as_ref()
            .and_then(|r| r.text("telegram_language"))
            .as_deref(),
    ))
}

/// Records the `language_code` a webhook update's `from` carried.
pub async fn saw_language(db: &D1Database, telegram_id: i64, code: &str) -> Result<()> {
    let Some(code) = crate::i18n::clean_code(code) else {
        return Ok(());
    };
    set(
        db,
        telegram_id,
        "telegram_language",
        JsValue::from_str(&code),
    )
    .await
}

/// Hides `telegram_id` from other non-admins' lists (or shows them again).
pub async fn set_hidden(db: &D1Database, telegram_id: i64, hidden: bool) -> Result<()> {
    let value = JsValue::from_f64(if hidden { 1.0 } else { 0.0 });
    set(db, telegram_id, "hidden", value).await
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
