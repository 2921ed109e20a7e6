//! Settings read from the Worker's vars and secrets. The names are part of
//! the contract (the README's configuration table); parsing them needs no
//! `worker`, so the rules are tested on the host.

use crate::clock::Clock;

/// `AUTH_MAX_AGE_SECONDS` when unset or unreadable: one day.
pub const DEFAULT_AUTH_MAX_AGE_SECONDS: i64 = 86_400;

/// `LOGIN_TIMEOUT_SECONDS` when unset or unreadable: how long a socket may
/// stay open without logging in before it is closed with 1008.
pub const DEFAULT_LOGIN_TIMEOUT_SECONDS: u64 = 30;

/// `MAX_PENDING_SOCKETS` when unset: sockets not logged in, per hub.
pub const DEFAULT_MAX_PENDING_SOCKETS: usize = 2000;
/// `MAX_PENDING_PER_IP` when unset: sockets not logged in, per client IP.
pub const DEFAULT_MAX_PENDING_PER_IP: usize = 100;

/// `BROADCAST_WINDOW_MS` when unset: changes to one event within this long
/// of its last broadcast are merged into one.
pub const DEFAULT_BROADCAST_WINDOW_MS: u64 = 50;

/// `ARCHIVE_DAYS` when unset: one-off events stay listed (as past) this
/// long after they end.
pub const DEFAULT_ARCHIVE_DAYS: i64 = 30;

/// `REMINDERS_PER_RUN` when unset: Bot API calls per cron run, within the
/// free plan's 50 subrequests per invocation, with room for the D1 queries.
pub const DEFAULT_REMINDERS_PER_RUN: u32 = 20;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// `BOT_TOKEN`: empty means every login fails.
    pub bot_token: String,
    /// `ADMIN_IDS`: Telegram ids that are admins whatever D1 says.
    pub admin_ids: Vec<i64>,
    /// `AUTH_MAX_AGE_SECONDS`: 0 disables the age check.
    pub auth_max_age: i64,
    /// `LOGIN_TIMEOUT_SECONDS`, in milliseconds.
    pub login_timeout_ms: u64,
    /// `PUBLIC_URL`: the origin image paths and Mini App buttons use.
    pub public_url: Option<String>,
    /// `WEBHOOK_SECRET`: what Telegram must send with every update.
    pub webhook_secret: Option<String>,
    /// `TELEGRAM_API`: the Bot API's base URL.
    pub telegram_api: String,
    /// `BOT_USERNAME` and `APP_SHORT_NAME`, for `t.me/<bot>/<app>` links.
    pub bot_username: Option<String>,
    pub app_short_name: Option<String>,
    /// `TIMEZONE`: the IANA zone event times are meant in.
    pub timezone: String,
    /// `DEBUG_COUNTERS` = "1": serve the benchmark's counters.
    pub debug_counters: bool,
    /// `ALLOWED_ORIGINS`: origins besides our own that may open `/ws`;
    /// empty allows any.
    pub allowed_origins: Vec<String>,
    /// `REMINDERS_PER_RUN`: Bot API calls one cron run may make.
    pub reminders_per_run: u32,
    /// `MAX_PENDING_SOCKETS`: sockets not logged in a hub holds at most.
    pub max_pending_sockets: usize,
    /// `MAX_PENDING_PER_IP`: of those, from one client (IPv6: one /64).
    pub max_pending_per_ip: usize,
    /// `BROADCAST_WINDOW_MS`: the merge window of an event's broadcasts
    /// (0 sends every change to everyone at once).
    pub broadcast_window_ms: u64,
    /// `ARCHIVE_DAYS`: how long past one-off events stay listed.
    pub archive_days: i64,
    /// `CALENDAR_SECRET`: the key of calendar feed tokens (`None`: one
    /// derived from the bot token).
    pub calendar_secret: Option<String>,
    /// The clock, moved by `CLOCK_OFFSET_SECONDS` (for tests only: moves
    /// the time events, dates and reminders go by, not logins; 0 unless
    /// set).
    pub clock: Clock,
    /// `MEMBER_CACHE_SECONDS`: how long Telegram's "member" answer for a
    /// community is trusted.
    pub member_cache_seconds: i64,
    /// `MEMBER_STALE_SECONDS`: how long a "member" answer still counts
    /// while Telegram cannot be asked (never less than the cache time).
    pub member_stale_seconds: i64,
    /// `ADMIN_CACHE_SECONDS`: how long a community's admin list is trusted.
    pub admin_cache_seconds: i64,
    /// `NOTICE_SETTLE_SECONDS`: a change notice waits until its event has
    /// not changed for this long.
    pub notice_settle_seconds: i64,
    /// `MAX_NOTICES_PER_USER_PER_HOUR`: messages other than reminders one
    /// user gets in an hour; more wait.
    pub max_notices_per_user_per_hour: u32,
    /// `MAX_EVENTS_PER_COMMUNITY`: upcoming events a community may have.
    pub max_events_per_community: usize,
    /// `MAX_MEDIA_BYTES_PER_COMMUNITY`: uploaded picture bytes a community
    /// may keep in R2.
    pub max_media_bytes_per_community: u64,
}

