//! The every-minute cron: "<title> is starting!" to each attendee of each
//! event that starts now in `TIMEZONE`.
//!
//! Each run first records who is due (one `notifications` row per event,
//! attendee and day; `INSERT OR IGNORE` makes a second or late run add
//! nothing new), then claims due rows with a token and sends. A row is
//! marked `sent` right after Telegram accepts the message. A run that dies
//! between the two leaves its claimed rows in `sending`; after the lease
//! they are claimed and sent again, so a reminder goes out at least once
//! and repeats only in that case (see README).

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use wasm_bindgen::JsValue;
use worker::{console_error, console_log, D1Database, Date, Delay, Env, Result};

use crate::bot::BotApi;
use crate::clock::Clock;
use crate::store::int;
use crate::telegram::{starting_text, ApiReply};

/// Events that started this many minutes ago are still announced, so a
/// late or skipped cron run loses nothing.
const WINDOW_MINUTES: u32 = 5;
/// A claim older than this is taken to be from a run that died.
const LEASE_SECONDS: i64 = 120;
/// Rows not sent within this long are too late to be useful.
const EXPIRE_SECONDS: i64 = 30 * 60;
/// Telegram allows about 30 messages a second; we stay at 25.
const PAUSE_BETWEEN_SENDS: Duration = Duration::from_millis(40);
/// Longest `retry_after` we wait for inside one run.
const MAX_RETRY_WAIT_SECONDS: u64 = 30;
/// Bot API calls per run when `REMINDERS_PER_RUN` is not set: within the
/// free plan's 50 subrequests per invocation, with room for the D1 queries.
const DEFAULT_SENDS_PER_RUN: u32 = 20;

pub async fn run(env: &Env) {
    if let Err(error) = send_due(env).await {
        console_error!("reminders: {error}");
    }
}

#[derive(Deserialize)]
struct Due {
    event_id: i64,
    telegram_id: i64,
    day: String,
    title: String,
    attending: i64,
}

async fn send_due(env: &Env) -> Result<()> {
    let config = crate::config_from_env(env);
    if config.bot_token.is_empty() {
        return Ok(());
    }
    let clock = match Clock::new(&config.timezone) {
        Ok(clock) => clock,
        Err(error) => {
            console_error!("{error}; using UTC");
            Clock::new("UTC")?
        }
    };
    let budget_setting = env
        .var("REMINDERS_PER_RUN")
        .ok()
        .and_then(|v| v.to_string().trim().parse::<u32>().ok());
    let mut budget = budget_setting.unwrap_or(DEFAULT_SENDS_PER_RUN);
    let now_ms = Date::now().as_millis() as f64;
    let now = (now_ms / 1000.0) as i64;
    let db = env.d1("DB")?;

    enqueue(&db, &clock, now_ms, now).await?;

    let api = BotApi::new(&config);
    let token = format!("{now}-{}", worker::js_sys::Math::random());
    let (mut sent, mut skipped) = (0, 0);
    'claims: while budget > 0 {
        let due = claim(&db, &token, budget, now).await?;
        if due.is_empty() {
            break;
        }
        let mut rows = due.iter();
        while let Some(row) = rows.next() {
            if row.attending == 0 {
                mark(&db, row, "left", now).await?;
                skipped += 1;
                continue;
            }
            let body = json!({"chat_id": row.telegram_id, "text": starting_text(&row.title)});
            loop {
                if budget == 0 {
                    // Out of calls: what is left goes back for the next run.
                    for rest in std::iter::once(row).chain(rows) {
                        mark(&db, rest, "pending", now).await?;
                    }
                    break 'claims;
                }
                budget -= 1;
                match api.call("sendMessage", &body).await {
                    Ok(ApiReply::Ok) => {
                        mark(&db, row, "sent", now).await?;
                        sent += 1;
                    }
                    Ok(ApiReply::RetryAfter(seconds)) => {
                        let wait = seconds.clamp(1, MAX_RETRY_WAIT_SECONDS);
                        Delay::from(Duration::from_secs(wait)).await;
                        continue;
                    }
                    Ok(ApiReply::Forbidden) => {
                        mark(&db, row, "blocked", now).await?;
                        block(&db, row.telegram_id, now).await?;
                    }
                    Ok(ApiReply::Failed(_)) => mark(&db, row, "failed", now).await?,
                    Err(error) => {
                        console_error!("sending a reminder failed: {error}");
                        mark(&db, row, "pending", now).await?;
                    }
                }
                break;
            }
            Delay::from(PAUSE_BETWEEN_SENDS).await;
        }
    }
    if sent + skipped > 0 {
        console_log!("reminders: {sent} sent, {skipped} no longer attending");
    }
    Ok(())
}

