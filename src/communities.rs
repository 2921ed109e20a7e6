//! Communities: every Telegram group the bot is added to has its own
//! events, hub, admins and zone. The seed's single app is the default
//! community (id 0 here, no row in D1): events without a community belong
//! to it, and anyone with valid initData enters it.
//!
//! Pure: slugs, start parameters, hub names and what a member status
//! means. The SQL is in `store/communities.rs`, the bot's side in `bot.rs`,
//! the login checks in `hub/login.rs`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The default community's id: events with no community row.
pub const DEFAULT: i64 = 0;

/// Shortest and longest slug accepted.
pub const SLUG_MIN: usize = 8;
pub const SLUG_MAX: usize = 16;
/// Length of the slugs we make: 12 base62 characters, about 71 bits.
const SLUG_LEN: usize = 12;

/// Telegram's id of the "Group" user that anonymous admins post as.
pub const ANONYMOUS_ADMIN: i64 = 1_087_968_824;

/// A community as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub chat_id: i64,
    pub title: String,
    /// IANA zone its events are meant in.
    pub timezone: String,
    pub closed: bool,
}

/// The key slugs are made with, derived from the bot token (never the
/// token itself).
pub fn slug_key(bot_token: &str) -> Vec<u8> {
    Sha256::new()
        .chain_update(b"mini-events community\n")
        .chain_update(bot_token.as_bytes())
        .finalize()
        .to_vec()
}

/// The slug of the group `chat_id`: a MAC of it under `key` in base62, so
/// nobody can guess a group's slug from its id.
pub fn slug_for(key: &[u8], chat_id: i64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("community:{chat_id}").as_bytes());
    let digest = mac.finalize().into_bytes();
    digest
        .iter()
        .take(SLUG_LEN)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Whether `slug` could be one of ours: 8 to 16 of `[A-Za-z0-9]`.
pub fn valid_slug(slug: &str) -> bool {
    (SLUG_MIN..=SLUG_MAX).contains(&slug.len()) && slug.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The name of a community's Durable Object.
pub fn hub_name(slug: &str) -> String {
    format!("c:{slug}")
}

/// What a Mini App `start_param` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartParam {
    /// `None`: the default community.
    pub community: Option<String>,
    pub event: Option<i64>,
}

/// `<event>` (default community), `c<slug>` or `c<slug>_<event>`; a
/// ticket's (`t<ticket>`, `c<slug>_t<ticket>`) names its community here
/// and its event in `tickets::event_of_start`.
pub fn parse_start_param(param: &str) -> StartParam {
    let event_of = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<i64>().ok())
            .flatten()
    };
    if let Some(rest) = param.strip_prefix('c') {
        let (slug, event) = match rest.split_once('_') {
            Some((slug, event)) => (slug, event_of(event)),
            None => (rest, None),
        };
        if valid_slug(slug) {
            return StartParam {
                community: Some(slug.to_string()),
                event,
            };
        }
    }
    StartParam {
        community: None,
        event: event_of(param),
    }
}

/// Whether a `getChatMember` status makes a member: the creator,
/// administrators, members, and restricted users still in the group.
pub fn is_member(status: &str, is_member: Option<bool>) -> bool {
    match status {
        "creator" | "administrator" | "member" => true,
        "restricted" => is_member.unwrap_or(false),
        _ => false,
    }
}

/// Whether a status makes a group admin.
pub fn is_admin_status(status: &str) -> bool {
    matches!(status, "creator" | "administrator")
}

/// The `startapp` value opening community `slug` (at `event`).
pub fn start_param(slug: &str, event: Option<i64>) -> String {
    match event {
        Some(id) => format!("c{slug}_{id}"),
        None => format!("c{slug}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unguessable_stable_and_ours() {
        let key = slug_key("123:abc");
        let a = slug_for(&key, -100_123);
        assert_eq!(a, slug_for(&key, -100_123), "the same group, the same slug");
        assert_ne!(a, slug_for(&key, -100_124));
        assert_ne!(a, slug_for(&slug_key("123:other"), -100_123));
        assert!(valid_slug(&a), "{a}");
        assert_eq!(a.len(), 12);
        for bad in [
            "short",
            "has-dash123",
            "way_too_long_slug_x",
            "ünïcode123",
            "",
        ] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn start_params_name_a_community_and_an_event() {
        let p = |s| parse_start_param(s);
        assert_eq!(
            p("12"),
            StartParam {
                community: None,
                event: Some(12)
            }
        );
        assert_eq!(
            p("cAbCdEfGh12"),
            StartParam {
                community: Some("AbCdEfGh12".into()),
                event: None
            }
        );
        assert_eq!(
            p("cAbCdEfGh12_7"),
            StartParam {
                community: Some("AbCdEfGh12".into()),
                event: Some(7)
            }
        );
        assert_eq!(
            p("cAbCdEfGh12_t7-42-AbCdEfGhIjKlMnOp"),
            StartParam {
                community: Some("AbCdEfGh12".into()),
                event: None
            },
            "a ticket in a group's community opens that community"
        );
        assert_eq!(p("t7-42-AbCdEfGhIjKlMnOp").community, None);
        assert_eq!(p("cshort").community, None, "not a slug");
        assert_eq!(p("x").event, None);
        assert_eq!(start_param("AbCdEfGh12", Some(7)), "cAbCdEfGh12_7");
    }

    #[test]
    fn member_statuses() {
        assert!(is_member("creator", None));
        assert!(is_member("member", None));
        assert!(is_member("restricted", Some(true)));
        assert!(!is_member("restricted", Some(false)));
        assert!(!is_member("left", None));
        assert!(!is_member("kicked", None));
        assert!(is_admin_status("administrator"));
        assert!(!is_admin_status("member"));
    }
}
