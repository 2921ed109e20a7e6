//! The list as a spreadsheet: an event's people as CSV (RFC 4180, UTF-8,
//! a header row in English whatever the user's language), for hosts, and
//! a link to the same file valid for [`LINK_SECONDS`] (Telegram's
//! `downloadFile` takes an https URL, not the bytes). Both are made from
//! D1 by [`build`], so the file the hub answers with and the one the link
//! serves are the same. The text and the link tokens are pure, tested on
//! the host.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use worker::{D1Database, Env, Response, Result};

use crate::calendar::{self, feed, Zone};
use crate::catalog::Event;
use crate::clock::IntlZone;
use crate::config::Config;
use crate::store;

/// How long an export link works.
pub const LINK_SECONDS: i64 = 600;
/// Where export links are served.
pub const PREFIX: &str = "/export/";

/// The header row: exactly these names, then one column per question.
const HEADER: [&str; 7] = [
    "name",
    "username",
    "telegram_id",
    "status",
    "guests",
    "joined_at",
    "checked_in_at",
];

/// One person's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub username: String,
    pub telegram_id: i64,
    /// `going`, `waiting` or `pending`.
    pub status: &'static str,
    pub guests: u32,
    /// RFC 3339, or empty when not known (rows from before the column).
    pub joined_at: String,
    /// RFC 3339, or empty when not checked in.
    pub checked_in_at: String,
    /// One per question (empty when not answered).
    pub answers: Vec<String>,
}

/// A cell as RFC 4180 writes it: quoted when it holds a comma, a quote or
/// a line break (quotes doubled); a cell a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-` or `@`) starts with `'` instead.
fn cell(text: &str) -> String {
    let defused = match text.starts_with(['=', '+', '-', '@']) {
        true => format!("'{text}"),
        false => text.to_string(),
    };
    match defused.contains([',', '"', '\r', '\n']) {
        true => format!("\"{}\"", defused.replace('"', "\"\"")),
        false => defused,
    }
}

/// The CSV of `lines`, with a column for each of `questions`, each line
/// ending in CRLF.
pub fn csv(questions: &[String], lines: &[Line]) -> String {
    let mut text = String::new();
    let mut row = |cells: Vec<&str>| {
        let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    };
    let mut header = HEADER.to_vec();
    header.extend(questions.iter().map(String::as_str));
    row(header);
    for line in lines {
        let (id, guests) = (line.telegram_id.to_string(), line.guests.to_string());
        let mut cells = vec![
            line.name.as_str(),
            &line.username,
            &id,
            line.status,
            &guests,
            &line.joined_at,
            &line.checked_in_at,
        ];
        for at in 0..questions.len() {
            cells.push(line.answers.get(at).map_or("", String::as_str));
        }
        row(cells);
    }
    text
}

/// `board-game-night-2026-12-06.csv`: the title in lower-case ASCII
/// words, and the day of the occurrence.
pub fn filename(title: &str, day: &str) -> String {
    let mut words = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            words.push(c.to_ascii_lowercase());
        } else if !words.is_empty() && !words.ends_with('-') {
            words.push('-');
        }
        if words.len() >= 40 {
            break;
        }
    }
    let words = words.trim_end_matches('-');
    match words.is_empty() {
        true => format!("event-{day}.csv"),
        false => format!("{words}-{day}.csv"),
    }
}

fn mac(key: &[u8], event: i64, expires: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("export:{event}:{expires}").as_bytes());
    feed::base64url(&mac.finalize().into_bytes(), 22)
}

/// A link token for event `event`'s export until `expires` (Unix
/// seconds): `<event>-<expires>-<mac>` under the feed key.
pub fn token(key: &[u8], event: i64, expires: i64) -> String {
    format!("{event}-{expires}-{}", mac(key, event, expires))
}

/// The event a token is for, if it is ours and not expired at `now`.
pub fn event_of(key: &[u8], token: &str, now: i64) -> Option<i64> {
    let (event, rest) = token.split_once('-')?;
    let (expires, given) = rest.split_once('-')?;
    let (event, expires) = (feed::decimal(event)?, feed::decimal(expires)?);
    let ours = bool::from(mac(key, event, expires).as_bytes().ct_eq(given.as_bytes()));
    (ours && now <= expires).then_some(event)
}

