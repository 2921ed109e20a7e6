//! The bot's webhook, `POST /telegram/webhook`. What to answer is decided in
//! `telegram.rs`; the answers go out through `bot_api.rs`.

use subtle::ConstantTimeEq;
use worker::{console_error, Context, Env, Request, Response, Result};

use crate::bot_api::BotApi;
use crate::calendar::Zone;
use crate::catalog::Event;
use crate::clock::{self, IntlZone};
use crate::config::Config;
use crate::store;
use crate::telegram::{self, InlineSearch, Links, Request as BotRequest, Update};

/// Telegram gives up on a webhook after a while; we answer at once and do
/// the Bot API calls afterwards, in `wait_until`.
pub async fn webhook(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let config = crate::config_from_env(&env);
    let given = req
        .headers()
        .get("X-Telegram-Bot-Api-Secret-Token")?
        .unwrap_or_default();
    if !secret_matches(config.webhook_secret.as_deref(), &given) {
        return Response::error("Unauthorized", 401);
    }
    let origin = crate::config::origin_of(&req.inner().url()).to_string();
    let body = req.text().await.unwrap_or_default();
    // An update we cannot read is still answered 200, or Telegram would
    // send it again and again.
    let update: Update = serde_json::from_str(&body).unwrap_or_default();
    ctx.wait_until(async move {
        if let Err(error) = handle(update, &env, &config, origin).await {
            console_error!("webhook update failed: {error}");
        }
    });
    Response::ok("")
}

/// Compares in constant time. No configured secret refuses everything.
fn secret_matches(expected: Option<&str>, given: &str) -> bool {
    match expected {
        Some(expected) if !expected.is_empty() => {
            bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
        }
        _ => false,
    }
}

async fn handle(update: Update, env: &Env, config: &Config, origin: String) -> Result<()> {
    let links = Links {
        public_url: config.public_url.clone().unwrap_or(origin),
        bot_username: config.bot_username.clone(),
        app_short_name: config.app_short_name.clone(),
    };
    let api = BotApi::new(config);
    match update.request(config.bot_username.as_deref()) {
        request @ BotRequest::OpenApp { .. } => {
            if let BotRequest::OpenApp {
                chat_id,
                private: true,
                ..
            } = request
            {
                // Writing to the bot undoes a block: reminders may go again.
                // The answer matters more, so a failure here only logs.
                if let Err(error) = store::outbox::unblock(&env.d1("DB")?, chat_id).await {
                    console_error!("forgetting a block failed: {error}");
                }
            }
            let linked = match &request {
                BotRequest::OpenApp {
                    event: Some(id), ..
                } => store::events::event(&env.d1("DB")?, *id).await?,
                _ => None,
            };
            let zone = IntlZone::or_utc(&config.timezone);
            let now = clock::now(config.clock_offset);
            let shown = linked.as_ref().and_then(|e| show(e, &zone, now));
            if let Some(body) = telegram::open_app_message(&request, &links, shown.as_ref()) {
                api.call("sendMessage", &body).await?;
            }
        }
        BotRequest::Inline { query_id, query } => {
            let db = env.d1("DB")?;
            let limit = telegram::MAX_INLINE_RESULTS;
            let events = match query {
                InlineSearch::Event(id) => {
                    store::events::event(&db, id).await?.into_iter().collect()
                }
                InlineSearch::Text(text) => store::events::search_events(&db, &text, limit).await?,
                InlineSearch::Upcoming => store::events::all_events(&db).await?,
            };
            let zone = IntlZone::or_utc(&config.timezone);
            let now = clock::now(config.clock_offset);
            // By next occurrence; one-offs that are over are not offered.
            let mut shown: Vec<(i64, telegram::Shown)> = events
                .iter()
                .filter(|e| !e.schedule().is_over(&zone, now))
                .filter_map(|e| {
                    let starts = e.schedule().next(&zone, now)?.starts_at;
                    Some((starts, show(e, &zone, now)?))
                })
                .collect();
            shown.sort_by_key(|(starts, s)| (*starts, s.event.id));
            let shown: Vec<telegram::Shown> =
                shown.into_iter().map(|(_, s)| s).take(limit).collect();
            let body = telegram::inline_answer(&query_id, &shown, &links);
            api.call("answerInlineQuery", &body).await?;
        }
        BotRequest::Ignore => {}
    }
    Ok(())
}

/// `event` with the day and local time of its next occurrence.
fn show<'e>(event: &'e Event, zone: &IntlZone, now: i64) -> Option<telegram::Shown<'e>> {
    let occurrence = event.schedule().next(zone, now)?;
    let local = occurrence.starts_at + i64::from(zone.offset_at(occurrence.starts_at)?);
    Some(telegram::Shown {
        event,
        day: occurrence.day.label(),
        time: crate::calendar::wall_time((local.rem_euclid(86_400) / 60) as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::secret_matches;

    #[test]
    fn secret_must_be_set_and_equal() {
        assert!(secret_matches(Some("s3cret"), "s3cret"));
        assert!(!secret_matches(Some("s3cret"), "s3cre"));
        assert!(!secret_matches(Some("s3cret"), ""));
        assert!(!secret_matches(None, ""));
        assert!(!secret_matches(Some(""), ""));
    }
}
