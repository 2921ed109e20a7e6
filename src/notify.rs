//! The bot's outbox, sent: every minute by the cron, and right after a
//! change by the hub that made it (a spot opened, an event cancelled).
//!
//! A cron run keeps the outbox small (`prune`), works out the next starts
//! of the events that need it (`store/events.rs`: only those whose next
//! occurrence passed, or was never worked out), records who is due a
//! reminder (one statement over the events with an occurrence in a due
//! window, `reminders.rs`), then sends: reminders and notices, each table
//! claimed round-robin across communities, so one community's backlog
//! never holds up another's.
//!
//! Each message is checked when it is sent: nothing about a community
//! reaches someone who may not see it (`access.rs`; an answer too old is
//! asked again, and someone Telegram says left is taken off the
//! community's events by its hub); a change notice says the event as it
//! is then, or nothing when the change was undone; notices to one user
//! keep to `MAX_NOTICES_PER_USER_PER_HOUR` (the rest wait, merged per
//! event).
//!
//! A row is claimed with a token before it is sent and marked after
//! Telegram accepted it; the run says it is still working on its rows
//! (also while it waits out a 429), so no other run takes them over. A
//! run that dies leaves its rows claimed; after the lease another run
//! sends them again: at least once, and twice only after a crash.
//!
//! One invocation makes at most [`MAX_CALLS`] Bot API and hub calls and
//! about 30 D1 statements, whatever is queued: Cloudflare's free plan
//! allows 50 of each.

use crate::store::Counted;
use std::time::Duration;

use serde_json::{json, Value};
use worker::{console_error, console_log, D1Database, Delay, Env, Result};

use crate::access::{self, Answer, Asked, Rules, Verdict};
use crate::bot::api::{ApiReply, BotApi, Member};
use crate::bot::reply::date_time;
use crate::bot::texts;
use crate::bot::words::Words;
use crate::calendar::{Day, Occurrence, Repeat, Zone};
use crate::catalog::Event;
use crate::clock::IntlZone;
use crate::communities::Community;
use crate::config::Config;
use crate::hub::client;
use crate::store::outbox::{self, Due, Status, Table};
use crate::store::{self, members};

/// A claim whose run said nothing for this long belongs to a run that died.
const LEASE_SECONDS: i64 = 120;
/// A run says it is still working at least this often.
const KEEP_CLAIMS_EVERY_MS: f64 = 30_000.0;
/// Telegram allows about 30 messages a second; we stay at 25.
const PAUSE_BETWEEN_SENDS: Duration = Duration::from_millis(40);
/// Longest `retry_after` waited out inside one run; a longer one puts the
/// message back in line for then.
const MAX_RETRY_WAIT_SECONDS: u64 = 30;
/// Bot API calls (sends, member checks) and hub calls one invocation makes
/// at most: under the free plan's 50 subrequests.
pub const MAX_CALLS: u32 = 45;
/// Notices the hub sends at once after a change; the cron sends the rest.
const NOTICES_AT_ONCE: u32 = 20;
/// A notice held back by the hourly limit is tried again this much later.
const LIMIT_RETRY_SECONDS: i64 = 300;

/// The cron: keep the outbox small, work out next starts, record the
/// reminders due, send.
pub async fn run(env: &Env) {
    let config = crate::config_from_env(env);
    if config.bot_token.is_empty() {
        return;
    }
    match Run::open(env, &config, config.reminders_per_run).await {
        Ok(mut run) => {
            if let Err(error) = run.prepare().await {
                console_error!("reminders: {error}");
            }
            for table in [Table::Reminders, Table::Notices] {
                if let Err(error) = run.send(table).await {
                    console_error!("outbox: {error}");
                }
            }
            run.report();
        }
        Err(error) => console_error!("outbox: {error}"),
    }
}

/// Sends the notices just queued (from the hub, right after the change
/// that queued them), within a small budget; the cron sends the rest.
pub async fn send_notices_now(env: &Env, config: &Config) {
    if config.bot_token.is_empty() {
        return;
    }
    let sent = async {
        let mut run = Run::open(env, config, NOTICES_AT_ONCE).await?;
        run.send(Table::Notices).await
    };
    if let Err(error) = sent.await {
        console_error!("notices: {error}");
    }
}

