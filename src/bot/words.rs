//! The bot's words in one language, from the catalogs the page shares
//! (`static/i18n/<code>.json`, served to the Worker through the `ASSETS`
//! binding, so they cost the WASM nothing), each read once per isolate and
//! kept. A key a catalog lacks falls back to English, then to the key.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};
use worker::{console_error, Env};

use crate::i18n::ENGLISH;

type Catalog = Rc<Map<String, Value>>;

thread_local! {
    static LOADED: RefCell<HashMap<&'static str, Catalog>> = RefCell::new(HashMap::new());
}

/// One language's words, with English behind them.
pub struct Words {
    own: Catalog,
    english: Catalog,
}

/// A catalog, from memory or through `ASSETS` (empty when it cannot be
/// read: English, then the keys, show instead; logged).
async fn catalog(env: &Env, language: &'static str) -> Catalog {
    if let Some(kept) = LOADED.with(|l| l.borrow().get(language).cloned()) {
        return kept;
    }
    let read = async {
        let assets = env.assets("ASSETS")?;
        let url = format!("https://assets.local/i18n/{language}.json");
        let mut response = assets.fetch(url, None).await?;
        if response.status_code() != 200 {
            return Err(worker::Error::from(format!(
                "HTTP {}",
                response.status_code()
            )));
        }
        let text = response.text().await?;
        serde_json::from_str::<Map<String, Value>>(&text).map_err(|e| e.to_string().into())
    };
    match read.await {
        Ok(words) => {
            let words = Rc::new(words);
            LOADED.with(|l| l.borrow_mut().insert(language, Rc::clone(&words)));
            words
        }
        Err(error) => {
            console_error!("reading the {language} catalog: {error}");
            Rc::new(Map::new())
        }
    }
}

impl Words {
    /// The words of `language` (one of [`crate::i18n::LANGUAGES`]).
    pub async fn of(env: &Env, language: &'static str) -> Words {
        let english = catalog(env, ENGLISH).await;
        let own = match language {
            ENGLISH => Rc::clone(&english),
            _ => catalog(env, language).await,
        };
        Words { own, english }
    }

    /// The text of `key`, its `{name}`s replaced by `values`.
    pub fn say(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.text(key), values, "").0
    }

    /// As [`Words::say`], and where the value of `{marked}` went: its
    /// offset and length in UTF-16 code units (how Telegram counts a
    /// message entity's).
    pub fn say_marked(
        &self,
        key: &str,
        values: &[(&str, &str)],
        marked: &str,
    ) -> (String, Option<(usize, usize)>) {
        fill(self.text(key), values, marked)
    }

    fn text<'k>(&'k self, key: &'k str) -> &'k str {
        self.own
            .get(key)
            .or_else(|| self.english.get(key))
            .and_then(Value::as_str)
            .unwrap_or(key)
    }
}

/// `text` with each `{name}` of `values` replaced (once, left to right,
/// so a value holding braces is never read again), and where the value of
/// `{marked}` went (UTF-16 offset and length).
pub fn fill(text: &str, values: &[(&str, &str)], marked: &str) -> (String, Option<(usize, usize)>) {
    let mut out = String::with_capacity(text.len());
    let mut at = None;
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match named {
            Some((value, close)) => {
                if !marked.is_empty() && &after[..close] == marked {
                    let offset = out.encode_utf16().count();
                    at = Some((offset, value.encode_utf16().count()));
                }
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        let say = |text, values: &[(&str, &str)]| fill(text, values, "").0;
        assert_eq!(say("In {zone} now.", &[("zone", "UTC")]), "In UTC now.");
        assert_eq!(
            say("{a} and {b}", &[("a", "{b}"), ("b", "B")]),
            "{b} and B",
            "a value is not read again"
        );
        assert_eq!(say("{unknown} {", &[]), "{unknown} {");
        assert_eq!(say("«{given}»", &[("given", "x")]), "«x»");
        assert_eq!(
            fill(
                "🎲 {title}, {when}",
                &[("title", "Zoë"), ("when", "19:00")],
                "when"
            ),
            ("🎲 Zoë, 19:00".to_string(), Some((8, 5))),
            "UTF-16 units: the die is two"
        );
    }
}
