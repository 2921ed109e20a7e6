//! Who may see a community, who is its admin, and who hosts an event: the
//! one place these rules are written. Everything that lets someone in or
//! tells them something (a login, an open socket, a calendar feed, an
//! inline answer, the bot's `/start` list, a reminder or notice about to be
//! sent, an admin's change) asks here; nothing else decides.
//!
//! Pure: the facts (what Telegram last said and when, whether it can be
//! asked now, whether the user is an operator) are gathered by the caller
//! (`access/check.rs` in the Worker), so the whole table of cases is tested
//! on the host.
//!
//! The rule (part three of the contract): a user *may see* a community
//! when it is the default community, or it is open and they are an
//! operator (`ADMIN_IDS`, `users.is_admin`) or Telegram's latest answer for
//! (community, user) is a member status younger than
//! `MEMBER_CACHE_SECONDS`. An older answer is asked again before it is
//! used; only when Telegram cannot be asked does a member answer younger
//! than `MEMBER_STALE_SECONDS` still count. A "not a member" answer
//! (trusted for [`NOT_MEMBER_SECONDS`]), a left or kicked update, and a
//! closed community (for everyone: its logins are refused) all mean no.

pub mod check;

use crate::config::Config;

/// How long a "not a member" answer is trusted before Telegram is asked
/// again (someone may have just joined).
pub const NOT_MEMBER_SECONDS: i64 = 60;

/// The times the rules go by, from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// `MEMBER_CACHE_SECONDS`.
    pub member_cache: i64,
    /// `MEMBER_STALE_SECONDS` (never less than `member_cache`).
    pub member_stale: i64,
    /// `ADMIN_CACHE_SECONDS`.
    pub admin_cache: i64,
}

impl Rules {
    pub fn of(config: &Config) -> Rules {
        Rules {
            member_cache: config.member_cache_seconds,
            member_stale: config.member_stale_seconds.max(config.member_cache_seconds),
            admin_cache: config.admin_cache_seconds,
        }
    }
}

/// Which community is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The seed's single app: anyone with valid initData.
    Default,
    /// A Telegram group's community.
    Group { closed: bool },
}

/// What Telegram said about a user in a group, and when (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub member: bool,
    pub at: i64,
}

/// What asking Telegram gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Said(Answer),
    /// Telegram could not be asked (network error, 5xx, 429).
    Silent,
}

/// The answer to "may they see it?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    No,
    /// The stored answer is missing or too old: ask Telegram, then decide
    /// again with what it said.
    Ask,
    /// Telegram could not be asked and nothing recent enough is known: not
    /// now (a login is told to try again later; a message is not sent).
    Unknown,
}

impl Verdict {
    /// Yes, and nothing else.
    pub fn allows(self) -> bool {
        self == Verdict::Yes
    }
}

/// Whether a user may see `place` at `now`. `operator`: listed in
/// `ADMIN_IDS` or flagged in `users.is_admin`. `stored`: Telegram's latest
/// answer kept in D1. `asked`: what Telegram said just now, when the first
/// verdict was [`Verdict::Ask`].
pub fn may_see(
    operator: bool,
    place: Place,
    stored: Option<Answer>,
    asked: Option<Asked>,
    now: i64,
    rules: &Rules,
) -> Verdict {
    match place {
        Place::Default => return Verdict::Yes,
        Place::Group { closed: true } => return Verdict::No,
        Place::Group { closed: false } if operator => return Verdict::Yes,
        Place::Group { closed: false } => {}
    }
    match asked {
        Some(Asked::Said(answer)) => fresh(answer, now, rules).unwrap_or(Verdict::Ask),
        Some(Asked::Silent) => match stored {
            Some(answer) if answer.member && age(answer, now) < rules.member_stale => Verdict::Yes,
            _ => Verdict::Unknown,
        },
        None => stored
            .and_then(|answer| fresh(answer, now, rules))
            .unwrap_or(Verdict::Ask),
    }
}

/// What a stored answer says while it is young enough to be used.
fn fresh(answer: Answer, now: i64, rules: &Rules) -> Option<Verdict> {
    let age = age(answer, now);
    match answer.member {
        true if age < rules.member_cache => Some(Verdict::Yes),
        false if age < NOT_MEMBER_SECONDS => Some(Verdict::No),
        _ => None,
    }
}

/// How old an answer is; one from the future (a clock that moved) counts
/// as just given.
fn age(answer: Answer, now: i64) -> i64 {
    now.saturating_sub(answer.at).max(0)
}

/// A group's admin list as read from Telegram: whether the user is on it,
/// and when the list was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminList {
    pub listed: bool,
    pub at: i64,
}

/// Whether a user may act as an admin of `place` at `now`: operators
/// everywhere; in a group's community also its creator and
/// administrators, from a list no older than `ADMIN_CACHE_SECONDS` (an
/// older or missing one: [`Verdict::Ask`]; read it again and decide with
/// the new one). Rights are never older than that: when Telegram cannot
/// be asked, a group admin is not an admin until it can.
pub fn is_admin(
    operator: bool,
    place: Place,
    list: Option<AdminList>,
    asked: bool,
    now: i64,
    rules: &Rules,
) -> Verdict {
    if operator {
        return Verdict::Yes;
    }
    match place {
        Place::Default => Verdict::No,
        Place::Group { closed: true } => Verdict::No,
        Place::Group { closed: false } => match list {
            Some(list) if now.saturating_sub(list.at) < rules.admin_cache => match list.listed {
                true => Verdict::Yes,
                false => Verdict::No,
            },
            _ if asked => Verdict::No,
            _ => Verdict::Ask,
        },
    }
}