/// One invocation's sending: its budget, its claim token, what it did.
struct Run<'a> {
    env: &'a Env,
    config: &'a Config,
    db: D1Database,
    api: BotApi,
    token: String,
    /// The calendar's now (events, reminders) and the real one (the ages
    /// of Telegram's answers).
    now: i64,
    real_now: i64,
    sends_left: u32,
    calls_left: u32,
    /// Telegram's answers asked for in this run, stored at its end.
    asked: Vec<(i64, i64, bool, bool)>,
    /// (community, user) that Telegram said left: their hubs are told.
    left: Vec<(Community, i64)>,
    blocked: Vec<i64>,
    sent: u32,
    dropped: u32,
    last_kept: f64,
}

impl<'a> Run<'a> {
    async fn open(env: &'a Env, config: &'a Config, sends: u32) -> Result<Run<'a>> {
        let now = config.clock.now();
        Ok(Run {
            env,
            config,
            db: store::open(env).await?,
            api: BotApi::new(config),
            token: format!("{now}-{}", worker::js_sys::Math::random()),
            now,
            real_now: config.clock.seconds(),
            sends_left: sends.min(MAX_CALLS),
            calls_left: MAX_CALLS,
            asked: Vec::new(),
            left: Vec::new(),
            blocked: Vec::new(),
            sent: 0,
            dropped: 0,
            last_kept: config.clock.millis(),
        })
    }

    /// Keeps the outbox small, works out the next starts that need it,
    /// and records the reminders due now.
    async fn prepare(&mut self) -> Result<()> {
        let lease_before = self.now - LEASE_SECONDS;
        let mut prune = outbox::prune_statements(&self.db, self.now, lease_before)?;
        prune.push(store::communities::prune_updates(&self.db, self.real_now)?);
        store::counters::write(prune.len() as u64);
        crate::store::batch(&self.db, prune).await?;
        store::events::advance_next_starts(&self.db, &self.config.timezone, self.now).await?;
        outbox::enqueue_reminders(&self.db, self.now)?
            .write()
            .await?;
        Ok(())
    }

    /// Claims and sends what is due in `table`, within the budget.
    async fn send(&mut self, table: Table) -> Result<()> {
        if self.sends_left == 0 {
            return Ok(());
        }
        let due = outbox::claim(
            &self.db,
            table,
            &self.token,
            self.sends_left,
            self.now,
            self.now - LEASE_SECONDS,
            self.config.max_notices_per_user_per_hour,
        )
        .await?;
        let mut outcomes: Vec<(i64, Status)> = Vec::with_capacity(due.len());
        let mut sent_to: Vec<(i64, i64)> = Vec::new();
        let mut later = self.now;
        for row in &due {
            let status = self.one(table, row, &mut sent_to, &mut later).await;
            match status {
                Status::Sent => self.sent += 1,
                Status::Dropped => self.dropped += 1,
                Status::Blocked => self.blocked.push(row.telegram_id),
                _ => {}
            }
            outcomes.push((row.rowid, status));
            if self.config.clock.millis() - self.last_kept > KEEP_CLAIMS_EVERY_MS {
                outbox::keep_claims(&self.db, table, &self.token, self.config.clock.now()).await?;
                self.last_kept = self.config.clock.millis();
            }
        }
        let now = self.config.clock.now();
        outbox::finish(&self.db, table, &self.token, &outcomes, now, later).await?;
        self.settle().await
    }

    /// What becomes of one claimed row: the message it makes, whether its
    /// user may still see its community, the hourly limit, then Telegram.
    async fn one(
        &mut self,
        table: Table,
        row: &Due,
        sent_to: &mut Vec<(i64, i64)>,
        later: &mut i64,
    ) -> Status {
        if self.sends_left == 0 || self.calls_left == 0 {
            return Status::Pending;
        }
        let zone = IntlZone::or_utc(row.zone.as_deref().unwrap_or(&self.config.timezone));
        let words = Words::of(self.env, row.language).await;
        let Some((text, entities)) = message(table, row, &zone, self.now, &words) else {
            return Status::Dropped;
        };
        match self.may_see(row).await {
            Verdict::Yes => {}
            Verdict::No => return Status::Dropped,
            Verdict::Ask | Verdict::Unknown => return Status::Pending,
        }
        if table == Table::Notices {
            let already = sent_to
                .iter()
                .find(|(user, _)| *user == row.telegram_id)
                .map_or(0, |(_, n)| *n);
            if row.sent_recently + already >= i64::from(self.config.max_notices_per_user_per_hour) {
                *later = self.now + LIMIT_RETRY_SECONDS;
                return Status::Pending;
            }
        }
        let open = words.say("bot.open_in_app", &[]);
        let status = self
            .deliver(
                table,
                row.telegram_id,
                &text,
                row.body.as_deref(),
                entities,
                &open,
            )
            .await;
        if status == Status::Sent {
            match sent_to
                .iter_mut()
                .find(|(user, _)| *user == row.telegram_id)
            {
                Some((_, n)) => *n += 1,
                None => sent_to.push((row.telegram_id, 1)),
            }
        }
        status
    }

    /// Whether the row's user may see its community now (`access.rs`),
    /// asking Telegram when the stored answer is too old and the budget
    /// allows. Someone Telegram says left is taken off the community's
    /// events (their hub is told at the end of the run).
    async fn may_see(&mut self, row: &Due) -> Verdict {
        if row.community == crate::communities::DEFAULT {
            return Verdict::Yes;
        }
        let rules = Rules::of(self.config);
        let operator = row.operator || self.config.is_listed_admin(row.telegram_id);
        let place = access::Place::Group {
            closed: row.closed || row.chat.is_none(),
        };
        let stored = match (row.member, row.checked_at) {
            (Some(member), Some(at)) => Some(Answer { member, at }),
            _ => None,
        };
        let first = access::may_see(operator, place, stored, None, self.real_now, &rules);
        if first != Verdict::Ask || self.calls_left < 2 {
            return first;
        }
        let Some(chat) = row.chat else {
            return Verdict::No;
        };
        self.calls_left -= 1;
        let asked = match self.api.chat_member(chat, row.telegram_id).await {
            Member::Said { member, admin } => {
                self.asked
                    .push((row.community, row.telegram_id, member, admin));
                Asked::Said(Answer {
                    member,
                    at: self.real_now,
                })
            }
            Member::Silent => Asked::Silent,
        };
        let verdict = access::may_see(operator, place, stored, Some(asked), self.real_now, &rules);
        if verdict == Verdict::No {
            let community = Community {
                id: row.community,
                slug: row.slug.clone(),
                chat_id: chat,
                title: String::new(),
                timezone: row.zone.clone().unwrap_or_default(),
                closed: row.closed,
            };
            if !self
                .left
                .iter()
                .any(|(c, u)| c.id == community.id && *u == row.telegram_id)
            {
                self.left.push((community, row.telegram_id));
            }
        }
        verdict
    }

    /// Sends `text` to `chat`, waiting out a short 429 as Telegram asks
    /// (saying meanwhile that the run is still working on its rows).
    async fn deliver(
        &mut self,
        table: Table,
        chat: i64,
        text: &str,
        rest: Option<&str>,
        entities: Option<Value>,
        open: &str,
    ) -> Status {
        // A host's message carries the rest of its body (entities, a
        // button, labelled `open` in the reader's language); anything
        // else is its text alone.
        let mut body = rest
            .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
            .filter(serde_json::Value::is_object)
            .unwrap_or_else(|| json!({}));
        if let Some(label) = body.pointer_mut("/reply_markup/inline_keyboard/0/0/text") {
            *label = json!(open);
        }
        body["chat_id"] = json!(chat);
        body["text"] = json!(text);
        if let Some(entities) = entities {
            body["entities"] = entities;
        }
        loop {
            if self.sends_left == 0 || self.calls_left == 0 {
                return Status::Pending;
            }
            self.sends_left -= 1;
            self.calls_left -= 1;
            let reply = self.api.call("sendMessage", &body).await;
            Delay::from(PAUSE_BETWEEN_SENDS).await;
            match reply {
                Ok(ApiReply::Ok) => return Status::Sent,
                Ok(ApiReply::RetryAfter(seconds)) if seconds <= MAX_RETRY_WAIT_SECONDS => {
                    let now = self.config.clock.now();
                    if let Err(error) = outbox::keep_claims(&self.db, table, &self.token, now).await
                    {
                        console_error!("keeping claims failed: {error}");
                        return Status::Pending;
                    }
                    Delay::from(Duration::from_secs(seconds.max(1))).await;
                    self.last_kept = self.config.clock.millis();
                }
                Ok(ApiReply::RetryAfter(_)) => return Status::Pending,
                Ok(ApiReply::Forbidden) => return Status::Blocked,
                Ok(ApiReply::Failed(_)) => return Status::Failed,
                Err(error) => {
                    console_error!("sending a message failed: {error}");
                    return Status::Pending;
                }
            }
        }
    }

    /// Stores what the run learnt (Telegram's answers, blocks) and tells
    /// the hubs of the communities someone left.
    async fn settle(&mut self) -> Result<()> {
        let mut statements = Vec::new();
        if !self.asked.is_empty() {
            statements.push(members::record_many(&self.db, &self.asked, self.real_now)?);
            self.asked.clear();
        }
        if !self.blocked.is_empty() {
            statements.push(outbox::block_statement(&self.db, &self.blocked, self.now)?);
            self.blocked.clear();
        }
        if !statements.is_empty() {
            store::counters::write(statements.len() as u64);
            crate::store::batch(&self.db, statements).await?;
        }
        for (community, user) in std::mem::take(&mut self.left) {
            if self.calls_left == 0 {
                break;
            }
            self.calls_left -= 1;
            client::left(self.env, &community, user).await;
        }
        Ok(())
    }

    fn report(&self) {
        if self.sent + self.dropped > 0 {
            console_log!(
                "outbox: {} sent, {} no longer owed (left, off, undone, not a member)",
                self.sent,
                self.dropped
            );
        }
    }
}