/// An event's export as D1 has it at `now`, times in `zone`: going, then
/// waiting, then asking, each in join order, people who hide included
/// (hosts see everyone); `checked_in_at` for the occurrence at the door,
/// or a one-off's own once it is over.
pub async fn build(
    db: &D1Database,
    event: &Event,
    zone: &dyn Zone,
    now: i64,
) -> Result<(String, String)> {
    let people = store::seats::people(db, event.id, true).await?;
    let occurrence = event.door_occurrence(zone, now);
    let checked = match occurrence {
        Some(o) => store::door::of_occurrence(db, event.id, o.starts_at).await?,
        None => Vec::new(),
    };
    let time = |t: i64| calendar::rfc3339(zone, t).unwrap_or_default();
    let lists = [
        ("going", &people.going),
        ("waiting", &people.waiting),
        ("pending", &people.pending),
    ];
    let lines: Vec<Line> = lists
        .into_iter()
        .flat_map(|(status, people)| people.iter().map(move |p| (status, p)))
        .map(|(status, person)| {
            let (id, profile) = &person.profile;
            Line {
                name: profile.name.clone(),
                username: profile.username.clone(),
                telegram_id: *id,
                status,
                guests: person.guests,
                joined_at: person.joined_at.map(time).unwrap_or_default(),
                checked_in_at: match status {
                    "going" => checked
                        .iter()
                        .find(|c| c.user == *id)
                        .map(|c| time(c.at))
                        .unwrap_or_default(),
                    _ => String::new(),
                },
                answers: person.answers.clone(),
            }
        })
        .collect();
    let day = occurrence
        .or_else(|| event.schedule().next(zone, now))
        .map_or_else(|| "list".to_string(), |o| o.day.to_string());
    Ok((filename(&event.title, &day), csv(&event.questions, &lines)))
}

/// `GET /export/<token>.csv`: the file, as an attachment, while the link
/// is valid; 404 otherwise.
pub async fn serve(env: &Env, config: &Config, rest: &str) -> Result<Response> {
    let not_found = || Response::error("Not found (an export link works for 10 minutes)", 404);
    let key = feed::key(config.calendar_secret.as_deref(), &config.bot_token);
    let token = rest.strip_suffix(".csv").unwrap_or(rest);
    let event = match config.bot_token.is_empty() {
        true => None,
        false => event_of(&key, token, config.clock.seconds()),
    };
    let Some(id) = event else {
        return not_found();
    };
    let db = store::open(env).await?;
    let Some(event) = store::events::event(&db, id).await? else {
        return not_found();
    };
    let zone = match store::communities::by_id(&db, event.community).await? {
        Some(community) => IntlZone::or_utc(&community.timezone),
        None => IntlZone::or_utc(&config.timezone),
    };
    let (filename, csv) = build(&db, &event, &zone, config.clock.now()).await?;
    let mut response = Response::ok(csv)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", "text/csv; charset=utf-8")?;
    headers.set(
        "Content-Disposition",
        &format!("attachment; filename=\"{filename}\""),
    )?;
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_rfc_4180_and_formulas_are_defused() {
        assert_eq!(cell("Ann"), "Ann");
        assert_eq!(cell("Lee, Ann"), "\"Lee, Ann\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@ann"), "'@ann");
        assert_eq!(cell("=a,b"), "\"'=a,b\"");
        assert_eq!(cell(""), "");
        let line = Line {
            name: "Zoë Lee".into(),
            username: "zoe".into(),
            telegram_id: 5_000_000_001,
            status: "going",
            guests: 2,
            joined_at: "2026-12-05T18:00:00+01:00".into(),
            checked_in_at: String::new(),
            answers: vec![],
        };
        assert_eq!(
            csv(&[], std::slice::from_ref(&line)),
            "name,username,telegram_id,status,guests,joined_at,checked_in_at\r\n\
             Zoë Lee,zoe,5000000001,going,2,2026-12-05T18:00:00+01:00,\r\n"
        );
        let asked = ["Why, really?".to_string(), "Diet".to_string()];
        let answered = Line {
            status: "pending",
            answers: vec!["=1+1".into()],
            ..line
        };
        assert_eq!(
            csv(&asked, &[answered]),
            "name,username,telegram_id,status,guests,joined_at,checked_in_at,\"Why, really?\",Diet\r\n\
             Zoë Lee,zoe,5000000001,pending,2,2026-12-05T18:00:00+01:00,,'=1+1,\r\n"
        );
    }

    #[test]
    fn filenames_are_plain() {
        assert_eq!(
            filename("Board game night!", "2026-12-06"),
            "board-game-night-2026-12-06.csv"
        );
        assert_eq!(
            filename("Café Zeit", "2026-12-06"),
            "caf-zeit-2026-12-06.csv"
        );
        assert_eq!(filename("🎉", "2026-12-06"), "event-2026-12-06.csv");
        assert!(filename(&"a".repeat(200), "2026-12-06").len() < 60);
    }

    #[test]
    fn links_expire_and_cannot_be_made_up() {
        let key = feed::key(None, "123:token");
        let token = token(&key, 7, 1_000);
        assert_eq!(event_of(&key, &token, 999), Some(7));
        assert_eq!(event_of(&key, &token, 1_000), Some(7));
        assert_eq!(event_of(&key, &token, 1_001), None, "expired");
        assert_eq!(event_of(&key, &token.replacen("7-", "8-", 1), 999), None);
        assert_eq!(
            event_of(&key, &token.replacen("-1000-", "-9000-", 1), 999),
            None
        );
        assert_eq!(
            event_of(&feed::key(Some("other"), "123:token"), &token, 999),
            None
        );
        for bad in ["", "7", "7-1000", "x-1000-abc"] {
            assert_eq!(event_of(&key, bad, 0), None, "{bad}");
        }
    }
}