/// Records who is due for events that started in the last few minutes,
/// and gives up on rows that are too old.
async fn enqueue(db: &D1Database, clock: &Clock, now_ms: f64, now: i64) -> Result<()> {
    let mut statements = Vec::new();
    for minutes_ago in 0..WINDOW_MINUTES {
        let Some(minute) = clock.minute_at(now_ms - f64::from(minutes_ago) * 60_000.0) else {
            continue;
        };
        statements.push(
            db.prepare(
                "INSERT OR IGNORE INTO notifications \
                 (event_id, telegram_id, day, status, created_at, updated_at) \
                 SELECT a.event_id, a.telegram_id, ?1, 'pending', ?3, ?3 \
                 FROM attendance a JOIN events e ON e.id = a.event_id \
                 WHERE e.start = ?2 \
                 AND a.telegram_id NOT IN (SELECT telegram_id FROM bot_blocked)",
            )
            .bind(&[
                JsValue::from_str(&minute.day),
                JsValue::from_str(&minute.time),
                int(now),
            ])?,
        );
    }
    statements.push(
        db.prepare(
            "UPDATE notifications SET status = 'expired', updated_at = ?1 \
             WHERE status IN ('pending', 'sending') AND created_at < ?2",
        )
        .bind(&[int(now), int(now - EXPIRE_SECONDS)])?,
    );
    db.batch(statements).await?;
    Ok(())
}

/// Takes up to `limit` due rows for this run (atomically, so two runs never
/// take the same row) and reads what sending them needs.
async fn claim(db: &D1Database, token: &str, limit: u32, now: i64) -> Result<Vec<Due>> {
    let claim = db
        .prepare(
            "UPDATE notifications SET status = 'sending', claim = ?1, updated_at = ?2 \
             WHERE rowid IN (SELECT rowid FROM notifications \
               WHERE status = 'pending' OR (status = 'sending' AND updated_at < ?3) \
               ORDER BY created_at LIMIT ?4)",
        )
        .bind(&[
            JsValue::from_str(token),
            int(now),
            int(now - LEASE_SECONDS),
            JsValue::from_f64(f64::from(limit)),
        ])?;
    let read = db
        .prepare(
            "SELECT n.event_id, n.telegram_id, n.day, \
             CAST(COALESCE(e.title, '') AS TEXT) AS title, \
             (e.id IS NOT NULL AND a.telegram_id IS NOT NULL) AS attending \
             FROM notifications n \
             LEFT JOIN events e ON e.id = n.event_id \
             LEFT JOIN attendance a ON a.event_id = n.event_id AND a.telegram_id = n.telegram_id \
             WHERE n.claim = ?1 AND n.status = 'sending' ORDER BY n.created_at",
        )
        .bind(&[JsValue::from_str(token)])?;
    let results = db.batch(vec![claim, read]).await?;
    match results.get(1) {
        Some(rows) => rows.results::<Due>(),
        None => Ok(Vec::new()),
    }
}

async fn mark(db: &D1Database, row: &Due, status: &str, now: i64) -> Result<()> {
    db.prepare(
        "UPDATE notifications SET status = ?1, updated_at = ?2 \
         WHERE event_id = ?3 AND telegram_id = ?4 AND day = ?5",
    )
    .bind(&[
        JsValue::from_str(status),
        int(now),
        int(row.event_id),
        int(row.telegram_id),
        JsValue::from_str(&row.day),
    ])?
    .run()
    .await?;
    Ok(())
}

async fn block(db: &D1Database, telegram_id: i64, now: i64) -> Result<()> {
    db.prepare("INSERT OR REPLACE INTO bot_blocked (telegram_id, since) VALUES (?1, ?2)")
        .bind(&[int(telegram_id), int(now)])?
        .run()
        .await?;
    Ok(())
}
