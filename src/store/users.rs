//! Users: their names and admin flags.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int};

#[derive(Deserialize)]
struct AdminFlag {
    is_admin: i64,
}

/// Records a login and returns the user's admin flag from D1.
pub async fn upsert(
    db: &D1Database,
    telegram_id: i64,
    name: &str,
    username: Option<&str>,
    now: i64,
) -> Result<bool> {
    counters::write(1);
    let username = username.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    let row = db
        .prepare(
            "INSERT INTO users (telegram_id, name, username, is_admin, last_seen) \
             VALUES (?1, ?2, ?3, 0, ?4) \
             ON CONFLICT (telegram_id) DO UPDATE SET name = excluded.name, \
             username = excluded.username, last_seen = excluded.last_seen \
             RETURNING CAST(COALESCE(is_admin, 0) AS INTEGER) AS is_admin",
        )
        .bind(&[
            int(telegram_id),
            JsValue::from_str(name),
            username,
            int(now),
        ])?
        .first::<AdminFlag>(None)
        .await?;
    Ok(row.is_some_and(|row| row.is_admin != 0))
}

/// The user's admin flag in D1 as it is now (false for an unknown user).
pub async fn admin_flag(db: &D1Database, telegram_id: i64) -> Result<bool> {
    counters::read(1);
    let row = db
        .prepare("SELECT CAST(COALESCE(is_admin, 0) AS INTEGER) AS is_admin FROM users WHERE telegram_id = ?1")
        .bind(&[int(telegram_id)])?
        .first::<AdminFlag>(None)
        .await?;
    Ok(row.is_some_and(|row| row.is_admin != 0))
}
