//! The bot's side of Telegram, without any I/O: reading updates, deciding
//! the reply, and the JSON bodies of the Bot API calls we make. `bot.rs`
//! sends them through `bot_api.rs`; this module is tested on the host.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::catalog::Event;
use crate::media;

/// The part of an update we act on; everything else is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct Update {
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub inline_query: Option<InlineQuery>,
    /// The bot's own status in a chat changed (added, removed, promoted).
    #[serde(default)]
    pub my_chat_member: Option<MemberUpdate>,
    /// Someone's status in a group changed (sent to bots that are admins).
    #[serde(default)]
    pub chat_member: Option<MemberUpdate>,
}

#[derive(Debug, Deserialize)]
pub struct MemberUpdate {
    pub chat: Chat,
    pub new_chat_member: ChatMember,
}

#[derive(Debug, Deserialize)]
pub struct ChatMember {
    pub user: From,
    pub status: String,
    #[serde(default)]
    pub is_member: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub chat: Chat,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub from: Option<From>,
    /// An anonymous admin posts as the group itself.
    #[serde(default)]
    pub sender_chat: Option<Chat>,
    /// The group became a supergroup with this id.
    #[serde(default)]
    pub migrate_to_chat_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
}

impl Chat {
    pub fn is_group(&self) -> bool {
        self.kind == "group" || self.kind == "supergroup"
    }
}

#[derive(Debug, Deserialize)]
pub struct From {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub first_name: String,
}

#[derive(Debug, Deserialize)]
pub struct InlineQuery {
    pub id: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub from: Option<From>,
}

/// Where links and buttons point: the Worker's public origin and, when
/// configured, the bot's `t.me` Mini App link.
#[derive(Debug, Clone)]
pub struct Links {
    /// `PUBLIC_URL`, or the origin the webhook was called on.
    pub public_url: String,
    pub bot_username: Option<String>,
    pub app_short_name: Option<String>,
}

impl Links {
    /// `https://t.me/<bot>/<app>` (with `?startapp=<id>`), when both names are set.
    pub fn mini_app_link(&self, event: Option<i64>) -> Option<String> {
        match event {
            Some(id) => self.mini_app_start(&id.to_string()),
            None => {
                let bot = self.bot_username.as_deref()?;
                let app = self.app_short_name.as_deref()?;
                Some(format!("https://t.me/{bot}/{app}"))
            }
        }
    }

    /// `https://t.me/<bot>/<app>?startapp=<start>`, when both names are set.
    pub fn mini_app_start(&self, start: &str) -> Option<String> {
        let bot = self.bot_username.as_deref()?;
        let app = self.app_short_name.as_deref()?;
        Some(format!("https://t.me/{bot}/{app}?startapp={start}"))
    }

    /// The page of community `slug` (at `event`), for `web_app` buttons
    /// and where the bot's names are not set.
    pub fn community_page(&self, slug: &str, event: Option<i64>) -> String {
        match event {
            Some(id) => format!("{}/?c={slug}&event={id}", self.public_url),
            None => format!("{}/?c={slug}", self.public_url),
        }
    }

    /// Where a `url` button opens community `slug` (at `event`): the Mini
    /// App link, or the page when the bot's names are not set.
    pub fn community_link(&self, slug: &str, event: Option<i64>) -> String {
        let start = crate::communities::start_param(slug, event);
        self.mini_app_start(&start)
            .unwrap_or_else(|| self.community_page(slug, event))
    }

    /// The page itself, opened from a `web_app` button; `?event=<id>`
    /// makes the page open at that event.
    pub fn page(&self, event: Option<i64>) -> String {
        match event {
            Some(id) => format!("{}/?event={id}", self.public_url),
            None => format!("{}/", self.public_url),
        }
    }

    /// Absolute URL of a stored image (`/media/...` paths are ours).
    pub fn image(&self, image: &str) -> String {
        media::absolute_url(image, &self.public_url)
    }
}

/// What an update asks of us.
#[derive(Debug, PartialEq)]
pub enum Request {
    /// `/start` or `/events`, with the deep link's event id if any.
    OpenApp {
        chat_id: i64,
        private: bool,
        first_name: String,
        event: Option<i64>,
        /// Who asked, and the group's title (in a group).
        from: i64,
        title: String,
    },
    /// The bot was added to a group (`present`) or removed from it.
    BotInGroup {
        chat_id: i64,
        title: String,
        present: bool,
    },
    /// Someone's status in a group changed.
    Member {
        chat_id: i64,
        user: i64,
        member: bool,
        admin: bool,
    },
    /// A group became a supergroup.
    Migrated { from: i64, to: i64 },
    /// `/timezone <zone>` in a group; `anonymous` when an anonymous admin
    /// sent it.
    SetTimezone {
        chat_id: i64,
        title: String,
        from: i64,
        anonymous: bool,
        zone: String,
    },
    /// An inline query: what the user typed after the bot's name.
    Inline {
        query_id: String,
        query: InlineSearch,
        /// Who asked (0 when Telegram did not say).
        from: i64,
    },
    /// Anything else.
    Ignore,
}

