//! The Bot API client: calls to `TELEGRAM_API` with the bot's token, for the
//! webhook's answers (`bot/mod.rs`), the member checks (`access/check.rs`)
//! and the outbox (`notify.rs`) alike.
//!
//! The token is part of every URL, and a failed fetch may quote its URL in
//! the error, so no error leaves this module with the token in it.

use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{console_error, Fetch, Headers, Method, Request, RequestInit};

use crate::communities;
use crate::config::Config;

/// What the Bot API said to a call.
#[derive(Debug, PartialEq)]
pub enum ApiReply {
    Ok,
    /// 429: wait this many seconds, then try again.
    RetryAfter(u64),
    /// 403: the user blocked the bot (or never started it).
    Forbidden,
    /// Anything else, with Telegram's description.
    Failed(String),
}

impl ApiReply {
    pub fn parse(status: u16, body: &str) -> ApiReply {
        let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        if status == 200 && value["ok"] == json!(true) {
            return ApiReply::Ok;
        }
        let code = value["error_code"].as_u64().unwrap_or(u64::from(status));
        match code {
            429 => ApiReply::RetryAfter(value["parameters"]["retry_after"].as_u64().unwrap_or(1)),
            403 => ApiReply::Forbidden,
            _ => ApiReply::Failed(
                value["description"]
                    .as_str()
                    .unwrap_or("no description")
                    .chars()
                    .take(200)
                    .collect(),
            ),
        }
    }
}

/// A call that did not get an answer from Telegram (a bad `TELEGRAM_API`,
/// the network). Its text never holds the token.
#[derive(Debug)]
pub struct CallFailed(String);

impl std::fmt::Display for CallFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<CallFailed> for worker::Error {
    fn from(error: CallFailed) -> worker::Error {
        worker::Error::RustError(error.0)
    }
}

/// Why a call gave no result.
#[derive(Debug)]
pub enum Refused {
    /// Telegram answered, but not ok.
    Telegram { status: u16, reply: ApiReply },
    /// No answer from Telegram.
    Unreachable(CallFailed),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Telegram { status, reply } => write!(f, "{status} {reply:?}"),
            Refused::Unreachable(failed) => write!(f, "{failed}"),
        }
    }
}

impl Refused {
    /// Whether Telegram could not be asked: no answer, a 5xx, or a 429
    /// (the access rules then fall back on what was known).
    pub fn is_silence(&self) -> bool {
        match self {
            Refused::Unreachable(_) => true,
            Refused::Telegram { status, reply } => {
                *status >= 500 || matches!(reply, ApiReply::RetryAfter(_))
            }
        }
    }
}

/// What `getChatMember` said of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Said {
        member: bool,
        admin: bool,
    },
    /// Telegram could not be asked.
    Silent,
}

pub struct BotApi {
    base: String,
    token: String,
}

impl BotApi {
    pub fn new(config: &Config) -> BotApi {
        BotApi {
            base: config.telegram_api.trim_end_matches('/').to_string(),
            token: config.bot_token.clone(),
        }
    }

    /// Calls `method` and returns its `result` when Telegram answered ok;
    /// otherwise why not.
    pub async fn fetch(&self, method: &str, body: &Value) -> Result<Value, Refused> {
        if self.token.is_empty() {
            return Err(Refused::Unreachable(CallFailed(
                "BOT_TOKEN is not set".into(),
            )));
        }
        let (status, text) = self.send_raw(method, body).await.map_err(|error| {
            Refused::Unreachable(CallFailed(redact(&error.to_string(), &self.token)))
        })?;
        match ApiReply::parse(status, &text) {
            ApiReply::Ok => {
                let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                Ok(value["result"].clone())
            }
            reply => Err(Refused::Telegram { status, reply }),
        }
    }

    /// Calls `method` with a JSON body and says how it went.
    pub async fn call(&self, method: &str, body: &Value) -> Result<ApiReply, CallFailed> {
        if self.token.is_empty() {
            return Err(CallFailed("BOT_TOKEN is not set".into()));
        }
        let reply = self
            .send(method, body)
            .await
            .map_err(|error| CallFailed(redact(&error.to_string(), &self.token)))?;
        if let ApiReply::Failed(description) = &reply {
            console_error!(
                "Bot API {method} failed: {}",
                redact(description, &self.token)
            );
        }
        Ok(reply)
    }

