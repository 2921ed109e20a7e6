//! Local time in the zone `TIMEZONE` names, through the runtime's own
//! `Intl.DateTimeFormat`: no time zone database in our WASM. Every JS call
//! goes through `Reflect`, so an unknown zone is an error, not a panic.

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{Array, Function, Object, Reflect};

/// A minute of local time: the day ("YYYY-MM-DD") and the time ("HH:MM").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMinute {
    pub day: String,
    pub time: String,
}

/// Formats instants (Unix milliseconds) as local minutes in one zone.
pub struct Clock {
    format_to_parts: Function,
    formatter: JsValue,
}

impl Clock {
    /// A clock for `zone` (an IANA name such as "Europe/Berlin").
    pub fn new(zone: &str) -> Result<Clock, String> {
        let fail = |what: &str| format!("time zone {zone:?}: {what}");
        let intl =
            Reflect::get(&worker::js_sys::global(), &"Intl".into()).map_err(|_| fail("no Intl"))?;
        let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
            .map_err(|_| fail("no DateTimeFormat"))?
            .dyn_into()
            .map_err(|_| fail("DateTimeFormat is not a function"))?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", zone),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "2-digit"),
            ("day", "2-digit"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
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
        Ok(Clock {
            format_to_parts,
            formatter,
        })
    }

    /// The local minute of the instant `millis`.
    pub fn minute_at(&self, millis: f64) -> Option<LocalMinute> {
        let date = worker::js_sys::Date::new(&JsValue::from_f64(millis));
        let parts: Array = self
            .format_to_parts
            .call1(&self.formatter, &date)
            .ok()?
            .dyn_into()
            .ok()?;
        let mut fields = [None, None, None, None, None];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string();
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                _ => continue,
            };
            fields[slot] = value;
        }
        let [Some(year), Some(month), Some(day), Some(hour), Some(minute)] = fields else {
            return None;
        };
        Some(LocalMinute {
            day: format!("{year}-{month}-{day}"),
            time: format!("{hour}:{minute}"),
        })
    }
}
