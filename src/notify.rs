//! The every-minute cron: reminders to each attendee of each occurrence,
//! at the lead time they chose (`reminders.rs` says which are due and what
//! they say), in the event's zone; then the notices of changes
//! (`notices.rs`) that the hub could not send at once.
//!
//! Each run first records who is due (one `notifications` row per event,
//! attendee and occurrence; `INSERT OR IGNORE` makes a second or late run
//! add nothing new), then claims due rows with a token and sends. A row is
//! marked `sent` right after Telegram accepts the message. A run that dies
//! between the two leaves its claimed rows in `sending`; after the lease
//! they are claimed and sent again, so a reminder goes out at least once
//! and repeats only in that case (see README).

use std::time::Duration;

use serde_json::json;
use worker::{console_error, console_log, Delay, Env, Result};

use crate::bot::api::{ApiReply, BotApi};
use crate::bot::texts;
use crate::calendar::{Day, Repeat, Schedule};
use crate::clock::{IntlZone, Zones};
use crate::config::Config;
use crate::reminders;
use crate::store;
use crate::store::outbox::{self, Due, Status};

/// A claim older than this is taken to be from a run that died.
const LEASE_SECONDS: i64 = 120;
/// Rows not sent within this long are too late to be useful.
const EXPIRE_SECONDS: i64 = 30 * 60;
/// Telegram allows about 30 messages a second; we stay at 25.
const PAUSE_BETWEEN_SENDS: Duration = Duration::from_millis(40);
/// Longest `retry_after` we wait for inside one run.
const MAX_RETRY_WAIT_SECONDS: u64 = 30;

pub async fn run(env: &Env) {
    if let Err(error) = send_due(env).await {
        console_error!("reminders: {error}");
    }
    let config = crate::config_from_env(env);
    if let Err(error) = send_notices(env, &config, config.reminders_per_run).await {
        console_error!("notices: {error}");
    }
}

/// Sends the notices just queued (from the hub, right after the change
/// that queued them), within a small budget; the cron sends the rest.
pub async fn send_notices_now(env: &Env, config: &Config) {
    if let Err(error) = send_notices(env, config, NOTICES_AT_ONCE).await {
        console_error!("notices: {error}");
    }
}

/// Notices the hub sends at once after a change; more wait for the cron.
const NOTICES_AT_ONCE: u32 = 20;
/// Notices not sent within this long are dropped.
const NOTICE_EXPIRE_SECONDS: i64 = 24 * 3600;

/// How one message went.
enum Sent {
    Yes,
    Blocked,
    Refused,
    /// Not sent (the network, or out of budget): try again later.
    Later,
}

/// Sends `text` to `chat`, waiting out a 429 as Telegram asks, spending
/// one call of `budget` per try.
async fn send_one(api: &BotApi, chat: i64, text: &str, budget: &mut u32) -> Sent {
    let body = json!({"chat_id": chat, "text": text});
    loop {
        if *budget == 0 {
            return Sent::Later;
        }
        *budget -= 1;
        match api.call("sendMessage", &body).await {
            Ok(ApiReply::Ok) => return Sent::Yes,
            Ok(ApiReply::RetryAfter(seconds)) => {
                let wait = seconds.clamp(1, MAX_RETRY_WAIT_SECONDS);
                Delay::from(Duration::from_secs(wait)).await;
            }
            Ok(ApiReply::Forbidden) => return Sent::Blocked,
            Ok(ApiReply::Failed(_)) => return Sent::Refused,
            Err(error) => {
                console_error!("sending a message failed: {error}");
                return Sent::Later;
            }
        }
    }
}

