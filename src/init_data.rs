//! Validation of Telegram Mini App `initData`.
//!
//! Telegram signs the query string it hands to a Mini App with a key derived
//! from the bot's token. We check that signature before trusting any field in
//! it, as described in Telegram's "Validating data received via the Mini App"
//! and in `docs/protocol.md`. This module never sees `worker`, so it is
//! tested on the host. [`sign`] does what Telegram does, for the tests and
//! the load tool.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far in the future an `auth_date` may be before we call it forged.
/// Clocks drift; a minute is generous and still refuses made-up dates.
const MAX_CLOCK_SKEW_SECONDS: i64 = 60;

/// The Telegram user who signed in, as far as we need them.
#[derive(Debug, Clone, PartialEq)]
pub struct TelegramUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    /// The profile picture's URL, when the user allows it.
    pub photo_url: Option<String>,
    /// Telegram's language for them (an IETF tag such as `pt-br`).
    pub language_code: Option<String>,
}

impl TelegramUser {
    /// Reads initData's `user` (JSON): `id` and `first_name` are required;
    /// the rest is kept when it is text. Read through a JSON value rather
    /// than a derived deserializer, which cost the WASM more.
    fn from_json(text: &str) -> Option<TelegramUser> {
        let user: Value = serde_json::from_str(text).ok()?;
        let optional = |key: &str| user[key].as_str().map(str::to_string);
        Some(TelegramUser {
            id: user["id"].as_i64()?,
            first_name: user["first_name"].as_str()?.to_string(),
            last_name: optional("last_name"),
            username: optional("username"),
            photo_url: optional("photo_url"),
            language_code: optional("language_code"),
        })
    }

    /// First and last name joined by a space, trimmed: the protocol's `name`.
    pub fn display_name(&self) -> String {
        let last = self.last_name.as_deref().unwrap_or("");
        format!("{} {}", self.first_name, last).trim().to_string()
    }
}

/// What a valid `initData` tells us.
#[derive(Debug, Clone, PartialEq)]
pub struct InitData {
    pub user: TelegramUser,
    /// The `startapp` parameter of a deep link, if the app was opened by one.
    pub start_param: Option<String>,
}

/// Why an `initData` string was refused. The text goes into the close reason
/// of the socket, so it says what is wrong without echoing any of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitDataError {
    NoToken,
    DuplicateKey,
    MissingHash,
    BadHash,
    BadAuthDate,
    Expired,
    FromTheFuture,
    BadUser,
}

impl InitDataError {
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoToken => "login is not configured",
            Self::DuplicateKey => "initData has a duplicate key",
            Self::MissingHash => "initData has no hash",
            Self::BadHash => "initData signature is invalid",
            Self::BadAuthDate => "initData has no valid auth_date",
            Self::Expired => "initData has expired",
            Self::FromTheFuture => "initData auth_date is in the future",
            Self::BadUser => "initData has no valid user",
        }
    }
}

/// Checks `init_data` against `bot_token` at time `now` (Unix seconds).
/// `max_age` of 0 disables the age check.
pub fn validate(
    init_data: &str,
    bot_token: &str,
    now: i64,
    max_age: i64,
) -> Result<InitData, InitDataError> {
    if bot_token.is_empty() {
        return Err(InitDataError::NoToken);
    }

    // Sorted by key, as the data-check-string needs. A few fields: a sorted
    // vector, not a BTreeMap (whose code would cost the WASM ~5 KB).
    let mut fields: Vec<_> = form_urlencoded::parse(init_data.as_bytes()).collect();
    fields.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if fields.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return Err(InitDataError::DuplicateKey);
    }
    let field = |name: &str| {
        fields
            .binary_search_by(|(key, _)| key.as_ref().cmp(name))
            .ok()
            .map(|at| fields[at].1.clone())
    };

    let hash = field("hash").ok_or(InitDataError::MissingHash)?;
    let hash = hex::decode(hash.as_bytes()).map_err(|_| InitDataError::BadHash)?;

    let mut check = String::with_capacity(init_data.len());
    for (key, value) in fields.iter().filter(|(key, _)| key != "hash") {
        if !check.is_empty() {
            check.push('\n');
        }
        check.push_str(key);
        check.push('=');
        check.push_str(value);
    }

    let secret = hmac_sha256(b"WebAppData", bot_token.as_bytes());
    let mut mac = HmacSha256::new_from_slice(&secret).map_err(|_| InitDataError::BadHash)?;
    mac.update(check.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&hash)
        .map_err(|_| InitDataError::BadHash)?;

    let auth_date: i64 = field("auth_date")
        .and_then(|v| v.parse().ok())
        .ok_or(InitDataError::BadAuthDate)?;
    if auth_date > now + MAX_CLOCK_SKEW_SECONDS {
        return Err(InitDataError::FromTheFuture);
    }
    if max_age > 0 && now - auth_date > max_age {
        return Err(InitDataError::Expired);
    }

    let user = field("user")
        .and_then(|v| TelegramUser::from_json(&v))
        .ok_or(InitDataError::BadUser)?;
    if user.id <= 0 {
        return Err(InitDataError::BadUser);
    }

    let start_param = field("start_param")
        .map(|v| v.into_owned())
        .filter(|v| !v.is_empty());

    Ok(InitData { user, start_param })
}

