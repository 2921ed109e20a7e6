//! The bot: the webhook, `POST /telegram/webhook`, and one function per
//! kind of update it acts on. What an update asks is read in [`update`],
//! the words are [`texts`], the bodies of the Bot API calls [`reply`], and
//! the calls go out through [`api`].

pub mod api;
pub mod reply;
pub mod texts;
pub mod update;
pub mod words;

use crate::store::Counted;
use subtle::ConstantTimeEq;
use worker::{console_error, Context, D1Database, Env, Request, Response, Result};

use crate::access;
use crate::calendar::{self, Repeat, Zone};
use crate::catalog::Event;
use crate::clock::{IntlZone, Zones};
use crate::communities::{self, Community};
use crate::config::Config;
use crate::hub::client;
use crate::store;
use api::BotApi;
use reply::{InlineWords, Links, Shown};
use update::{InlineSearch, Request as Asked, Setting, Update};
use words::Words;

/// Updates are handled before the webhook answers, one at a time (`npm run
/// bot-setup` sets `max_connections: 1`, so Telegram sends the next only
/// after this one's 200): a group's updates are applied in the order
/// Telegram sent them. Each is handled once (Telegram sends an update again
/// when the webhook did not answer 2xx), and one that cannot be read or
/// fails is still answered 200 (logged), so it cannot hold up the rest.
/// The bot's own status in a group also goes by each update's date and id
/// (`store/communities.rs`), so even updates that come out of order end in
/// the state of the latest.
pub async fn webhook(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
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
    let update = Update::parse(&body);
    if let Err(error) = handle(update, &env, &config, origin).await {
        console_error!("webhook update failed: {error}");
    }
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

/// What every update's handling needs.
struct Bot<'a> {
    env: &'a Env,
    config: &'a Config,
    db: D1Database,
    api: BotApi,
    links: Links,
    /// Calendar time (events, dates).
    now: i64,
}

/// Routes an update to the function for its kind.
async fn handle(update: Update, env: &Env, config: &Config, origin: String) -> Result<()> {
    let bot = Bot {
        env,
        config,
        db: store::open(env).await?,
        api: BotApi::new(config),
        links: Links {
            public_url: config.public_url.clone().unwrap_or(origin),
            bot_username: config.bot_username.clone(),
            app_short_name: config.app_short_name.clone(),
        },
        now: config.clock.now(),
    };
    if let Some(id) = update.id() {
        if !store::communities::first_time(&bot.db, id, config.clock.seconds()).await? {
            return Ok(());
        }
    }
    // The latest language Telegram says a user reads (see `i18n`); a group
    // starts in the language of whoever added the bot.
    let language = update.language();
    let adder = language.and_then(|(_, code)| crate::i18n::of_code(code));
    if let Some((user, code)) = language {
        if let Err(error) = store::users::saw_language(&bot.db, user, code).await {
            console_error!("recording a language: {error}");
        }
    }
    match update.request(config.bot_username.as_deref()) {
        request @ Asked::OpenApp { private: true, .. } => bot.start(&request).await,
        Asked::OpenApp {
            chat_id,
            event,
            title,
            ..
        } => bot.group_events(chat_id, &title, event).await,
        Asked::BotInGroup {
            chat_id,
            title,
            present,
            date,
            update_id,
        } => {
            let order = store::communities::UpdateOrder { date, update_id };
            match present {
                true => bot.added(chat_id, &title, order, adder).await,
                false => bot.removed(chat_id, order).await,
            }
        }
        Asked::Member {
            chat_id,
            user,
            member,
            admin,
        } => bot.member(chat_id, user, member, admin).await,
        Asked::Migrated { from, to } => bot.migrated(from, to).await,
        Asked::GroupSetting {
            setting,
            chat_id,
            title,
            from,
            anonymous,
            value,
        } => {
            bot.group_setting(setting, chat_id, &title, from, anonymous, &value)
                .await
        }
        Asked::Inline {
            query_id,
            query,
            from,
        } => bot.inline(&query_id, query, from).await,
        Asked::Ignore => Ok(()),
    }
}