    async fn send(&self, method: &str, body: &Value) -> worker::Result<ApiReply> {
        let (status, text) = self.send_raw(method, body).await?;
        Ok(ApiReply::parse(status, &text))
    }

    async fn send_raw(&self, method: &str, body: &Value) -> worker::Result<(u16, String)> {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(&body.to_string())));
        let url = format!("{}/bot{}/{method}", self.base, self.token);
        let request = Request::new_with_init(&url, &init)?;
        let mut response = Fetch::Request(request).send().await?;
        let text = response.text().await.unwrap_or_default();
        Ok((response.status_code(), text))
    }
}

impl BotApi {
    /// What `getChatMember` says of `user` in group `chat`. A refusal
    /// that is not silence (the user or chat is not found, the bot is not
    /// in the group) says they are not a member.
    pub async fn chat_member(&self, chat: i64, user: i64) -> Member {
        let body = json!({"chat_id": chat, "user_id": user});
        match self.fetch("getChatMember", &body).await {
            Ok(member) => {
                let status = member["status"].as_str().unwrap_or("");
                let is_member = member["is_member"].as_bool();
                Member::Said {
                    member: communities::is_member(status, is_member),
                    admin: communities::is_admin_status(status),
                }
            }
            Err(refused) if refused.is_silence() => {
                console_error!("getChatMember failed: {refused}");
                Member::Silent
            }
            Err(refused) => {
                console_error!("getChatMember refused: {refused}");
                Member::Said {
                    member: false,
                    admin: false,
                }
            }
        }
    }

    /// The ids of group `chat`'s creator and administrators (bots left
    /// out), or `None` when Telegram did not answer.
    pub async fn chat_admins(&self, chat: i64) -> Option<Vec<i64>> {
        match self
            .fetch("getChatAdministrators", &json!({"chat_id": chat}))
            .await
        {
            Ok(Value::Array(admins)) => Some(
                admins
                    .iter()
                    .filter(|a| a["user"]["is_bot"].as_bool() != Some(true))
                    .filter_map(|a| a["user"]["id"].as_i64())
                    .collect(),
            ),
            Ok(_) => None,
            Err(refused) => {
                console_error!("getChatAdministrators failed: {refused}");
                None
            }
        }
    }
}

/// `text` with the token taken out, and with it anything that looks like a
/// Bot API path (`/bot<token>/`), in case the runtime quoted the URL in
/// another form (percent-encoded, say).
pub fn redact(text: &str, token: &str) -> String {
    let mut text = if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "<token>")
    };
    let mut from = 0;
    while let Some(found) = text[from..].find("/bot") {
        let start = from + found + "/bot".len();
        let end = text[start..]
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .map_or(text.len(), |i| start + i);
        if end > start && &text[start..end] != "<token>" {
            text.replace_range(start..end, "<token>");
        }
        from = start;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_token_in_any_form() {
        let token = "123456:ABC-def_ghi";
        let error = "TypeError: Fetch API cannot load: htps://api.telegram.org/bot123456:ABC-def_ghi/sendMessage";
        let clean = redact(error, token);
        assert!(!clean.contains("ABC-def"), "{clean}");
        assert!(clean.contains("/bot<token>/sendMessage"), "{clean}");
        let encoded = "bad URL https://x.example/bot123456%3AABC-def_ghi/getMe";
        let clean = redact(encoded, token);
        assert!(!clean.contains("ABC-def"), "{clean}");
        assert_eq!(redact("no secrets here", token), "no secrets here");
        assert_eq!(redact("at /bot", token), "at /bot");
    }

    #[test]
    fn api_replies() {
        assert_eq!(
            ApiReply::parse(200, r#"{"ok":true,"result":{}}"#),
            ApiReply::Ok
        );
        assert_eq!(
            ApiReply::parse(
                429,
                r#"{"ok":false,"error_code":429,"parameters":{"retry_after":7}}"#
            ),
            ApiReply::RetryAfter(7)
        );
        assert_eq!(
            ApiReply::parse(403, r#"{"ok":false,"error_code":403}"#),
            ApiReply::Forbidden
        );
        assert_eq!(
            ApiReply::parse(502, "<html>bad gateway</html>"),
            ApiReply::Failed("no description".into())
        );
    }
}
