//! Languages: which one a user reads, from their own choice or what
//! Telegram says of them. Pure, tested on the host. The words themselves
//! are in the catalogs the page and the Worker share (`static/i18n/`).

use serde_json::Value;

use crate::error::ClientError;

/// The languages offered, English first (the fallback).
pub const LANGUAGES: [&str; 7] = ["en", "ru", "uk", "es", "pt", "de", "fa"];

/// The fallback.
pub const ENGLISH: &str = "en";

/// Ours among `LANGUAGES` for a Telegram `language_code` (its primary
/// subtag: `pt-br` is `pt`), if any.
pub fn of_code(code: &str) -> Option<&'static str> {
    let primary = code.split(['-', '_']).next().unwrap_or("");
    LANGUAGES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(primary))
        .copied()
}

/// The language in force: the user's choice, else what Telegram last said,
/// else English.
pub fn in_force(chosen: Option<&str>, telegram: Option<&str>) -> &'static str {
    chosen
        .and_then(of_code)
        .or_else(|| telegram.and_then(of_code))
        .unwrap_or(ENGLISH)
}

/// A `language_code` as it is kept: at most 16 of `[A-Za-z0-9-]`, or none.
pub fn clean_code(code: &str) -> Option<String> {
    let ok = !code.is_empty()
        && code.len() <= 16
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then(|| code.to_ascii_lowercase())
}

/// The `language` of a `set-language`: one of ours, or `null` to follow
/// Telegram again.
pub fn choice(value: Option<&Value>) -> Result<Option<&'static str>, ClientError> {
    const WRONG: &str = "language must be one of en, ru, uk, es, pt, de, fa, or null";
    match value {
        Some(Value::Null) => Ok(None),
        Some(Value::String(code)) => LANGUAGES
            .iter()
            .find(|l| **l == code.as_str())
            .map(|l| Some(*l))
            .ok_or(ClientError::invalid(WRONG)),
        _ => Err(ClientError::invalid(WRONG)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn telegram_codes_map_by_their_primary_subtag() {
        assert_eq!(of_code("pt-br"), Some("pt"));
        assert_eq!(of_code("RU"), Some("ru"));
        assert_eq!(of_code("fa"), Some("fa"));
        assert_eq!(of_code("it"), None);
        assert_eq!(of_code(""), None);
    }

    #[test]
    fn the_choice_comes_first_then_telegram_then_english() {
        assert_eq!(in_force(Some("de"), Some("ru")), "de");
        assert_eq!(in_force(None, Some("uk")), "uk");
        assert_eq!(in_force(None, Some("it")), "en");
        assert_eq!(in_force(None, None), "en");
    }

    #[test]
    fn a_choice_is_ours_or_null() {
        assert_eq!(choice(Some(&json!("fa"))), Ok(Some("fa")));
        assert_eq!(choice(Some(&json!(null))), Ok(None));
        for bad in [json!("it"), json!("RU"), json!(3), json!("")] {
            assert!(choice(Some(&bad)).is_err(), "{bad}");
        }
        assert!(choice(None).is_err());
        assert_eq!(clean_code("pt-BR"), Some("pt-br".into()));
        assert_eq!(clean_code("x'; DROP"), None);
    }
}