impl Bot<'_> {
    /// `/start` (or `/events`) in a private chat: a button opening the app
    /// (at the event a `/start <id>` names), and one per community the
    /// user entered.
    async fn start(&self, request: &Asked) -> Result<()> {
        let Asked::OpenApp {
            chat_id,
            event,
            from,
            ..
        } = request
        else {
            return Ok(());
        };
        // Writing to the bot undoes a block: messages may go again. The
        // answer matters more, so a failure here only logs.
        if let Err(error) = store::outbox::unblock(&self.db, *chat_id).await {
            console_error!("forgetting a block failed: {error}");
        }
        let linked = match event {
            Some(id) => store::events::event(&self.db, *id)
                .await?
                .filter(|e| e.community == communities::DEFAULT),
            None => None,
        };
        let zone = IntlZone::or_utc(&self.config.timezone);
        let shown = linked.as_ref().and_then(|e| show(e, &zone, self.now, None));
        // In the user's language, the event's time a `date_time` entity.
        let language = store::users::language_of(&self.db, *from).await?;
        let words = Words::of(self.env, language).await;
        let (text, entities) = start_words(&words, language, request, shown.as_ref(), &zone);
        let button = words.say("bot.group.open", &[]);
        let mut body = reply::start_message(*chat_id, &self.links, *event, &text, &button);
        if let Some(entities) = entities {
            body["entities"] = entities;
        }
        let entered = self.visible(*from).await?;
        let rows: Vec<(String, String)> = entered.into_iter().map(|c| (c.title, c.slug)).collect();
        if let Some(keyboard) = body["reply_markup"]["inline_keyboard"].as_array_mut() {
            let untitled = words.say("bot.group.untitled", &[]);
            keyboard.extend(reply::community_rows(&self.links, &rows, &untitled));
        }
        self.api.call("sendMessage", &body).await?;
        Ok(())
    }

    /// `/start` or `/events` in a group: its own community's button (made
    /// now for a group the bot joined before communities).
    async fn group_events(&self, chat_id: i64, title: &str, event: Option<i64>) -> Result<()> {
        let Some(community) = self.community_of(chat_id, title).await? else {
            return Ok(());
        };
        let link = self.links.community_link(&community.slug, event);
        let words = self.words_of(&community).await?;
        let text = words.say("bot.group.events", &[]);
        let button = words.say("bot.group.open", &[]);
        let body = reply::community_message(chat_id, &link, &text, &button);
        self.api.call("sendMessage", &body).await?;
        Ok(())
    }

    /// The words a community's group is written to in.
    async fn words_of(&self, community: &Community) -> Result<Words> {
        let language = store::communities::language(&self.db, community.id).await?;
        Ok(Words::of(self.env, language.unwrap_or(crate::i18n::ENGLISH)).await)
    }

    /// The bot was added to a group: its community, made or reopened (and
    /// its hub told), and, when it was not there before, a message with
    /// its button (a change of the bot's rights in the group posts none).
    async fn added(
        &self,
        chat_id: i64,
        title: &str,
        order: store::communities::UpdateOrder,
        adder: Option<&'static str>,
    ) -> Result<()> {
        let before = store::communities::by_chat(&self.db, chat_id).await?;
        let key = communities::slug_key(&self.config.bot_token);
        let slug = communities::slug_for(&key, chat_id);
        let zone = &self.config.timezone;
        let now = self.config.clock.seconds();
        let opened =
            store::communities::open(&self.db, chat_id, &slug, title, zone, now, order).await?;
        let Some(community) = opened else {
            return Ok(()); // a later update about the bot was applied
        };
        if before.as_ref().is_some_and(|b| !b.closed) {
            return Ok(());
        }
        client::changed(self.env, &community).await;
        if let Some(language) = adder {
            store::communities::set_language(&self.db, community.id, language, true).await?;
        }
        let link = self.links.community_link(&community.slug, None);
        let words = self.words_of(&community).await?;
        let text = words.say("bot.group.joined", &[]);
        let button = words.say("bot.group.open", &[]);
        let body = reply::community_message(chat_id, &link, &text, &button);
        self.api.call("sendMessage", &body).await?;
        Ok(())
    }

    /// The bot was removed from a group: its community closes (data kept),
    /// unless a later update about the bot was applied already.
    async fn removed(&self, chat_id: i64, order: store::communities::UpdateOrder) -> Result<()> {
        let now = self.config.clock.seconds();
        if let Some(community) = store::communities::close(&self.db, chat_id, now, order).await? {
            client::changed(self.env, &community).await;
        }
        Ok(())
    }

    /// Someone's status in a group changed: stored as Telegram's latest
    /// answer; someone who left hears nothing more of it.
    async fn member(&self, chat_id: i64, user: i64, member: bool, admin: bool) -> Result<()> {
        let Some(community) = store::communities::by_chat(&self.db, chat_id).await? else {
            return Ok(());
        };
        let now = self.config.clock.seconds();
        store::members::record(&self.db, community.id, user, member, Some(admin), now).await?;
        if !member {
            client::left(self.env, &community, user).await;
        }
        Ok(())
    }

    /// A group became a supergroup: it keeps its community, whose hub now
    /// asks Telegram about the new chat id.
    async fn migrated(&self, from: i64, to: i64) -> Result<()> {
        let (moved, folded) = store::communities::migrate(&self.db, from, to).await?;
        if let Some(folded) = folded {
            // Its sockets go; its slug now opens the group's community.
            let closed = Community {
                closed: true,
                ..folded
            };
            client::changed(self.env, &closed).await;
        }
        if let Some(community) = moved {
            client::changed(self.env, &community).await;
        }
        Ok(())
    }

    /// `/timezone <zone>` or `/language <code>`: only the group's admins
    /// (or its anonymous admin) may set them; the answer, in the group's
    /// language (the new one after `/language`), says what happened.
    async fn group_setting(
        &self,
        setting: Setting,
        chat_id: i64,
        title: &str,
        from: i64,
        anonymous: bool,
        value: &str,
    ) -> Result<()> {
        let Some(community) = self.community_of(chat_id, title).await? else {
            return Ok(());
        };
        let allowed = anonymous
            || matches!(
                self.api.chat_member(community.chat_id, from).await,
                api::Member::Said { admin: true, .. }
            );
        let value = value.trim();
        let text = match setting {
            Setting::Timezone => {
                let words = self.words_of(&community).await?;
                match allowed {
                    true => self.set_timezone(&community, value, &words).await?,
                    false => words.say("bot.timezone.admins_only", &[]),
                }
            }
            Setting::Language => self.set_language(&community, allowed, value).await?,
        };
        self.api
            .call("sendMessage", &reply::text_message(chat_id, &text))
            .await?;
        Ok(())
    }

    /// `/language <code>` from one of the group's admins (`allowed`).
    async fn set_language(
        &self,
        community: &Community,
        allowed: bool,
        code: &str,
    ) -> Result<String> {
        let words = self.words_of(community).await?;
        let codes = crate::i18n::LANGUAGES.join(", ");
        if !allowed {
            return Ok(words.say("bot.language.admins_only", &[]));
        }
        if code.is_empty() {
            let name = words.say("bot.language.name", &[]);
            return Ok(words.say(
                "bot.language.now",
                &[("language", &name), ("codes", &codes)],
            ));
        }
        let Some(language) = crate::i18n::of_code(code).filter(|l| l.len() == code.len()) else {
            let given = texts::as_given(code);
            return Ok(words.say(
                "bot.language.unknown",
                &[("given", &given), ("codes", &codes)],
            ));
        };
        store::communities::set_language(&self.db, community.id, language, false).await?;
        Ok(Words::of(self.env, language)
            .await
            .say("bot.language.set", &[]))
    }

    async fn set_timezone(
        &self,
        community: &Community,
        zone: &str,
        words: &Words,
    ) -> Result<String> {
        if zone.is_empty() {
            return Ok(words.say("bot.timezone.now", &[("zone", &community.timezone)]));
        }
        if crate::clock::looks_like_offset(zone) {
            let given = texts::as_given(zone);
            return Ok(words.say("bot.timezone.offset", &[("given", &given)]));
        }
        if zone.len() > 64 || !crate::clock::is_zone_name(zone) {
            let given = texts::as_given(zone);
            return Ok(words.say("bot.timezone.unknown", &[("given", &given)]));
        }
        store::communities::set_timezone(&self.db, community.id, zone).await?;
        // Reminders go by the new zone: the next cron run works out the
        // events' next starts again.
        store::events::forget_next_starts(&self.db, community.id)?
            .write()
            .await?;
        let changed = Community {
            timezone: zone.to_string(),
            ..community.clone()
        };
        client::changed(self.env, &changed).await;
        Ok(words.say("bot.timezone.set", &[("zone", zone)]))
    }

    /// An inline query: events of the default community and of the
    /// communities the user entered, each in its own zone, read with SQL
    /// `LIMIT`, by next occurrence; one-offs that are over are not offered.
    async fn inline(&self, query_id: &str, query: InlineSearch, from: i64) -> Result<()> {
        let limit = reply::MAX_INLINE_RESULTS;
        let entered = self.visible(from).await?;
        let allowed: Vec<i64> = std::iter::once(communities::DEFAULT)
            .chain(entered.iter().map(|c| c.id))
            .collect();
        let zones = Zones::new(
            &self.config.timezone,
            entered.iter().map(|c| (c.id, c.timezone.as_str())),
        );
        let events: Vec<Event> = match query {
            InlineSearch::Event(id) => store::events::event(&self.db, id)
                .await?
                .filter(|e| allowed.contains(&e.community))
                .into_iter()
                .collect(),
            InlineSearch::Text(text) => {
                store::events::soonest(&self.db, &allowed, Some(&text), limit, self.now).await?
            }
            InlineSearch::Upcoming => {
                store::events::soonest(&self.db, &allowed, None, limit, self.now).await?
            }
        };
        let mut shown: Vec<(i64, Shown)> = events
            .iter()
            .filter_map(|e| {
                let slug = match e.community {
                    communities::DEFAULT => None,
                    id => Some(entered.iter().find(|c| c.id == id)?.slug.as_str()),
                };
                let zone = zones.of(e.community);
                if e.schedule().is_over(zone, self.now) {
                    return None;
                }
                let starts = e.schedule().next(zone, self.now)?.starts_at;
                Some((starts, show(e, zone, self.now, slug)?))
            })
            .collect();
        shown.sort_by_key(|(starts, s)| (*starts, s.event.id));
        let shown: Vec<Shown> = shown.into_iter().map(|(_, s)| s).take(limit).collect();
        // In the language of whoever shares them.
        let language = store::users::language_of(&self.db, from).await?;
        let words = Words::of(self.env, language).await;
        let said = |s: &Shown| inline_words(&words, language, zones.of(s.event.community), s);
        let body = reply::inline_answer(query_id, &shown, &self.links, said);
        self.api.call("answerInlineQuery", &body).await?;
        Ok(())
    }

    /// The communities `user` entered and may still see (`access.rs`);
    /// the hubs of those Telegram just said they left take them out.
    async fn visible(&self, user: i64) -> Result<Vec<Community>> {
        let now = self.config.clock.seconds();
        let (seen, left) = access::check::visible(&self.db, self.config, user, now).await?;
        for community in left {
            client::left(self.env, &community, user).await;
        }
        Ok(seen)
    }

    /// The open community of group `chat_id` for a command there, made
    /// now for a group the bot was in before communities. A closed one
    /// stays closed (`None`): no command reopens what an update closed.
    async fn community_of(&self, chat_id: i64, title: &str) -> Result<Option<Community>> {
        if let Some(community) = store::communities::by_chat(&self.db, chat_id).await? {
            return Ok((!community.closed).then_some(community));
        }
        let key = communities::slug_key(&self.config.bot_token);
        let slug = communities::slug_for(&key, chat_id);
        let zone = &self.config.timezone;
        let now = self.config.clock.seconds();
        store::communities::open_for_command(&self.db, chat_id, &slug, title, zone, now).await
    }
}

