//! Time in the Worker: the current instant (with the test-only
//! `CLOCK_OFFSET_SECONDS`), and time zones through the runtime's own
//! `Intl.DateTimeFormat`: no time zone database in our WASM. Every JS call
//! goes through `Reflect`, so an unknown zone is an error, not a panic.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{Array, Function, Object, Reflect};

use crate::calendar::{Day, Zone};

/// The time everything in the Worker goes by, made once from the config
/// and passed to whatever needs it. There are two readings of one clock:
/// the real one (logins' `auth_date`, Telegram's answers' ages, rate
/// limits, broadcast windows, login deadlines) and the calendar's, which
/// tests may move with `CLOCK_OFFSET_SECONDS` to see what time does to
/// events (0 unless set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    offset: i64,
}

impl Clock {
    pub fn new(offset: i64) -> Clock {
        Clock { offset }
    }

    /// Real milliseconds since the epoch.
    pub fn millis(self) -> f64 {
        worker::Date::now().as_millis() as f64
    }

    /// Real Unix seconds.
    pub fn seconds(self) -> i64 {
        (self.millis() / 1000.0) as i64
    }

    /// Unix seconds as the calendar sees them: events, dates, reminders.
    pub fn now(self) -> i64 {
        self.seconds() + self.offset
    }
}

/// `utc` as people of `language` write a time (`with_day`: and its day,
/// as "jeu. 5 déc., 19:00" would be in French) at the venue, in `zone`,
/// through the runtime's `Intl` (the Gregorian calendar, the language's
/// own digits); `None` when the runtime cannot say.
pub fn local_words(language: &str, zone: &str, utc: i64, with_day: bool) -> Option<String> {
    let options = Object::new();
    let mut fields = vec![
        ("timeZone", zone),
        ("hourCycle", "h23"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ];
    if with_day {
        fields.extend([("weekday", "short"), ("day", "numeric"), ("month", "short")]);
    }
    for (key, value) in fields {
        Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    let date = worker::js_sys::Date::new(&JsValue::from_f64(utc as f64 * 1000.0));
    intl_format("DateTimeFormat", language, &options, &date)
}

/// The time of `utc` at the venue as `language` writes it
/// ([`local_words`]); in English, or where the runtime cannot say, as
/// `english` writes it.
pub fn venue_words(
    language: &str,
    zone: &IntlZone,
    utc: i64,
    with_day: bool,
    english: impl FnOnce() -> String,
) -> String {
    match language {
        crate::i18n::ENGLISH => None,
        _ => local_words(language, zone.name(), utc, with_day),
    }
    .unwrap_or_else(english)
}

/// `n` in `language`'s own digits ("۳" in Persian), through `Intl`.
pub fn number_words(language: &str, n: i64) -> Option<String> {
    intl_format(
        "NumberFormat",
        language,
        &Object::new(),
        &JsValue::from_f64(n as f64),
    )
}

/// `new Intl[kind](language, options).format(value)`.
fn intl_format(kind: &str, language: &str, options: &Object, value: &JsValue) -> Option<String> {
    let intl = Reflect::get(&worker::js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &kind.into()).ok()?.dyn_into().ok()?;
    let locale = format!("{language}-u-ca-gregory");
    let args = Array::of2(&locale.into(), options);
    let formatter = Reflect::construct(&constructor, &args).ok()?;
    let format: Function = Reflect::get(&formatter, &"format".into())
        .ok()?
        .dyn_into()
        .ok()?;
    format.call1(&formatter, value).ok()?.as_string()
}

/// Offsets are looked up per quarter hour: every zone in use changes its
/// offset on a quarter hour, so one answer holds for the whole slot.
const SLOT_SECONDS: i64 = 900;

/// A time zone answered by `Intl`, with each quarter hour's offset kept
/// once asked.
pub struct IntlZone {
    name: String,
    /// `formatToParts` and its formatter; `None` only where the runtime
    /// has no `Intl` at all (then the zone is UTC).
    intl: Option<(Function, JsValue)>,
    /// (slot, offset), sorted by slot.
    offsets: RefCell<Vec<(i64, i32)>>,
}

impl IntlZone {
    /// The zone `name` (an IANA name such as "Europe/Berlin"); an error for
    /// a name the runtime does not know.
    pub fn new(name: &str) -> Result<IntlZone, String> {
        let fail = |what: &str| format!("time zone {name:?}: {what}");
        let intl =
            Reflect::get(&worker::js_sys::global(), &"Intl".into()).map_err(|_| fail("no Intl"))?;
        let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
            .map_err(|_| fail("no DateTimeFormat"))?
            .dyn_into()
            .map_err(|_| fail("DateTimeFormat is not a function"))?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", name),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).map_err(|_| fail("options"))?;
        }
        let args = Array::of2(&"en-US".into(), &options);
        let formatter =
            Reflect::construct(&constructor, &args).map_err(|_| fail("unknown time zone"))?;
        let format_to_parts: Function = Reflect::get(&formatter, &"formatToParts".into())
            .map_err(|_| fail("no formatToParts"))?
            .dyn_into()
            .map_err(|_| fail("formatToParts is not a function"))?;
        Ok(IntlZone {
            name: name.to_string(),
            intl: Some((format_to_parts, formatter)),
            offsets: RefCell::default(),
        })
    }

    /// The zone `name`, or UTC when the runtime does not know `name` (the
    /// error is logged once here).
    pub fn or_utc(name: &str) -> IntlZone {
        IntlZone::new(name).unwrap_or_else(|error| {
            worker::console_error!("{error}; using UTC");
            IntlZone::new("UTC").unwrap_or(IntlZone {
                name: "UTC".into(),
                intl: None,
                offsets: RefCell::default(),
            })
        })
    }

    /// The wall clock at `utc`: (day, seconds after midnight).
    fn wall_at(&self, utc: i64) -> Option<(Day, i64)> {
        let Some((format_to_parts, formatter)) = &self.intl else {
            let day = Day(utc.div_euclid(86_400) as i32);
            return Some((day, utc.rem_euclid(86_400)));
        };
        let date = worker::js_sys::Date::new(&JsValue::from_f64(utc as f64 * 1000.0));
        let parts: Array = format_to_parts
            .call1(formatter, &date)
            .ok()?
            .dyn_into()
            .ok()?;
        let mut fields = [None; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            fields[slot] = value.parse::<i64>().ok();
        }
        let [Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)] = fields
        else {
            return None;
        };
        let day = Day::from_ymd(year as i32, month as u32, day as u32)?;
        Some((day, (hour % 24) * 3600 + minute * 60 + second))
    }
}

