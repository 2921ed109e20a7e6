//! The bot's webhook, `POST /telegram/webhook`. What to answer is decided in
//! `telegram.rs`; the answers go out through `bot_api.rs`.

use subtle::ConstantTimeEq;
use worker::{console_error, Context, D1Database, Env, Request, Response, Result};

use crate::bot_api::BotApi;
use crate::calendar::Zone;
use crate::catalog::Event;
use crate::clock::{self, IntlZone, Zones};
use crate::communities::{self, Community};
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
    let db = env.d1("DB")?;
    let now = clock::now(config.clock_offset);
    match update.request(config.bot_username.as_deref()) {
        request @ BotRequest::OpenApp { .. } => {
            let BotRequest::OpenApp {
                chat_id,
                private,
                event,
                from,
                ref title,
                ..
            } = request
            else {
                return Ok(());
            };
            if private {
                // Writing to the bot undoes a block: reminders may go again.
                // The answer matters more, so a failure here only logs.
                if let Err(error) = store::outbox::unblock(&db, chat_id).await {
                    console_error!("forgetting a block failed: {error}");
                }
            } else {
                // In a group: its own community's button (made now for a
                // group the bot joined before communities).
                let community = community_of(env, &db, config, chat_id, title, now).await?;
                let link = links.community_link(&community.slug, event);
                let body = telegram::community_message(chat_id, &link, false);
                api.call("sendMessage", &body).await?;
                return Ok(());
            }
            let linked = match event {
                Some(id) => store::events::event(&db, id)
                    .await?
                    .filter(|e| e.community == communities::DEFAULT),
                None => None,
            };
            let zone = IntlZone::or_utc(&config.timezone);
            let shown = linked.as_ref().and_then(|e| show(e, &zone, now, None));
            if let Some(mut body) = telegram::open_app_message(&request, &links, shown.as_ref()) {
                // The groups' communities this user entered, one button each.
                let entered = store::communities::entered_by(&db, from).await?;
                let rows: Vec<(String, String)> =
                    entered.into_iter().map(|c| (c.title, c.slug)).collect();
                if let Some(keyboard) = body["reply_markup"]["inline_keyboard"].as_array_mut() {
                    keyboard.extend(telegram::community_rows(&links, &rows));
                }
                api.call("sendMessage", &body).await?;
            }
        }
        BotRequest::BotInGroup {
            chat_id,
            title,
            present,
        } => {
            if present {
                // Made or reopened (and its hub told) if need be.
                let community = community_of(env, &db, config, chat_id, &title, now).await?;
                let link = links.community_link(&community.slug, None);
                api.call(
                    "sendMessage",
                    &telegram::community_message(chat_id, &link, true),
                )
                .await?;
            } else {
                store::communities::close(&db, chat_id, now).await?;
                if let Some(community) = store::communities::by_chat(&db, chat_id).await? {
                    changed(env, &community.slug).await;
                }
            }
        }
        BotRequest::Member {
            chat_id,
            user,
            member,
            admin,
        } => {
            if let Some(community) = store::communities::by_chat(&db, chat_id).await? {
                store::communities::record_member(
                    &db,
                    community.id,
                    user,
                    member,
                    Some(admin),
                    now,
                )
                .await?;
                if !member {
                    // Someone who left the group hears nothing more of it.
                    let path = format!("{}?user={user}", crate::hub::MEMBER_LEFT_PATH);
                    tell(env, &community.slug, &path).await;
                }
            }
        }
        BotRequest::Migrated { from, to } => {
            store::communities::migrate(&db, from, to).await?;
            // The hub asks Telegram about the group by its id: the new one now.
            if let Some(community) = store::communities::by_chat(&db, to).await? {
                changed(env, &community.slug).await;
            }
        }
        BotRequest::SetTimezone {
            chat_id,
            title,
            from,
            anonymous,
            zone,
        } => {
            let community = community_of(env, &db, config, chat_id, &title, now).await?;
            let text = set_timezone(env, &db, &api, &community, from, anonymous, &zone).await?;
            api.call("sendMessage", &telegram::text_message(chat_id, &text))
                .await?;
        }
        BotRequest::Inline {
            query_id,
            query,
            from,
        } => {
            let limit = telegram::MAX_INLINE_RESULTS;
            // Only events of the default community and of the groups'
            // communities this user entered, each in its own zone.
            let entered = store::communities::entered_by(&db, from).await?;
            let allowed: Vec<i64> = std::iter::once(communities::DEFAULT)
                .chain(entered.iter().map(|c| c.id))
                .collect();
            let events: Vec<Event> = match query {
                InlineSearch::Event(id) => {
                    store::events::event(&db, id).await?.into_iter().collect()
                }
                InlineSearch::Text(text) => {
                    store::events::search_events(&db, &text, limit, &allowed).await?
                }
                InlineSearch::Upcoming => store::events::all_events(&db).await?,
            };
            let zones = Zones::new(
                &config.timezone,
                entered.iter().map(|c| (c.id, c.timezone.as_str())),
            );
            let mut shown: Vec<(i64, telegram::Shown)> = events
                .iter()
                .filter_map(|e| {
                    let slug = match e.community {
                        communities::DEFAULT => None,
                        id => Some(entered.iter().find(|c| c.id == id)?.slug.as_str()),
                    };
                    let zone = zones.of(e.community);
                    // By next occurrence; one-offs that are over are not offered.
                    if e.schedule().is_over(zone, now) {
                        return None;
                    }
                    let starts = e.schedule().next(zone, now)?.starts_at;
                    Some((starts, show(e, zone, now, slug)?))
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
fn show<'e>(
    event: &'e Event,
    zone: &IntlZone,
    now: i64,
    community: Option<&'e str>,
) -> Option<telegram::Shown<'e>> {
    let occurrence = event.schedule().next(zone, now)?;
    let local = occurrence.starts_at + i64::from(zone.offset_at(occurrence.starts_at)?);
    Some(telegram::Shown {
        event,
        community,
        day: occurrence.day.label(),
        time: crate::calendar::wall_time((local.rem_euclid(86_400) / 60) as u32),
    })
}

/// The community of group `chat_id`, made (or reopened) when there is
/// none: the bot was added, or was there before communities.
async fn community_of(
    env: &Env,
    db: &D1Database,
    config: &Config,
    chat_id: i64,
    title: &str,
    now: i64,
) -> Result<Community> {
    if let Some(community) = store::communities::by_chat(db, chat_id).await? {
        if !community.closed {
            return Ok(community);
        }
    }
    let slug = communities::slug_for(&communities::slug_key(&config.bot_token), chat_id);
    let opened = store::communities::open(db, chat_id, &slug, title, &config.timezone, now).await?;
    let community = opened.ok_or_else(|| worker::Error::RustError("no community row".into()))?;
    changed(env, &community.slug).await;
    Ok(community)
}

/// Tells a community's hub that its row changed (closed, reopened, a new
/// zone). The hub may be asleep; this wakes it only to read the row.
async fn changed(env: &Env, slug: &str) {
    tell(env, slug, crate::hub::COMMUNITY_CHANGED_PATH).await;
}

/// Sends a community's hub one of the Worker's own requests (`path`).
async fn tell(env: &Env, slug: &str, path: &str) {
    let url = format!("https://hub{path}");
    let told = async {
        let namespace = env.durable_object(crate::HUB_BINDING)?;
        let hub = namespace
            .id_from_name(&communities::hub_name(slug))?
            .get_stub()?;
        hub.fetch_with_str(&url).await.map(|_| ())
    };
    if let Err(error) = told.await {
        console_error!("telling a community's hub failed: {error}");
    }
}

/// `/timezone <zone>`: only the group's admins (or its anonymous admin)
/// may set it; the answer says what happened.
async fn set_timezone(
    env: &Env,
    db: &D1Database,
    api: &BotApi,
    community: &Community,
    from: i64,
    anonymous: bool,
    zone: &str,
) -> Result<String> {
    let allowed = anonymous
        || api
            .chat_member(community.chat_id, from)
            .await
            .is_some_and(|(_, admin)| admin);
    if !allowed {
        return Ok("Only the group's admins can set its time zone.".into());
    }
    let zone = zone.trim();
    if zone.is_empty() {
        return Ok(format!(
            "This group's events are in {}. To change it, send /timezone with a zone name, e.g. /timezone Europe/Berlin.",
            community.timezone
        ));
    }
    if zone.len() > 64 || IntlZone::new(zone).is_err() {
        return Ok(format!(
            "\"{}\" is not a time zone I know. Use a name like Europe/Berlin or America/New_York.",
            zone.chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
        ));
    }
    store::communities::set_timezone(db, community.id, zone).await?;
    changed(env, &community.slug).await;
    Ok(format!(
        "Done: this group's events are now in {zone}. They keep their times of day."
    ))
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