/// An inline result's words in `language` (English, or where `Intl`
/// cannot say: [`InlineWords::english`]).
fn inline_words(words: &Words, language: &str, zone: &IntlZone, shown: &Shown) -> InlineWords {
    match language {
        crate::i18n::ENGLISH => None,
        _ => inline_words_in(words, language, zone, shown),
    }
    .unwrap_or_else(|| InlineWords::english(shown))
}

/// The venue's day and time as `language` writes them, the duration in
/// its digits (the page's words for hours and minutes), how it repeats,
/// and the button.
fn inline_words_in(
    words: &Words,
    language: &str,
    zone: &IntlZone,
    shown: &Shown,
) -> Option<InlineWords> {
    let at = crate::clock::local_words(language, zone.name(), shown.starts_at, true)?;
    let part = |key: &str, n: i64| {
        let n = crate::clock::number_words(language, n)?;
        Some(words.say(key, &[("n", &n)]))
    };
    let length = texts::duration_in(
        shown.event.duration,
        |h| part("format.hours", h),
        |m| part("format.minutes", m),
    )?;
    let mut then = vec![length];
    match shown.event.repeat {
        Repeat::None => {}
        Repeat::Daily => then.push(words.say("format.every_day", &[])),
        Repeat::Weekly => then.push(words.say("format.every_week", &[])),
    }
    Some(InlineWords {
        at,
        then: then.iter().map(|part| format!(" · {part}")).collect(),
        open: words.say("bot.open_in_app", &[]),
    })
}