impl Zone for IntlZone {
    fn name(&self) -> &str {
        &self.name
    }

    fn offset_at(&self, utc: i64) -> Option<i32> {
        let slot = utc.div_euclid(SLOT_SECONDS);
        let known = self
            .offsets
            .borrow()
            .binary_search_by_key(&slot, |(s, _)| *s);
        let at = match known {
            Ok(at) => return self.offsets.borrow().get(at).map(|(_, offset)| *offset),
            Err(at) => at,
        };
        let start = slot * SLOT_SECONDS;
        let (day, seconds) = self.wall_at(start)?;
        let local = i64::from(day.0) * 86_400 + seconds;
        let offset = i32::try_from(local - start).ok()?;
        let mut offsets = self.offsets.borrow_mut();
        if offsets.len() > 100_000 {
            offsets.clear();
        }
        let at = at.min(offsets.len());
        offsets.insert(at, (slot, offset));
        Some(offset)
    }
}

/// Whether `name` is a zone a community may be set to: one the runtime's
/// `Intl.supportedValuesOf("timeZone")` lists, or `UTC`. (The runtime also
/// takes offsets such as `+05:30` and old aliases; those are refused, so a
/// community's zone always follows real rules.)
pub fn is_zone_name(name: &str) -> bool {
    if name == "UTC" {
        return true;
    }
    let listed = || -> Option<bool> {
        let intl = Reflect::get(&worker::js_sys::global(), &"Intl".into()).ok()?;
        let supported: Function = Reflect::get(&intl, &"supportedValuesOf".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let zones: Array = supported
            .call1(&intl, &"timeZone".into())
            .ok()?
            .dyn_into()
            .ok()?;
        if zones.includes(&JsValue::from_str(name), 0) {
            return Some(true);
        }
        // A name the list has under another spelling (ICU lists
        // `Asia/Calcutta` for `Asia/Kolkata`): what the runtime resolves
        // it to is listed.
        let zone = IntlZone::new(name).ok()?;
        let (_, formatter) = zone.intl.as_ref()?;
        let resolve: Function = Reflect::get(formatter, &"resolvedOptions".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let options = resolve.call0(formatter).ok()?;
        let canonical = Reflect::get(&options, &"timeZone".into()).ok()?;
        Some(zones.includes(&canonical, 0))
    };
    listed().unwrap_or(false)
}

/// Whether `text` looks like a UTC offset rather than a zone's name.
pub fn looks_like_offset(text: &str) -> bool {
    let rest = text
        .strip_prefix("UTC")
        .or_else(|| text.strip_prefix("GMT"))
        .unwrap_or(text);
    rest.starts_with(['+', '-']) && rest[1..].bytes().any(|b| b.is_ascii_digit())
}

/// The zone of each community's events: the default community's
/// (`TIMEZONE`) and the groups' (each set with `/timezone`), by id.
pub struct Zones {
    default: IntlZone,
    groups: Vec<(i64, IntlZone)>,
}

impl Zones {
    pub fn new<'a>(default: &str, groups: impl IntoIterator<Item = (i64, &'a str)>) -> Zones {
        Zones {
            default: IntlZone::or_utc(default),
            groups: groups
                .into_iter()
                .map(|(id, name)| (id, IntlZone::or_utc(name)))
                .collect(),
        }
    }

    /// The zone of community `id` (the default one's for an id it does
    /// not know).
    pub fn of(&self, id: i64) -> &IntlZone {
        self.groups
            .iter()
            .find(|(group, _)| *group == id)
            .map_or(&self.default, |(_, zone)| zone)
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_offset;

    #[test]
    fn offsets_are_told_apart_from_names() {
        for offset in ["+05:30", "-03", "UTC+2", "GMT-7", "+0100"] {
            assert!(looks_like_offset(offset), "{offset}");
        }
        for name in [
            "UTC",
            "Europe/Berlin",
            "America/Port-au-Prince",
            "Etc/GMT+5",
            "-",
            "+",
        ] {
            assert!(!looks_like_offset(name), "{name}");
        }
    }
}