/// The text a claimed row sends (and its entities), or `None` when nothing
/// is owed any more: the user no longer goes, turned reminders off, the
/// event is gone, or a change was undone.
fn message(
    table: Table,
    row: &Due,
    zone: &IntlZone,
    now: i64,
    words: &Words,
) -> Option<(String, Option<Value>)> {
    match table {
        Table::Reminders => {
            if !row.attending {
                return None;
            }
            let minutes = u32::try_from(row.minutes?).ok()?;
            let event = event_of(row.event.as_ref()?);
            let occurrence = event.schedule().on(zone, Day::parse(&row.day)?)?;
            Some(reminder(
                words,
                row.language,
                &event.title,
                minutes,
                &occurrence,
                zone,
            ))
        }
        Table::Notices if row.kind == "change" => {
            let now_event = event_of(row.event.as_ref()?);
            let before = baseline(row.baseline.as_deref()?, &now_event)?;
            let next = now_event.schedule().next(zone, now);
            if row.language != crate::i18n::ENGLISH {
                let own = changed_in(
                    words,
                    row.language,
                    &before,
                    &now_event,
                    next.as_ref(),
                    zone,
                );
                if own.is_some() {
                    return own;
                }
            }
            texts::changed(&before, &now_event, next.as_ref(), zone).map(|t| (t, None))
        }
        Table::Notices => {
            // Stored in English; other readers get their own words where
            // the event still says enough.
            let own = (row.language != crate::i18n::ENGLISH)
                .then(|| notice_in(words, row, zone, now))
                .flatten();
            own.or_else(|| Some((row.text.clone(), None)).filter(|(t, _)| !t.is_empty()))
        }
    }
}