async fn send_notices(env: &Env, config: &Config, mut budget: u32) -> Result<()> {
    if config.bot_token.is_empty() {
        return Ok(());
    }
    let db = store::open(env).await?;
    let api = BotApi::new(config);
    let now = config.clock.now();
    let token = format!("n{now}-{}", worker::js_sys::Math::random());
    let due = outbox::claim_notices(
        &db,
        &token,
        budget,
        now,
        now - LEASE_SECONDS,
        now - NOTICE_EXPIRE_SECONDS,
    )
    .await?;
    for notice in &due {
        let status = match send_one(&api, notice.telegram_id, &notice.text, &mut budget).await {
            Sent::Yes => Status::Sent,
            Sent::Blocked => {
                outbox::block(&db, notice.telegram_id, now).await?;
                Status::Blocked
            }
            Sent::Refused => Status::Failed,
            Sent::Later => Status::Pending,
        };
        outbox::mark_notice(&db, notice.id, status, now).await?;
        Delay::from(PAUSE_BETWEEN_SENDS).await;
    }
    Ok(())
}

async fn send_due(env: &Env) -> Result<()> {
    let config = crate::config_from_env(env);
    if config.bot_token.is_empty() {
        return Ok(());
    }
    let mut budget = config.reminders_per_run;
    let now = config.clock.now();
    let db = store::open(env).await?;

    // Each community's events in its own zone (the default one's in
    // TIMEZONE).
    let groups = store::communities::all(&db).await?;
    let zones = Zones::new(
        &config.timezone,
        groups.iter().map(|c| (c.id, c.timezone.as_str())),
    );
    let all = store::events::all(&db).await?;
    let mut due = Vec::new();
    for (community, zone) in zones.all() {
        let events: Vec<(i64, Schedule)> = all
            .iter()
            .filter(|e| e.community == community)
            .map(|event| (event.id, event.schedule()))
            .collect();
        due.extend(reminders::due(&events, zone, now));
    }
    outbox::enqueue(&db, &due, now, now - EXPIRE_SECONDS).await?;

    let api = BotApi::new(&config);
    let token = format!("{now}-{}", worker::js_sys::Math::random());
    let (mut sent, mut skipped) = (0, 0);
    'claims: while budget > 0 {
        let due = outbox::claim(&db, &token, budget, now, now - LEASE_SECONDS).await?;
        if due.is_empty() {
            break;
        }
        let mut rows = due.iter();
        while let Some(row) = rows.next() {
            if row.attending == 0 {
                outbox::mark(&db, row, Status::Left, now).await?;
                skipped += 1;
                continue;
            }
            let Some(text) = message(row, zones.of(row.community)) else {
                outbox::mark(&db, row, Status::Off, now).await?;
                skipped += 1;
                continue;
            };
            if budget == 0 {
                // Out of calls: what is left goes back for the next run.
                for rest in std::iter::once(row).chain(rows) {
                    outbox::mark(&db, rest, Status::Pending, now).await?;
                }
                break 'claims;
            }
            match send_one(&api, row.telegram_id, &text, &mut budget).await {
                Sent::Yes => {
                    outbox::mark(&db, row, Status::Sent, now).await?;
                    sent += 1;
                }
                Sent::Blocked => {
                    outbox::mark(&db, row, Status::Blocked, now).await?;
                    outbox::block(&db, row.telegram_id, now).await?;
                }
                Sent::Refused => outbox::mark(&db, row, Status::Failed, now).await?,
                Sent::Later => outbox::mark(&db, row, Status::Pending, now).await?,
            }
            Delay::from(PAUSE_BETWEEN_SENDS).await;
        }
    }
    if sent + skipped > 0 {
        console_log!("reminders: {sent} sent, {skipped} no longer attending or turned off");
    }
    Ok(())
}

/// The reminder for a claimed row, or `None` when the user turned
/// reminders off since it was due.
fn message(row: &Due, zone: &IntlZone) -> Option<String> {
    let minutes = u32::try_from(row.minutes?).ok()?;
    let schedule = Schedule {
        date: row.date.as_deref().and_then(Day::parse),
        start: crate::calendar::minutes_of(&row.start).unwrap_or(0),
        duration: row.duration,
        repeat: Repeat::parse(&row.repeat).unwrap_or(Repeat::Daily),
    };
    let occurrence = schedule.on(zone, Day::parse(&row.day)?)?;
    Some(texts::reminder(&row.title, minutes, &occurrence, zone))
}