/// Whether a user hosts an event: its community's admins, and the people
/// an admin listed in its `hosts` (hosts come with tickets, part three).
#[allow(dead_code)]
pub fn is_host(admin: bool, hosts: &[i64], user: i64) -> bool {
    admin || hosts.contains(&user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        member_cache: 3600,
        member_stale: 86_400,
        admin_cache: 300,
    };
    const NOW: i64 = 1_800_000_000;
    const OPEN: Place = Place::Group { closed: false };
    const CLOSED: Place = Place::Group { closed: true };

    fn member(age: i64) -> Option<Answer> {
        Some(Answer {
            member: true,
            at: NOW - age,
        })
    }

    fn outsider(age: i64) -> Option<Answer> {
        Some(Answer {
            member: false,
            at: NOW - age,
        })
    }

    fn said(member: bool) -> Option<Asked> {
        Some(Asked::Said(Answer { member, at: NOW }))
    }

    /// The whole table: who asks, where, what is stored, what Telegram
    /// said when asked, and the verdict.
    #[test]
    fn the_visibility_rule() {
        use Verdict::*;
        let silent = Some(Asked::Silent);
        // (what, operator, place, stored, asked, verdict)
        type Case = (
            &'static str,
            bool,
            Place,
            Option<Answer>,
            Option<Asked>,
            Verdict,
        );
        let cases: &[Case] = &[
            ("an operator sees every group", true, OPEN, None, None, Yes),
            (
                "nobody sees a closed one, not even an operator",
                true,
                CLOSED,
                None,
                None,
                No,
            ),
            (
                "anyone sees the default community",
                false,
                Place::Default,
                None,
                None,
                Yes,
            ),
            ("a fresh member answer", false, OPEN, member(10), None, Yes),
            (
                "a member answer just under the cache time",
                false,
                OPEN,
                member(3599),
                None,
                Yes,
            ),
            (
                "a stale member answer is asked again",
                false,
                OPEN,
                member(3600),
                None,
                Ask,
            ),
            ("nothing known is asked", false, OPEN, None, None, Ask),
            (
                "asked: a member",
                false,
                OPEN,
                member(5000),
                said(true),
                Yes,
            ),
            (
                "asked: left or kicked",
                false,
                OPEN,
                member(5000),
                said(false),
                No,
            ),
            (
                "Telegram down, member seen within the stale time",
                false,
                OPEN,
                member(5000),
                silent,
                Yes,
            ),
            (
                "Telegram down, member seen too long ago",
                false,
                OPEN,
                member(86_400),
                silent,
                Unknown,
            ),
            (
                "Telegram down, nothing known",
                false,
                OPEN,
                None,
                silent,
                Unknown,
            ),
            (
                "Telegram down, last said not a member",
                false,
                OPEN,
                outsider(120),
                silent,
                Unknown,
            ),
            (
                "a fresh not-a-member answer",
                false,
                OPEN,
                outsider(30),
                None,
                No,
            ),
            (
                "an old not-a-member answer is asked again",
                false,
                OPEN,
                outsider(60),
                None,
                Ask,
            ),
            (
                "a left update (stored as not a member)",
                false,
                OPEN,
                outsider(0),
                None,
                No,
            ),
            ("a closed community", false, CLOSED, member(0), None, No),
            (
                "a closed community, even after asking",
                false,
                CLOSED,
                member(0),
                said(true),
                No,
            ),
            (
                "an answer from the future counts as new",
                false,
                OPEN,
                member(-50),
                None,
                Yes,
            ),
        ];
        for (what, operator, place, stored, asked, verdict) in cases {
            assert_eq!(
                may_see(*operator, *place, *stored, *asked, NOW, &RULES),
                *verdict,
                "{what}"
            );
        }
    }

    #[test]
    fn the_admin_rule() {
        use Verdict::*;
        let list = |listed, age| {
            Some(AdminList {
                listed,
                at: NOW - age,
            })
        };
        // (what, operator, place, list, asked, verdict)
        type Case = (&'static str, bool, Place, Option<AdminList>, bool, Verdict);
        let cases: &[Case] = &[
            ("an operator, anywhere", true, OPEN, None, false, Yes),
            (
                "an operator of the default community",
                true,
                Place::Default,
                None,
                false,
                Yes,
            ),
            (
                "nobody else in the default community",
                false,
                Place::Default,
                list(true, 0),
                false,
                No,
            ),
            ("on a fresh list", false, OPEN, list(true, 10), false, Yes),
            (
                "not on a fresh list",
                false,
                OPEN,
                list(false, 10),
                false,
                No,
            ),
            (
                "an old list is read again",
                false,
                OPEN,
                list(true, 300),
                false,
                Ask,
            ),
            ("no list yet", false, OPEN, None, false, Ask),
            (
                "Telegram down: no rights older than the cache",
                false,
                OPEN,
                list(true, 300),
                true,
                No,
            ),
            (
                "a closed community",
                false,
                CLOSED,
                list(true, 0),
                false,
                No,
            ),
        ];
        for (what, operator, place, list, asked, verdict) in cases {
            assert_eq!(
                is_admin(*operator, *place, *list, *asked, NOW, &RULES),
                *verdict,
                "{what}"
            );
        }
    }

    #[test]
    fn hosts_are_admins_and_the_people_listed() {
        assert!(is_host(true, &[], 1));
        assert!(is_host(false, &[1, 2], 2));
        assert!(!is_host(false, &[1, 2], 3));
    }

    #[test]
    fn the_stale_time_is_never_below_the_cache_time() {
        let config = Config {
            member_cache_seconds: 7200,
            member_stale_seconds: 60,
            ..Config::default()
        };
        assert_eq!(Rules::of(&config).member_stale, 7200);
    }
}