/// A notice in the reader's own words (`None`: as stored): what a spot
/// opening or a host's answer or removal says, the occurrence's start a
/// `date_time` entity.
fn notice_in(
    words: &Words,
    row: &Due,
    zone: &IntlZone,
    now: i64,
) -> Option<(String, Option<Value>)> {
    if row.kind == "cancel" {
        // The event is gone: what it was is kept with the notice.
        let said: Value = serde_json::from_str(row.baseline.as_deref()?).ok()?;
        let title = said[0].as_str()?;
        let Some(starts_at) = said[1].as_i64() else {
            return Some((
                words.say("bot.notice.cancelled_undated", &[("title", title)]),
                None,
            ));
        };
        let when = crate::clock::local_words(row.language, zone.name(), starts_at, true)?;
        let values = [("title", title), ("when", when.as_str())];
        let (text, at) = words.say_marked("bot.notice.cancelled", &values, "when");
        return Some((text, date_time(at, starts_at)));
    }
    let event = event_of(row.event.as_ref()?);
    let title = event.title.as_str();
    let key = match row.kind.as_str() {
        "removed" => return Some((words.say("bot.notice.removed", &[("title", title)]), None)),
        "declined" => return Some((words.say("bot.notice.declined", &[("title", title)]), None)),
        "requests" => return Some((words.say("bot.notice.requests", &[("title", title)]), None)),
        "spot" => "bot.notice.spot",
        "approved" if row.attending => "bot.notice.approved",
        "approved" => "bot.notice.approved_waiting",
        _ => return None,
    };
    let occurrence = event.schedule().next(zone, now)?;
    let when = crate::clock::local_words(row.language, zone.name(), occurrence.starts_at, true)?;
    let (text, at) = words.say_marked(key, &[("title", title), ("when", &when)], "when");
    Some((text, date_time(at, occurrence.starts_at)))
}