/// `MEMBER_CACHE_SECONDS` and `ADMIN_CACHE_SECONDS` when unset.
pub const DEFAULT_MEMBER_CACHE_SECONDS: i64 = 3600;
pub const DEFAULT_ADMIN_CACHE_SECONDS: i64 = 300;
/// `MEMBER_STALE_SECONDS` when unset.
pub const DEFAULT_MEMBER_STALE_SECONDS: i64 = 86_400;
/// `NOTICE_SETTLE_SECONDS` when unset.
pub const DEFAULT_NOTICE_SETTLE_SECONDS: i64 = 60;
/// `MAX_NOTICES_PER_USER_PER_HOUR` when unset.
pub const DEFAULT_MAX_NOTICES_PER_USER_PER_HOUR: u32 = 20;
/// `MAX_EVENTS_PER_COMMUNITY` when unset.
pub const DEFAULT_MAX_EVENTS_PER_COMMUNITY: usize = 200;
/// `MAX_MEDIA_BYTES_PER_COMMUNITY` when unset: 50 MiB.
pub const DEFAULT_MAX_MEDIA_BYTES_PER_COMMUNITY: u64 = 50 * 1024 * 1024;

/// `TELEGRAM_API` when unset.
pub const DEFAULT_TELEGRAM_API: &str = "https://api.telegram.org";
/// `TIMEZONE` when unset.
pub const DEFAULT_TIMEZONE: &str = "UTC";