/// The answer to a private `/start`: greeted by name, with the event a
/// `/start <id>` names when it exists, its start a `date_time` entity.
fn start_words(
    words: &Words,
    language: &str,
    request: &Asked,
    shown: Option<&Shown>,
    zone: &IntlZone,
) -> (String, Option<serde_json::Value>) {
    let Asked::OpenApp {
        first_name, event, ..
    } = request
    else {
        return (String::new(), None);
    };
    let hello = match first_name.as_str() {
        "" => words.say("bot.start.hi", &[]),
        name => words.say("bot.start.hello", &[("name", name)]),
    };
    match (event, shown) {
        (Some(_), Some(shown)) => {
            let when =
                crate::clock::venue_words(language, zone, shown.starts_at, true, || shown.when());
            let values = [
                ("hello", hello.as_str()),
                ("title", shown.event.title.as_str()),
                ("when", when.as_str()),
            ];
            let (text, at) = words.say_marked("bot.start.event", &values, "when");
            (text, reply::date_time(at, shown.starts_at))
        }
        (Some(_), None) => (words.say("bot.start.missing", &[("hello", &hello)]), None),
        (None, _) => (words.say("bot.start.list", &[("hello", &hello)]), None),
    }
}

/// `event` with the venue's day and time of its next occurrence.
fn show<'e>(
    event: &'e Event,
    zone: &IntlZone,
    now: i64,
    community: Option<&'e str>,
) -> Option<Shown<'e>> {
    let occurrence = event.schedule().next(zone, now)?;
    Some(Shown {
        event,
        community,
        at: calendar::local(zone, occurrence.starts_at)?,
        starts_at: occurrence.starts_at,
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