/// What an edit changed, in `language` (`None`: nothing a reader cares
/// about, or the runtime could not write the time: then as in English).
fn changed_in(
    words: &Words,
    language: &str,
    before: &Event,
    after: &Event,
    next: Option<&Occurrence>,
    zone: &IntlZone,
) -> Option<(String, Option<Value>)> {
    let moved = before.schedule() != after.schedule();
    let relocated = before.location != after.location;
    let (title, location) = (after.title.as_str(), after.location.as_str());
    let at = |key: &str| words.say(key, &[("title", title), ("location", location)]);
    match (moved, relocated, next) {
        (false, false, _) => None,
        (true, _, Some(o)) => {
            let when = crate::clock::local_words(language, zone.name(), o.starts_at, true)?;
            let end = crate::clock::local_words(language, zone.name(), o.ends_at, false)?;
            let key = match location {
                "" => "bot.notice.moved",
                _ => "bot.notice.moved_at",
            };
            let values = [
                ("title", title),
                ("when", when.as_str()),
                ("end", end.as_str()),
                ("location", location),
            ];
            let (text, marked) = words.say_marked(key, &values, "when");
            Some((text, date_time(marked, o.starts_at)))
        }
        (true, _, None) if location.is_empty() => Some((at("bot.notice.was_moved"), None)),
        (true, _, None) => Some((at("bot.notice.was_moved_at"), None)),
        (false, true, _) if location.is_empty() => Some((at("bot.notice.no_place"), None)),
        (false, true, _) => Some((at("bot.notice.relocated"), None)),
    }
}

/// A reminder in the user's `language`, its time written as the venue's
/// and carrying a `date_time` entity at the occurrence's start (so each
/// reader's Telegram can show it in their own zone).
fn reminder(
    words: &Words,
    language: &str,
    title: &str,
    minutes: u32,
    occurrence: &Occurrence,
    zone: &IntlZone,
) -> (String, Option<Value>) {
    let key = match minutes {
        0 => "bot.reminder.0",
        15 => "bot.reminder.15",
        60 => "bot.reminder.60",
        1440 => "bot.reminder.1440",
        _ => return (texts::reminder(title, minutes, occurrence, zone), None),
    };
    let with_day = minutes == 1440;
    let when = crate::clock::venue_words(language, zone, occurrence.starts_at, with_day, || {
        texts::starts_at(occurrence, zone, with_day)
    });
    let (text, at) = words.say_marked(key, &[("title", title), ("when", &when)], "when");
    (text, date_time(at, occurrence.starts_at))
}

/// An event as a message needs it, from its row.
fn event_of(now: &outbox::EventNow) -> Event {
    Event {
        title: now.title.clone(),
        start: now.start.clone(),
        duration: now.duration,
        date: now.date.as_deref().and_then(Day::parse),
        repeat: Repeat::parse(&now.repeat).unwrap_or(Repeat::Daily),
        location: now.location.clone(),
        ..Event::default()
    }
}

/// What a change notice compares with: an event's date, time, duration,
/// repeat and place, written when the first unsent change was made.
pub fn baseline_of(event: &Event) -> String {
    let schedule = event.schedule();
    json!([
        event.date.map(|d| d.to_string()),
        event.start,
        schedule.duration,
        event.repeat.as_str(),
        event.location
    ])
    .to_string()
}

/// `now` as it was at `baseline` (its title as it is now).
fn baseline(text: &str, now: &Event) -> Option<Event> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some(Event {
        date: value[0].as_str().and_then(Day::parse),
        start: value[1].as_str()?.to_string(),
        duration: value[2].as_f64()?,
        repeat: value[3].as_str().and_then(Repeat::parse)?,
        location: value[4].as_str()?.to_string(),
        ..now.clone()
    })
}