impl Config {
    /// Reads every setting through `get`, which returns a var or secret by name.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Config {
        let admin_ids = get("ADMIN_IDS")
            .map(|ids| {
                ids.split(',')
                    .filter_map(|id| id.trim().parse::<i64>().ok())
                    .collect()
            })
            .unwrap_or_default();
        // An unreadable max age falls back to the default rather than to 0,
        // which would switch the check off.
        let auth_max_age = get("AUTH_MAX_AGE_SECONDS")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| *v >= 0)
            .unwrap_or(DEFAULT_AUTH_MAX_AGE_SECONDS);
        let login_timeout = get("LOGIN_TIMEOUT_SECONDS")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|v| (1..=86_400).contains(v))
            .unwrap_or(DEFAULT_LOGIN_TIMEOUT_SECONDS);
        let text = |name: &str| {
            get(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let reminders_per_run = get("REMINDERS_PER_RUN")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(DEFAULT_REMINDERS_PER_RUN);
        let count = |name: &str, default: usize| {
            get(name)
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(default)
        };
        // A cache time: 0 to 30 days.
        let seconds = |name: &str| {
            get(name)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|s| (0..=30 * 86_400).contains(s))
        };
        let member_cache_seconds =
            seconds("MEMBER_CACHE_SECONDS").unwrap_or(DEFAULT_MEMBER_CACHE_SECONDS);
        Config {
            bot_token: text("BOT_TOKEN").unwrap_or_default(),
            admin_ids,
            auth_max_age,
            login_timeout_ms: login_timeout * 1000,
            public_url: text("PUBLIC_URL").map(|url| url.trim_end_matches('/').to_string()),
            webhook_secret: text("WEBHOOK_SECRET"),
            telegram_api: text("TELEGRAM_API").unwrap_or_else(|| DEFAULT_TELEGRAM_API.into()),
            bot_username: text("BOT_USERNAME").map(|name| name.trim_start_matches('@').to_string()),
            app_short_name: text("APP_SHORT_NAME"),
            timezone: text("TIMEZONE").unwrap_or_else(|| DEFAULT_TIMEZONE.into()),
            debug_counters: text("DEBUG_COUNTERS").as_deref() == Some("1"),
            allowed_origins: text("ALLOWED_ORIGINS")
                .map(|list| {
                    list.split(',')
                        .map(|origin| origin.trim().trim_end_matches('/').to_string())
                        .filter(|origin| !origin.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            reminders_per_run,
            max_pending_sockets: count("MAX_PENDING_SOCKETS", DEFAULT_MAX_PENDING_SOCKETS),
            max_pending_per_ip: count("MAX_PENDING_PER_IP", DEFAULT_MAX_PENDING_PER_IP),
            broadcast_window_ms: get("BROADCAST_WINDOW_MS")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|ms| *ms <= 10_000)
                .unwrap_or(DEFAULT_BROADCAST_WINDOW_MS),
            archive_days: get("ARCHIVE_DAYS")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|days| (0..=3650).contains(days))
                .unwrap_or(DEFAULT_ARCHIVE_DAYS),
            calendar_secret: text("CALENDAR_SECRET"),
            clock: Clock::new(
                get("CLOCK_OFFSET_SECONDS")
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .unwrap_or(0),
            ),
            member_cache_seconds,
            member_stale_seconds: seconds("MEMBER_STALE_SECONDS")
                .unwrap_or(DEFAULT_MEMBER_STALE_SECONDS)
                .max(member_cache_seconds),
            admin_cache_seconds: seconds("ADMIN_CACHE_SECONDS")
                .unwrap_or(DEFAULT_ADMIN_CACHE_SECONDS),
            notice_settle_seconds: seconds("NOTICE_SETTLE_SECONDS")
                .unwrap_or(DEFAULT_NOTICE_SETTLE_SECONDS),
            max_notices_per_user_per_hour: get("MAX_NOTICES_PER_USER_PER_HOUR")
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(DEFAULT_MAX_NOTICES_PER_USER_PER_HOUR),
            max_events_per_community: count(
                "MAX_EVENTS_PER_COMMUNITY",
                DEFAULT_MAX_EVENTS_PER_COMMUNITY,
            ),
            max_media_bytes_per_community: get("MAX_MEDIA_BYTES_PER_COMMUNITY")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(DEFAULT_MAX_MEDIA_BYTES_PER_COMMUNITY),
        }
    }

    /// Whether a browser page at `origin` may open `/ws`; `own` is this
    /// Worker's origin. Requests without an `Origin` are not from a browser
    /// page and are allowed.
    pub fn origin_allowed(&self, origin: Option<&str>, own: &str) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        self.allowed_origins.is_empty()
            || origin == own
            || self.public_url.as_deref() == Some(origin)
            || self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    pub fn is_listed_admin(&self, telegram_id: i64) -> bool {
        self.admin_ids.contains(&telegram_id)
    }
}