/// How an inline query picks events.
#[derive(Debug, PartialEq)]
pub enum InlineSearch {
    /// `event:<id>`: the page's Share button.
    Event(i64),
    /// Two or more characters: a search in titles and descriptions.
    Text(String),
    /// Shorter: the next events by start time.
    Upcoming,
}

/// Shortest inline query that searches instead of listing.
pub const MIN_SEARCH_CHARS: usize = 2;
/// Telegram takes at most 50 inline results.
pub const MAX_INLINE_RESULTS: usize = 50;

impl Update {
    /// Reads what the update asks for. `bot_username` is used to ignore
    /// commands addressed to another bot in a group (`/start@OtherBot`).
    pub fn request(self, bot_username: Option<&str>) -> Request {
        if let Some(query) = self.inline_query {
            return Request::Inline {
                from: query.from.as_ref().map_or(0, |f| f.id),
                query_id: query.id,
                query: InlineSearch::parse(&query.query),
            };
        }
        if let Some(update) = self.my_chat_member {
            if !update.chat.is_group() {
                return Request::Ignore;
            }
            let bot = update.new_chat_member;
            return Request::BotInGroup {
                chat_id: update.chat.id,
                title: update.chat.title.unwrap_or_default(),
                present: crate::communities::is_member(&bot.status, bot.is_member),
            };
        }
        if let Some(update) = self.chat_member {
            if !update.chat.is_group() {
                return Request::Ignore;
            }
            let member = update.new_chat_member;
            return Request::Member {
                chat_id: update.chat.id,
                user: member.user.id,
                member: crate::communities::is_member(&member.status, member.is_member),
                admin: crate::communities::is_admin_status(&member.status),
            };
        }
        let Some(message) = self.message else {
            return Request::Ignore;
        };
        if let Some(to) = message.migrate_to_chat_id {
            return Request::Migrated {
                from: message.chat.id,
                to,
            };
        }
        let Some(text) = message.text.as_deref() else {
            return Request::Ignore;
        };
        let mut words = text.split_whitespace();
        let Some(command) = words.next().and_then(|w| w.strip_prefix('/')) else {
            return Request::Ignore;
        };
        let (command, addressee) = match command.split_once('@') {
            Some((command, bot)) => (command, Some(bot)),
            None => (command, None),
        };
        if let (Some(addressee), Some(me)) = (addressee, bot_username) {
            if !addressee.eq_ignore_ascii_case(me) {
                return Request::Ignore;
            }
        }
        let from = message.from.as_ref().map_or(0, |f| f.id);
        let title = message.chat.title.clone().unwrap_or_default();
        if command == "timezone" {
            if !message.chat.is_group() {
                return Request::Ignore;
            }
            let anonymous = from == crate::communities::ANONYMOUS_ADMIN
                || message
                    .sender_chat
                    .as_ref()
                    .is_some_and(|c| c.id == message.chat.id);
            return Request::SetTimezone {
                chat_id: message.chat.id,
                title,
                from,
                anonymous,
                zone: words.next().unwrap_or("").to_string(),
            };
        }
        if command != "start" && command != "events" {
            return Request::Ignore;
        }
        let event = words
            .next()
            .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|w| w.parse().ok());
        Request::OpenApp {
            chat_id: message.chat.id,
            private: message.chat.kind == "private",
            first_name: message.from.map(|f| f.first_name).unwrap_or_default(),
            event,
            from,
            title,
        }
    }
}

impl InlineSearch {
    pub fn parse(query: &str) -> InlineSearch {
        let query = query.trim();
        if let Some(id) = query
            .strip_prefix("event:")
            .and_then(|id| id.trim().parse::<i64>().ok())
        {
            return InlineSearch::Event(id);
        }
        if query.chars().count() >= MIN_SEARCH_CHARS {
            InlineSearch::Text(query.to_string())
        } else {
            InlineSearch::Upcoming
        }
    }
}

