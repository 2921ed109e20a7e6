//! The JSON bodies of the Bot API calls the bot makes, and where their
//! links point. Pure (the words are `texts.rs`'s), so tested on the host.

use serde_json::{json, Value};

use super::texts;
use crate::calendar::Local;
use crate::catalog::Event;
use crate::media;

/// Telegram takes at most 50 inline results.
pub const MAX_INLINE_RESULTS: usize = 50;

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

/// An event as the bot shows it: with the local day and time (at the
/// venue) of its next occurrence, worked out by the caller.
pub struct Shown<'a> {
    pub event: &'a Event,
    /// The slug of the event's community (`None`: the default one).
    pub community: Option<&'a str>,
    pub at: Local,
    /// When that occurrence starts (Unix seconds).
    pub starts_at: i64,
}

impl Shown<'_> {
    /// "Fri 5 Dec · 19:00 · 3 h", and how it repeats.
    pub fn when(&self) -> String {
        texts::when(self.event, self.at)
    }
}

/// An inline result's words in the language of whoever shares it: the
/// occurrence's day and time at the venue (`at`, the text of its
/// `date_time` entity), what follows (`then`: " · 3 h · weekly"), and the
/// button's label.
pub struct InlineWords {
    pub at: String,
    pub then: String,
    pub open: String,
}

impl InlineWords {
    /// The English words of `shown`.
    pub fn english(shown: &Shown) -> InlineWords {
        let (at, then) = texts::when_parts(shown.event, shown.at);
        InlineWords {
            at,
            then,
            open: texts::OPEN_IN_APP.into(),
        }
    }
}

/// The `sendMessage` body answering a private `/start` or `/events`:
/// `text` and a `web_app` button (they work in private chats only; a
/// group gets its community's link) opening the page, at the event a
/// `/start <id>` names.
pub fn start_message(
    chat_id: i64,
    links: &Links,
    event: Option<i64>,
    text: &str,
    button: &str,
) -> Value {
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{"text": button, "web_app": {"url": links.page(event)}}]]}
    })
}

/// The `date_time` entity of a time written at `at` (UTF-16 offset and
/// length) for the instant `unix_time`, so each reader's Telegram can
/// show it in their own zone.
pub fn date_time(at: Option<(usize, usize)>, unix_time: i64) -> Option<Value> {
    at.map(|(offset, length)| {
        json!([{"type": "date_time", "offset": offset, "length": length, "unix_time": unix_time}])
    })
}

/// What a group gets when the bot joins (`joined`), or for `/events`: a
/// button opening its community.
pub fn community_message(chat_id: i64, link: &str, text: &str, button: &str) -> Value {
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{"text": button, "url": link}]]}
    })
}

/// Buttons opening each community in a private chat (`web_app` buttons
/// work there), one row each: (title, slug); `untitled` names a group
/// without a title.
pub fn community_rows(
    links: &Links,
    communities: &[(String, String)],
    untitled: &str,
) -> Vec<Value> {
    communities
        .iter()
        .map(|(title, slug)| {
            let text = if title.is_empty() { untitled } else { title };
            json!([{"text": text, "web_app": {"url": links.community_page(slug, None)}}])
        })
        .collect()
}

/// A plain answer.
pub fn text_message(chat_id: i64, text: &str) -> Value {
    json!({"chat_id": chat_id, "text": text})
}

/// One event as an inline result: an article whose message names the event
/// and links to it in the Mini App, its start a `date_time` entity.
pub fn inline_result(shown: &Shown, links: &Links, words: &InlineWords) -> Value {
    let event = shown.event;
    let mut when = format!("{}{}", words.at, words.then);
    if !event.location.is_empty() {
        when.push_str(&format!(" · {}", event.location));
    }
    let link = match shown.community {
        Some(slug) => links.community_link(slug, Some(event.id)),
        None => links
            .mini_app_link(Some(event.id))
            .unwrap_or_else(|| links.page(Some(event.id))),
    };
    let message = texts::inline_message(event, &when, &link);
    let at = (
        texts::inline_when_at(event),
        words.at.encode_utf16().count(),
    );
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
            "entities": date_time(Some(at), shown.starts_at),
            "link_preview_options": {"is_disabled": true}
        },
        "reply_markup": {"inline_keyboard": [[{"text": words.open, "url": link}]]}
    });
    if !event.image.is_empty() {
        result["thumbnail_url"] = json!(links.image(&event.image));
    }
    result
}

/// The `answerInlineQuery` body for `events`, each in `words_of` its words.
pub fn inline_answer(
    query_id: &str,
    events: &[Shown],
    links: &Links,
    words_of: impl Fn(&Shown) -> InlineWords,
) -> Value {
    let results: Vec<Value> = events
        .iter()
        .take(MAX_INLINE_RESULTS)
        .map(|e| inline_result(e, links, &words_of(e)))
        .collect();
    // Personal: what one user may see is never shown to another who types
    // the same query.
    json!({"inline_query_id": query_id, "results": results, "cache_time": 10, "is_personal": true})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(day: &str, minutes: u32) -> Local {
        Local {
            day: crate::calendar::Day::parse(day).unwrap_or(crate::calendar::Day(0)),
            seconds: minutes * 60,
        }
    }

    fn links(named: bool) -> Links {
        Links {
            public_url: "https://events.example".into(),
            bot_username: named.then(|| "events_bot".into()),
            app_short_name: named.then(|| "app".into()),
        }
    }

    #[test]
    fn buttons_fit_the_chat() {
        let event = Event {
            id: 3,
            title: "Board games".into(),
            duration: 3.0,
            ..Event::default()
        };
        let shown = Shown {
            event: &event,
            community: None,
            at: local("2025-12-05", 19 * 60),
            starts_at: 0,
        };
        // A private chat's web_app button (the English words of a /start
        // come from the catalog: tests/bot.test.mjs).
        let body = start_message(5, &links(true), Some(event.id), "Hi", "Open events");
        assert_eq!(
            body["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"],
            "https://events.example/?event=3"
        );
        assert_eq!(shown.when(), "Fri 5 Dec · 19:00 · 3 h");
        // Groups and shared messages get a t.me link, only with the names.
        assert_eq!(
            links(true).mini_app_link(None).as_deref(),
            Some("https://t.me/events_bot/app")
        );
        assert_eq!(
            links(false).mini_app_link(None),
            None,
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
            at: local("2027-03-30", 13 * 60),
            starts_at: 0,
        };
        let answer = inline_answer("q1", &[shown(&event)], &links(true), InlineWords::english);
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
        // The start is a `date_time` entity over "Tue 30 Mar · 13:00"
        // (offsets in UTF-16: "📅 " is three units).
        let entity = &result["input_message_content"]["entities"][0];
        assert_eq!(entity["type"], "date_time");
        let units: Vec<u16> = text.encode_utf16().collect();
        let (offset, length) = (
            entity["offset"].as_u64().unwrap_or(0) as usize,
            entity["length"].as_u64().unwrap_or(0) as usize,
        );
        assert_eq!(
            String::from_utf16_lossy(&units[offset..offset + length]),
            "Tue 30 Mar · 13:00"
        );
        assert_eq!(
            result["reply_markup"]["inline_keyboard"][0][0]["text"],
            "Open in Mini Events"
        );
        let many: Vec<Shown> = (0..60).map(|_| shown(&event)).collect();
        let answer = inline_answer("q", &many, &links(false), InlineWords::english);
        assert_eq!(answer["results"].as_array().map(Vec::len), Some(50));
    }
}