/// The origin (`scheme://host[:port]`) of a request's URL as the runtime
/// gives it: absolute and already normalized, so no parser is needed (the
/// `url` crate, with `idna`, cost the bundle about 70 KB gzipped).
pub fn origin_of(url: &str) -> &str {
    let host = url.find("://").map_or(0, |i| i + 3);
    match url[host..].find(['/', '?', '#']) {
        Some(end) => &url[..host + end],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]);
        assert_eq!(c.bot_token, "");
        assert!(c.admin_ids.is_empty());
        assert_eq!(c.auth_max_age, DEFAULT_AUTH_MAX_AGE_SECONDS);
        assert_eq!(c.public_url, None);
        assert_eq!(c.webhook_secret, None);
        assert_eq!(c.telegram_api, "https://api.telegram.org");
        assert_eq!(c.timezone, "UTC");
        assert_eq!(c.reminders_per_run, 20);
        assert_eq!(c.max_pending_sockets, 2000);
        assert_eq!(c.max_pending_per_ip, 100);
        assert_eq!(c.broadcast_window_ms, 50);
        assert_eq!(c.archive_days, 30);
        assert_eq!(c.calendar_secret, None);
        assert_eq!(c.clock, Clock::new(0));
        assert_eq!(
            (
                c.notice_settle_seconds,
                c.max_notices_per_user_per_hour,
                c.max_events_per_community,
                c.max_media_bytes_per_community
            ),
            (60, 20, 200, 52_428_800)
        );
        assert_eq!(
            (c.member_cache_seconds, c.member_stale_seconds),
            (3600, 86_400)
        );
        let tested = config(&[("ARCHIVE_DAYS", "7"), ("CLOCK_OFFSET_SECONDS", "-3600")]);
        assert_eq!((tested.archive_days, tested.clock), (7, Clock::new(-3600)));
        let stale = config(&[
            ("MEMBER_CACHE_SECONDS", "7200"),
            ("MEMBER_STALE_SECONDS", "60"),
        ]);
        assert_eq!(
            stale.member_stale_seconds, 7200,
            "never less than the cache time"
        );
        assert_eq!(
            config(&[("BROADCAST_WINDOW_MS", "0")]).broadcast_window_ms,
            0
        );
        assert_eq!(
            config(&[("BROADCAST_WINDOW_MS", "soon")]).broadcast_window_ms,
            50
        );
        let limited = config(&[("MAX_PENDING_SOCKETS", "50"), ("MAX_PENDING_PER_IP", "0")]);
        assert_eq!(limited.max_pending_sockets, 50);
        assert_eq!(limited.max_pending_per_ip, 100, "0 would refuse everyone");
        assert_eq!(
            config(&[("REMINDERS_PER_RUN", " 300 ")]).reminders_per_run,
            300
        );
    }

    #[test]
    fn origins() {
        let open = config(&[]);
        assert!(open.origin_allowed(Some("https://anything.example"), "https://me.example"));
        let c = config(&[(
            "ALLOWED_ORIGINS",
            "https://web.telegram.org, https://ok.example/",
        )]);
        assert!(c.origin_allowed(None, "https://me.example"));
        assert!(c.origin_allowed(Some("https://me.example"), "https://me.example"));
        assert!(c.origin_allowed(Some("https://ok.example"), "https://me.example"));
        assert!(c.origin_allowed(Some("https://web.telegram.org"), "https://me.example"));
        assert!(!c.origin_allowed(Some("https://evil.example"), "https://me.example"));
        assert!(!c.origin_allowed(Some("null"), "https://me.example"));
    }

    #[test]
    fn bot_settings() {
        let c = config(&[
            ("BOT_USERNAME", "@events_bot"),
            ("APP_SHORT_NAME", "events"),
            ("TELEGRAM_API", "http://127.0.0.1:9000"),
            ("TIMEZONE", "Europe/Berlin"),
            ("WEBHOOK_SECRET", " "),
        ]);
        assert_eq!(c.bot_username.as_deref(), Some("events_bot"));
        assert_eq!(c.app_short_name.as_deref(), Some("events"));
        assert_eq!(c.telegram_api, "http://127.0.0.1:9000");
        assert_eq!(c.timezone, "Europe/Berlin");
        assert_eq!(c.webhook_secret, None, "a blank secret is no secret");
    }

    #[test]
    fn reads_admin_ids_with_spaces_and_big_ids() {
        let c = config(&[("ADMIN_IDS", " 1, 5000000001 ,x,,")]);
        assert_eq!(c.admin_ids, vec![1, 5_000_000_001]);
        assert!(c.is_listed_admin(5_000_000_001));
        assert!(!c.is_listed_admin(2));
    }

    #[test]
    fn max_age_zero_disables_and_garbage_keeps_default() {
        assert_eq!(config(&[("AUTH_MAX_AGE_SECONDS", "0")]).auth_max_age, 0);
        assert_eq!(config(&[("AUTH_MAX_AGE_SECONDS", "60")]).auth_max_age, 60);
        for bad in ["", "soon", "-5"] {
            assert_eq!(
                config(&[("AUTH_MAX_AGE_SECONDS", bad)]).auth_max_age,
                DEFAULT_AUTH_MAX_AGE_SECONDS
            );
        }
    }

    #[test]
    fn login_timeout_is_positive_seconds() {
        assert_eq!(config(&[]).login_timeout_ms, 30_000);
        assert_eq!(
            config(&[("LOGIN_TIMEOUT_SECONDS", " 5 ")]).login_timeout_ms,
            5_000
        );
        for bad in ["0", "-1", "soon", "", "100000"] {
            assert_eq!(
                config(&[("LOGIN_TIMEOUT_SECONDS", bad)]).login_timeout_ms,
                30_000,
                "{bad}"
            );
        }
    }

    #[test]
    fn origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://events.example/ws"),
            "https://events.example"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8787/ws?x=1"),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            origin_of("http://localhost:8787?x"),
            "http://localhost:8787"
        );
        assert_eq!(origin_of("https://a.example"), "https://a.example");
        assert_eq!(origin_of("https://a.example#f"), "https://a.example");
    }

    #[test]
    fn public_url_loses_trailing_slash() {
        let c = config(&[("PUBLIC_URL", "https://events.example/")]);
        assert_eq!(c.public_url.as_deref(), Some("https://events.example"));
    }
}