/// An event as the bot shows it: with the day and the local time of its
/// next occurrence (worked out by the caller, in the event's zone).
pub struct Shown<'a> {
    pub event: &'a Event,
    /// The slug of the event's community (`None`: the default one).
    pub community: Option<&'a str>,
    /// "Fri 5 Dec".
    pub day: String,
    /// "19:00".
    pub time: String,
}

impl Shown<'_> {
    /// "Fri 5 Dec · 19:00 · 3 h", and how it repeats.
    pub fn when(&self) -> String {
        let repeat = match self.event.repeat {
            crate::calendar::Repeat::None => "",
            crate::calendar::Repeat::Daily => " · daily",
            crate::calendar::Repeat::Weekly => " · weekly",
        };
        format!(
            "{} · {} · {}{repeat}",
            self.day,
            self.time,
            format_duration(self.event.duration)
        )
    }
}

/// The `sendMessage` body answering `/start` or `/events` (with the event a
/// `/start <id>` names, when it exists). Private chats get a `web_app`
/// button; groups a link to the Mini App, since `web_app` buttons only work
/// in private chats.
pub fn open_app_message(request: &Request, links: &Links, shown: Option<&Shown>) -> Option<Value> {
    let Request::OpenApp {
        chat_id,
        private,
        first_name,
        event,
        ..
    } = request
    else {
        return None;
    };
    let hello = if first_name.is_empty() {
        "Hi!".to_string()
    } else {
        format!("Hi, {first_name}!")
    };
    let (text, button) = if *private {
        let text = match (event, shown) {
            (Some(_), Some(shown)) => format!(
                "{hello} {}: {}. Tap below to open it and sign up.",
                shown.event.title,
                shown.when()
            ),
            (Some(_), None) => format!("{hello} Tap below to open this event and sign up."),
            (None, _) => format!("{hello} Tap below to see what's on and sign up for events."),
        };
        let button = json!({"text": "Open events", "web_app": {"url": links.page(*event)}});
        (text, Some(button))
    } else {
        let button = links
            .mini_app_link(*event)
            .map(|url| json!({"text": "Open events", "url": url}));
        (
            "Tap below to see what's on and sign up for events.".to_string(),
            button,
        )
    };
    let mut body = json!({"chat_id": chat_id, "text": text});
    if let Some(button) = button {
        body["reply_markup"] = json!({"inline_keyboard": [[button]]});
    }
    Some(body)
}

/// What a group gets when the bot joins (`joined`), or for `/events`: a
/// button opening its community.
pub fn community_message(chat_id: i64, link: &str, joined: bool) -> Value {
    let text = match joined {
        true => {
            "Hi! This group now has its own events. Tap below to see them and sign up. \
                 Only members of the group can enter; make me an admin of the group so I can \
                 check who is in it."
        }
        false => "Tap below to see this group's events and sign up.",
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{"text": "Open events", "url": link}]]}
    })
}

/// Buttons opening each community in a private chat (`web_app` buttons
/// work there), one row each: (title, slug).
pub fn community_rows(links: &Links, communities: &[(String, String)]) -> Vec<Value> {
    communities
        .iter()
        .map(|(title, slug)| {
            let text = if title.is_empty() {
                "Group events"
            } else {
                title
            };
            json!([{"text": text, "web_app": {"url": links.community_page(slug, None)}}])
        })
        .collect()
}

/// A plain answer.
pub fn text_message(chat_id: i64, text: &str) -> Value {
    json!({"chat_id": chat_id, "text": text})
}

/// "1 h 30 min" for 1.5 hours.
pub fn format_duration(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    let mut parts = Vec::new();
    if minutes >= 60 {
        parts.push(format!("{} h", minutes / 60));
    }
    if minutes % 60 != 0 {
        parts.push(format!("{} min", minutes % 60));
    }
    if parts.is_empty() {
        "0 min".into()
    } else {
        parts.join(" ")
    }
}

/// One event as an inline result: an article whose message names the event
/// and links to it in the Mini App.
pub fn inline_result(shown: &Shown, links: &Links) -> Value {
    let event = shown.event;
    let mut when = shown.when();
    if !event.location.is_empty() {
        when.push_str(&format!(" · {}", event.location));
    }
    let link = match shown.community {
        Some(slug) => links.community_link(slug, Some(event.id)),
        None => links
            .mini_app_link(Some(event.id))
            .unwrap_or_else(|| links.page(Some(event.id))),
    };
    let mut message = format!("📅 {}\n🕒 {when}", event.title);
    if !event.description.is_empty() {
        message.push_str(&format!("\n\n{}", event.description));
    }
    message.push_str(&format!("\n\n{link}"));
    let summary = if event.description.is_empty() {
        when
    } else {
        format!("{when} · {}", event.description)
    };
    let mut result = json!({
        "type": "article",
        "id": event.id.to_string(),
        "title": event.title,
        "description": summary.chars().take(200).collect::<String>(),
        "input_message_content": {
            "message_text": message,
            "link_preview_options": {"is_disabled": true}
        },
        "reply_markup": {"inline_keyboard": [[{"text": "Open in Mini Events", "url": link}]]}
    });
    if !event.image.is_empty() {
        result["thumbnail_url"] = json!(links.image(&event.image));
    }
    result
}

