//! Reading Telegram's updates into what they ask of us ([`Request`]),
//! without any I/O, so it is tested on the host.

use serde_json::Value;

/// An update as Telegram sent it, read field by field where needed (a
/// serde deserializer per part of it cost the WASM more than this does).
/// One that cannot be read is `null`, which asks nothing.
#[derive(Debug, Default)]
pub struct Update(Value);

impl Update {
    pub fn parse(body: &str) -> Update {
        Update(serde_json::from_str(body).unwrap_or(Value::Null))
    }

    /// Its `update_id` (Telegram sends an update again until the webhook
    /// answers 2xx).
    pub fn id(&self) -> Option<i64> {
        self.0["update_id"].as_i64()
    }

    /// Who sent it and Telegram's `language_code` for them, whatever its
    /// kind (a message, a button, an inline query, a member change).
    pub fn language(&self) -> Option<(i64, &str)> {
        let Value::Object(fields) = &self.0 else {
            return None;
        };
        fields.values().find_map(|part| {
            let from = &part["from"];
            Some((from["id"].as_i64()?, from["language_code"].as_str()?))
        })
    }
}

/// A chat in an update.
struct Chat<'a>(&'a Value);

impl Chat<'_> {
    fn id(&self) -> i64 {
        self.0["id"].as_i64().unwrap_or(0)
    }

    fn kind(&self) -> &str {
        self.0["type"].as_str().unwrap_or("")
    }

    fn title(&self) -> String {
        self.0["title"].as_str().unwrap_or("").to_string()
    }

    fn is_group(&self) -> bool {
        matches!(self.kind(), "group" | "supergroup")
    }
}

/// Someone's new status in a `chat_member` or `my_chat_member` update:
/// (chat, user, status, is_member).
fn member_update(update: &Value) -> (Chat<'_>, i64, &str, Option<bool>) {
    let member = &update["new_chat_member"];
    (
        Chat(&update["chat"]),
        member["user"]["id"].as_i64().unwrap_or(0),
        member["status"].as_str().unwrap_or(""),
        member["is_member"].as_bool(),
    )
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
        /// Where the update stands in Telegram's order: its date, then its
        /// `update_id`.
        date: i64,
        update_id: i64,
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
    /// `/timezone <zone>` or `/language <code>` in a group; `anonymous`
    /// when an anonymous admin sent it.
    GroupSetting {
        setting: Setting,
        chat_id: i64,
        title: String,
        from: i64,
        anonymous: bool,
        value: String,
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

/// What a group's admins set with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Timezone,
    Language,
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

impl Update {
    /// Reads what the update asks for. `bot_username` is used to ignore
    /// commands addressed to another bot in a group (`/start@OtherBot`).
    pub fn request(self, bot_username: Option<&str>) -> Request {
        let update = &self.0;
        let query = &update["inline_query"];
        if let Some(id) = query["id"].as_str() {
            return Request::Inline {
                from: query["from"]["id"].as_i64().unwrap_or(0),
                query_id: id.to_string(),
                query: InlineSearch::parse(query["query"].as_str().unwrap_or("")),
            };
        }
        if update["my_chat_member"].is_object() {
            let (chat, _, status, is_member) = member_update(&update["my_chat_member"]);
            if !chat.is_group() {
                return Request::Ignore;
            }
            return Request::BotInGroup {
                chat_id: chat.id(),
                title: chat.title(),
                present: crate::communities::is_member(status, is_member),
                date: update["my_chat_member"]["date"].as_i64().unwrap_or(0),
                update_id: self.id().unwrap_or(0),
            };
        }
        if update["chat_member"].is_object() {
            let (chat, user, status, is_member) = member_update(&update["chat_member"]);
            if !chat.is_group() {
                return Request::Ignore;
            }
            return Request::Member {
                chat_id: chat.id(),
                user,
                member: crate::communities::is_member(status, is_member),
                admin: crate::communities::is_admin_status(status),
            };
        }
        let message = &update["message"];
        let chat = Chat(&message["chat"]);
        if !message["chat"].is_object() {
            return Request::Ignore;
        }
        if let Some(to) = message["migrate_to_chat_id"].as_i64() {
            return Request::Migrated {
                from: chat.id(),
                to,
            };
        }
        let Some(text) = message["text"].as_str() else {
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
        let from = message["from"]["id"].as_i64().unwrap_or(0);
        let setting = match command {
            "timezone" => Some(Setting::Timezone),
            "language" => Some(Setting::Language),
            _ => None,
        };
        if let Some(setting) = setting {
            if !chat.is_group() {
                return Request::Ignore;
            }
            let anonymous = from == crate::communities::ANONYMOUS_ADMIN
                || message["sender_chat"]["id"].as_i64() == Some(chat.id());
            return Request::GroupSetting {
                setting,
                chat_id: chat.id(),
                title: chat.title(),
                from,
                anonymous,
                value: words.next().unwrap_or("").to_string(),
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
            chat_id: chat.id(),
            private: chat.kind() == "private",
            first_name: message["from"]["first_name"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            event,
            from,
            title: chat.title(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn update(json: &str) -> Update {
        Update::parse(json)
    }

    fn text_message(text: &str, chat_type: &str) -> Update {
        update(&format!(
            r#"{{"update_id":1,"message":{{"message_id":1,"date":0,"text":{},"chat":{{"id":5,"type":"{chat_type}"}},"from":{{"id":5,"is_bot":false,"first_name":"Rita","language_code":"pt-br"}}}}}}"#,
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
            date: 0,
            update_id: 1,
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
            Request::GroupSetting {
                setting: Setting::Timezone,
                chat_id: -5,
                title: "G".into(),
                from: 7,
                anonymous: false,
                value: "Europe/Berlin".into()
            }
        );
        let anonymous = zone(
            1_087_968_824,
            r#","sender_chat":{"id":-5,"type":"supergroup"}"#,
        );
        assert!(matches!(
            anonymous,
            Request::GroupSetting {
                anonymous: true,
                ..
            }
        ));
        assert_eq!(
            text_message("/timezone UTC", "private").request(None),
            Request::Ignore,
            "only in groups"
        );
        assert!(matches!(
            text_message("/language uk", "supergroup").request(None),
            Request::GroupSetting {
                setting: Setting::Language,
                value,
                ..
            } if value == "uk"
        ));
    }

    #[test]
    fn reads_the_senders_language_whatever_the_kind() {
        assert_eq!(
            text_message("/start", "private").language(),
            Some((5, "pt-br"))
        );
        let inline = update(
            r#"{"update_id":3,"inline_query":{"id":"q","query":"","from":{"id":9,"first_name":"I","language_code":"fa"}}}"#,
        );
        assert_eq!(inline.language(), Some((9, "fa")));
        let without = update(r#"{"update_id":4,"message":{"from":{"id":9,"first_name":"I"}}}"#);
        assert_eq!(without.language(), None);
        assert_eq!(update("[]").language(), None);
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
}
