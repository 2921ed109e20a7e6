//! Tickets: what a person going to an event shows at the door. A ticket is
//! `<event>-<user>-<mac>`: the event's and the user's ids and a MAC of both
//! under the server's feed key (`CALENDAR_SECRET`, or one derived from
//! `BOT_TOKEN`, `calendar/feed.rs`), so it needs no storage, is the same at
//! every login, differs per user and per event, and cannot be made up.
//! Whether it still admits anyone is the going list's say (a ticket of
//! someone who left is `not_on_list`). Pure, tested on the host.
//!
//! The start parameter a ticket's QR code opens is `t<ticket>` (in a
//! group's community `c<slug>_t<ticket>`), within Telegram's 64
//! characters while the two ids have at most 27 digits together (a slug
//! has at most 16 characters; user ids have at most 16 digits).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::calendar::feed::base64url;

/// Characters of the MAC in a ticket: 16 of base64url are 96 bits.
const MAC_CHARS: usize = 16;

/// The ticket key, ready to sign (the key's hashing done once).
#[derive(Clone)]
pub struct Tickets {
    mac: Hmac<Sha256>,
}

impl Tickets {
    /// `key`: the feed key (`calendar::feed::key`); tickets sign a text of
    /// their own, so no ticket is a feed token or the other way round.
    pub fn new(key: &[u8]) -> Tickets {
        let mac = match Hmac::<Sha256>::new_from_slice(key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        Tickets { mac }
    }

    /// The ticket key of a deployment with these secrets (the feed key's
    /// rule: `CALENDAR_SECRET`, else derived from `BOT_TOKEN`).
    pub fn from_secrets(calendar_secret: Option<&str>, bot_token: &str) -> Tickets {
        Tickets::new(&crate::calendar::feed::key(calendar_secret, bot_token))
    }

    fn mac(&self, event: i64, user: i64) -> String {
        let mut mac = self.mac.clone();
        mac.update(format!("ticket:{event}:{user}").as_bytes());
        base64url(&mac.finalize().into_bytes(), MAC_CHARS)
    }

    /// The ticket of `user` for `event`.
    pub fn ticket(&self, event: i64, user: i64) -> String {
        format!("{event}-{user}-{}", self.mac(event, user))
    }

    /// The event and the user a ticket we made is for (its MAC compared in
    /// constant time); `None` for anything else.
    pub fn read(&self, ticket: &str) -> Option<(i64, i64)> {
        let (event, rest) = ticket.split_once('-')?;
        let (user, given) = rest.split_once('-')?;
        let id = |text: &str| crate::calendar::feed::decimal(text).filter(|id| *id > 0);
        let (event, user) = (id(event)?, id(user)?);
        if given.len() != MAC_CHARS {
            return None;
        }
        let expected = self.mac(event, user);
        bool::from(expected.as_bytes().ct_eq(given.as_bytes())).then_some((event, user))
    }
}

/// The event a start parameter's ticket names (`t<ticket>` or
/// `c<slug>_t<ticket>`), unchecked: enough to show the event; checking in
/// asks [`Tickets::read`].
pub fn event_of_start(param: &str) -> Option<i64> {
    let ticket = match param.strip_prefix('c') {
        Some(rest) => rest.split_once("_t")?.1,
        None => param.strip_prefix('t')?,
    };
    let (event, _) = ticket.split_once('-')?;
    crate::calendar::feed::decimal(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::feed;

    fn tickets() -> Tickets {
        Tickets::new(&feed::key(None, "123:token"))
    }

    #[test]
    fn a_ticket_is_per_user_and_event_stable_and_ours() {
        let t = tickets();
        let ticket = t.ticket(12, 5_000_000_001);
        assert!(ticket.len() >= 16);
        assert!(ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(ticket, tickets().ticket(12, 5_000_000_001), "stable");
        assert_ne!(ticket, t.ticket(13, 5_000_000_001), "per event");
        assert_ne!(ticket, t.ticket(12, 5_000_000_002), "per user");
        assert_eq!(t.read(&ticket), Some((12, 5_000_000_001)));
        let swapped = ticket.replacen("12-", "13-", 1);
        assert_eq!(t.read(&swapped), None, "another event with this MAC");
        let other = ticket.replacen("5000000001", "5000000002", 1);
        assert_eq!(t.read(&other), None, "another user with this MAC");
        let calendar = feed::token(&feed::key(None, "123:token"), 5_000_000_001);
        assert_eq!(t.read(&format!("12-{calendar}")), None);
        for bad in [
            "",
            "12",
            "12-5",
            "12-5-",
            "x-5-abcdefghijklmnop",
            "0-5-abcdefghijklmnop",
            "12--abcdefghijklmnop",
            "99999999999999999999-5-abcdefghijklmnop",
        ] {
            assert_eq!(t.read(bad), None, "{bad}");
        }
        let rotated = Tickets::new(&feed::key(Some("new secret"), "123:token"));
        assert_eq!(rotated.read(&ticket), None, "a new secret revokes");
    }

    #[test]
    fn a_start_parameter_names_the_tickets_event() {
        let ticket = tickets().ticket(12, 5_000_000_001);
        assert_eq!(event_of_start(&format!("t{ticket}")), Some(12));
        assert_eq!(event_of_start(&format!("cAbCdEfGh12_t{ticket}")), Some(12));
        assert!(format!("cAbCdEfGhIjKlMnOp_t{ticket}").len() <= 64);
        for other in ["12", "cAbCdEfGh12_12", "cAbCdEfGh12", "t", "tx-1-a", ""] {
            assert_eq!(event_of_start(other), None, "{other}");
        }
    }
}