/// The `answerInlineQuery` body for `events`.
pub fn inline_answer(query_id: &str, events: &[Shown], links: &Links) -> Value {
    let results: Vec<Value> = events
        .iter()
        .take(MAX_INLINE_RESULTS)
        .map(|e| inline_result(e, links))
        .collect();
    json!({"inline_query_id": query_id, "results": results, "cache_time": 10, "is_personal": false})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(named: bool) -> Links {
        Links {
            public_url: "https://events.example".into(),
            bot_username: named.then(|| "events_bot".into()),
            app_short_name: named.then(|| "app".into()),
        }
    }

    fn update(json: &str) -> Update {
        serde_json::from_str(json).unwrap_or_default()
    }

    fn text_message(text: &str, chat_type: &str) -> Update {
        update(&format!(
            r#"{{"update_id":1,"message":{{"message_id":1,"date":0,"text":{},"chat":{{"id":5,"type":"{chat_type}"}},"from":{{"id":5,"is_bot":false,"first_name":"Rita"}}}}}}"#,
            serde_json::to_string(text).unwrap_or_default()
        ))
    }

    #[test]
    fn reads_group_updates() {
        let bot = |status: &str| {
            update(&format!(
                r#"{{"update_id":1,"my_chat_member":{{"chat":{{"id":-100,"type":"supergroup","title":"Hikers"}},
                "from":{{"id":7,"is_bot":false,"first_name":"A"}},"date":0,
                "old_chat_member":{{"user":{{"id":1,"is_bot":true,"first_name":"B"}},"status":"left"}},
                "new_chat_member":{{"user":{{"id":1,"is_bot":true,"first_name":"B"}},"status":"{status}"}}}}}}"#
            ))
        };
        let in_group = |present| Request::BotInGroup {
            chat_id: -100,
            title: "Hikers".into(),
            present,
        };
        assert_eq!(bot("member").request(None), in_group(true));
        assert_eq!(bot("administrator").request(None), in_group(true));
        assert_eq!(bot("kicked").request(None), in_group(false));
        assert_eq!(bot("left").request(None), in_group(false));
        let someone = update(
            r#"{"update_id":2,"chat_member":{"chat":{"id":-100,"type":"group"},"from":{"id":7,"first_name":"A"},"date":0,
            "old_chat_member":{"user":{"id":9,"first_name":"C"},"status":"administrator"},
            "new_chat_member":{"user":{"id":9,"first_name":"C"},"status":"member"}}}"#,
        );
        assert_eq!(
            someone.request(None),
            Request::Member {
                chat_id: -100,
                user: 9,
                member: true,
                admin: false
            }
        );
        let migrated = update(
            r#"{"update_id":3,"message":{"message_id":1,"date":0,"chat":{"id":-5,"type":"group"},"migrate_to_chat_id":-1005}}"#,
        );
        assert_eq!(
            migrated.request(None),
            Request::Migrated {
                from: -5,
                to: -1005
            }
        );
        let zone = |from: i64, sender: &str| {
            update(&format!(
                r#"{{"update_id":4,"message":{{"message_id":1,"date":0,"text":"/timezone Europe/Berlin",
                "chat":{{"id":-5,"type":"supergroup","title":"G"}},"from":{{"id":{from},"first_name":"X"}}{sender}}}}}"#
            ))
            .request(None)
        };
        assert_eq!(
            zone(7, ""),
            Request::SetTimezone {
                chat_id: -5,
                title: "G".into(),
                from: 7,
                anonymous: false,
                zone: "Europe/Berlin".into()
            }
        );
        let anonymous = zone(
            1_087_968_824,
            r#","sender_chat":{"id":-5,"type":"supergroup"}"#,
        );
        assert!(matches!(
            anonymous,
            Request::SetTimezone {
                anonymous: true,
                ..
            }
        ));
        assert_eq!(
            text_message("/timezone UTC", "private").request(None),
            Request::Ignore,
            "only in groups"
        );
    }

    #[test]
    fn reads_commands() {
        let open = |event| Request::OpenApp {
            chat_id: 5,
            private: true,
            first_name: "Rita".into(),
            event,
            from: 5,
            title: String::new(),
        };
        assert_eq!(text_message("/start", "private").request(None), open(None));
        assert_eq!(
            text_message("/start 12", "private").request(None),
            open(Some(12))
        );
        assert_eq!(text_message("/events", "private").request(None), open(None));
        assert_eq!(
            text_message("/start abc", "private").request(None),
            open(None)
        );
        assert_eq!(
            text_message("/start@events_bot", "private").request(Some("Events_Bot")),
            open(None)
        );
        assert_eq!(
            text_message("/start@other_bot", "group").request(Some("events_bot")),
            Request::Ignore
        );
        assert_eq!(
            text_message("/help", "private").request(None),
            Request::Ignore
        );
        assert_eq!(
            text_message("start", "private").request(None),
            Request::Ignore
        );
        assert_eq!(update(r#"{"update_id":1}"#).request(None), Request::Ignore);
        assert_eq!(update("not json").request(None), Request::Ignore);
    }

    #[test]
    fn reads_inline_queries() {
        assert_eq!(InlineSearch::parse("event:7"), InlineSearch::Event(7));
        assert_eq!(InlineSearch::parse(" event: 7 "), InlineSearch::Event(7));
        assert_eq!(InlineSearch::parse("ab"), InlineSearch::Text("ab".into()));
        assert_eq!(InlineSearch::parse("é"), InlineSearch::Upcoming);
        assert_eq!(InlineSearch::parse("  "), InlineSearch::Upcoming);
        assert_eq!(
            InlineSearch::parse("event:x"),
            InlineSearch::Text("event:x".into())
        );
    }

    #[test]
    fn buttons_fit_the_chat() {
        let private = text_message("/start 3", "private").request(None);
        let event = Event {
            id: 3,
            title: "Board games".into(),
            duration: 3.0,
            ..Event::default()
        };
        let shown = Shown {
            event: &event,
            community: None,
            day: "Fri 5 Dec".into(),
            time: "19:00".into(),
        };
        let body = open_app_message(&private, &links(true), Some(&shown)).unwrap_or_default();
        assert_eq!(
            body["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"],
            "https://events.example/?event=3"
        );
        assert_eq!(
            body["text"],
            "Hi, Rita! Board games: Fri 5 Dec · 19:00 · 3 h. Tap below to open it and sign up."
        );
        let group = text_message("/start", "supergroup").request(None);
        let body = open_app_message(&group, &links(true), None).unwrap_or_default();
        assert_eq!(
            body["reply_markup"]["inline_keyboard"][0][0]["url"],
            "https://t.me/events_bot/app"
        );
        let unnamed = open_app_message(&group, &links(false), None).unwrap_or_default();
        assert!(
            unnamed.get("reply_markup").is_none(),
            "no link without names"
        );
    }

    #[test]
    fn inline_results() {
        let event = Event {
            id: 4,
            title: "Picnic".into(),
            description: "Bring food".into(),
            image: "/media/a.png".into(),
            start: "13:00".into(),
            duration: 1.5,
            location: "Park".into(),
            repeat: crate::calendar::Repeat::Weekly,
            ..Event::default()
        };
        let shown = |event| Shown {
            event,
            community: None,
            day: "Tue 30 Mar".into(),
            time: "13:00".into(),
        };
        let answer = inline_answer("q1", &[shown(&event)], &links(true));
        let result = &answer["results"][0];
        assert_eq!(answer["inline_query_id"], "q1");
        assert_eq!(result["id"], "4");
        assert_eq!(
            result["thumbnail_url"],
            "https://events.example/media/a.png"
        );
        let text = result["input_message_content"]["message_text"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("Picnic"), "{text}");
        assert!(
            text.contains("Tue 30 Mar · 13:00 · 1 h 30 min · weekly · Park"),
            "{text}"
        );
        assert!(text.contains("https://t.me/events_bot/app?startapp=4"));
        let many: Vec<Shown> = (0..60).map(|_| shown(&event)).collect();
        let answer = inline_answer("q", &many, &links(false));
        assert_eq!(answer["results"].as_array().map(Vec::len), Some(50));
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(0.25), "15 min");
        assert_eq!(format_duration(2.0), "2 h");
        assert_eq!(format_duration(1.5), "1 h 30 min");
    }
}