/// Signs `fields` (`auth_date`, `user`, ...) the way Telegram does and
/// returns the initData query string with its `hash`.
pub fn sign(fields: &[(&str, &str)], bot_token: &str) -> String {
    let mut sorted: Vec<_> = fields.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let check = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let secret = hmac_sha256(b"WebAppData", bot_token.as_bytes());
    let hash = hex::encode(hmac_sha256(&secret, check.as_bytes()));
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.append_pair("hash", &hash);
    out.finish()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456:TEST-token";
    const NOW: i64 = 1_700_000_000;
    const USER: &str =
        r#"{"id":5000000001,"first_name":"Ada","last_name":"Lovelace","username":"ada"}"#;

    fn signed(extra: &[(&str, &str)]) -> String {
        let date = NOW.to_string();
        let mut fields = vec![("auth_date", date.as_str()), ("user", USER)];
        fields.extend_from_slice(extra);
        sign(&fields, TOKEN)
    }

    #[test]
    fn accepts_valid_data() {
        let data =
            validate(&signed(&[("query_id", "AAE")]), TOKEN, NOW, 86400).expect("valid initData");
        assert_eq!(data.user.id, 5_000_000_001);
        assert_eq!(data.user.display_name(), "Ada Lovelace");
        assert_eq!(data.user.username.as_deref(), Some("ada"));
        assert_eq!(data.start_param, None);
    }

    #[test]
    fn reads_start_param() {
        let data = validate(&signed(&[("start_param", "7")]), TOKEN, NOW, 0).expect("valid");
        assert_eq!(data.start_param.as_deref(), Some("7"));
    }

    #[test]
    fn includes_signature_field_in_check_string() {
        let data = signed(&[("signature", "abc")]);
        assert!(validate(&data, TOKEN, NOW, 0).is_ok());
        let stripped = data.replace("signature=abc&", "");
        assert_eq!(
            validate(&stripped, TOKEN, NOW, 0),
            Err(InitDataError::BadHash)
        );
    }

    #[test]
    fn refuses_tampered_hash() {
        let data = signed(&[]);
        let (body, hash) = data.split_at(data.len() - 1);
        let flipped = if hash == "0" { "1" } else { "0" };
        let tampered = format!("{body}{flipped}");
        assert_eq!(
            validate(&tampered, TOKEN, NOW, 0),
            Err(InitDataError::BadHash)
        );
    }

    #[test]
    fn refuses_non_hex_hash() {
        let data = format!(
            "{}&hash=zz",
            signed(&[]).split("&hash=").next().unwrap_or("")
        );
        assert_eq!(validate(&data, TOKEN, NOW, 0), Err(InitDataError::BadHash));
    }

    #[test]
    fn refuses_tampered_field() {
        let data = signed(&[]).replace("Ada", "Eve");
        assert_eq!(validate(&data, TOKEN, NOW, 0), Err(InitDataError::BadHash));
    }

    #[test]
    fn refuses_other_bot_token() {
        assert_eq!(
            validate(&signed(&[]), "999:other", NOW, 0),
            Err(InitDataError::BadHash)
        );
    }

    #[test]
    fn refuses_without_token() {
        assert_eq!(
            validate(&signed(&[]), "", NOW, 0),
            Err(InitDataError::NoToken)
        );
    }

    #[test]
    fn refuses_expired() {
        assert_eq!(
            validate(&signed(&[]), TOKEN, NOW + 86401, 86400),
            Err(InitDataError::Expired)
        );
        assert!(validate(&signed(&[]), TOKEN, NOW + 86400, 86400).is_ok());
    }

    #[test]
    fn max_age_zero_disables_expiry() {
        assert!(validate(&signed(&[]), TOKEN, NOW + 10_000_000, 0).is_ok());
    }

    #[test]
    fn refuses_future_auth_date() {
        assert_eq!(
            validate(&signed(&[]), TOKEN, NOW - 3600, 86400),
            Err(InitDataError::FromTheFuture)
        );
        assert!(validate(&signed(&[]), TOKEN, NOW - 30, 86400).is_ok());
    }

    #[test]
    fn refuses_missing_hash() {
        let data = signed(&[]);
        let without = data.split("&hash=").next().unwrap_or("");
        assert_eq!(
            validate(without, TOKEN, NOW, 0),
            Err(InitDataError::MissingHash)
        );
    }

    #[test]
    fn refuses_missing_auth_date() {
        let data = sign(&[("user", USER)], TOKEN);
        assert_eq!(
            validate(&data, TOKEN, NOW, 0),
            Err(InitDataError::BadAuthDate)
        );
    }

    #[test]
    fn refuses_missing_or_malformed_user() {
        let date = NOW.to_string();
        for user in [
            None,
            Some("not json"),
            Some(r#"{"first_name":"NoId"}"#),
            Some(r#"{"id":1}"#),
            Some(r#"{"id":"12","first_name":"StringId"}"#),
            Some(r#"{"id":-4,"first_name":"Negative"}"#),
        ] {
            let mut fields = vec![("auth_date", date.as_str())];
            if let Some(user) = user {
                fields.push(("user", user));
            }
            assert_eq!(
                validate(&sign(&fields, TOKEN), TOKEN, NOW, 0),
                Err(InitDataError::BadUser),
                "user {user:?}"
            );
        }
    }

    #[test]
    fn refuses_duplicate_keys() {
        // Both copies signed or not, a second auth_date must never be accepted.
        let data = format!("auth_date={NOW}&{}", signed(&[]));
        assert_eq!(
            validate(&data, TOKEN, NOW, 0),
            Err(InitDataError::DuplicateKey)
        );
    }

    #[test]
    fn plus_and_percent_20_both_mean_space() {
        let user = r#"{"id":42,"first_name":"Mary Ann"}"#;
        let date = NOW.to_string();
        let data = sign(&[("auth_date", &date), ("user", user)], TOKEN);
        // form_urlencoded writes spaces as '+'; Telegram writes %20.
        assert!(data.contains("Mary+Ann"));
        let with_20 = data.replace("Mary+Ann", "Mary%20Ann");
        for variant in [data, with_20] {
            let parsed = validate(&variant, TOKEN, NOW, 0).expect("valid");
            assert_eq!(parsed.user.first_name, "Mary Ann");
        }
    }

    #[test]
    fn encoded_equals_and_ampersand_in_values() {
        let user = r#"{"id":42,"first_name":"A&B=C"}"#;
        let date = NOW.to_string();
        let data = sign(
            &[("auth_date", &date), ("user", user), ("query_id", "x=y&z")],
            TOKEN,
        );
        assert!(data.contains("%26") && data.contains("%3D"));
        let parsed = validate(&data, TOKEN, NOW, 0).expect("valid");
        assert_eq!(parsed.user.first_name, "A&B=C");
    }

    #[test]
    fn name_without_last_name_is_trimmed() {
        let user = TelegramUser {
            id: 1,
            first_name: "Solo".into(),
            last_name: None,
            username: None,
            photo_url: None,
            language_code: None,
        };
        assert_eq!(user.display_name(), "Solo");
    }
}
