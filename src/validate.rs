//! Rules for the event data admins send. Pure, tested on the host.
//!
//! `create-event` and `edit-event` carry the same fields; a create needs
//! `title`, `start` and `duration`, an edit any one of them. Each refusal
//! names its field, so the page can show it next to the right input. The
//! rules that need the clock and the zone (a one-off already over, a date
//! too far ahead) are the catalog's (`Event::check_schedule`).

use serde_json::{Map, Value};

use crate::calendar::{Day, Repeat};
use crate::catalog::MAX_HOSTS;
use crate::error::ClientError;
use crate::media::ImageChange;
use crate::seats;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_LOCATION_CHARS: usize = 200;
pub const MAX_DURATION_HOURS: f64 = 24.0;
/// Questions an event may ask people who attend.
pub const MAX_QUESTIONS: usize = 3;
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_ANSWER_CHARS: usize = 500;

/// Fields of an event to set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub start: Option<String>,
    pub duration: Option<f64>,
    pub image: Option<ImageChange>,
    /// `Some(None)`: the date is cleared (`null`).
    pub date: Option<Option<Day>>,
    pub repeat: Option<Repeat>,
    pub location: Option<String>,
    /// `Some(None)`: unlimited (`null`).
    pub capacity: Option<Option<u32>>,
    pub max_guests: Option<u32>,
    pub closed: Option<bool>,
    /// Telegram ids of the people who host it besides the admins (admins
    /// only; whether each entered the community is the hub's check).
    pub hosts: Option<Vec<i64>>,
    /// Newcomers ask and a host lets them in.
    pub approval: Option<bool>,
    /// `Some(vec![])`: no questions.
    pub questions: Option<Vec<String>>,
}

impl EventChanges {
    /// Whether the change moves the event in time.
    pub fn reschedules(&self) -> bool {
        self.start.is_some()
            || self.duration.is_some()
            || self.date.is_some()
            || self.repeat.is_some()
    }
}

/// Reads the fields of a `create-event`: title, start and duration required;
/// `repeat` is `none` with a date and `daily` without (what the seed's
/// time-only events always meant).
pub fn new_event(fields: &Map<String, Value>) -> Result<EventChanges, ClientError> {
    let mut changes = event_changes(fields)?;
    let dated = matches!(changes.date, Some(Some(_)));
    changes
        .repeat
        .get_or_insert(if dated { Repeat::None } else { Repeat::Daily });
    if changes.title.is_none() {
        return Err(ClientError::invalid("title is required"));
    }
    if changes.start.is_none() {
        return Err(ClientError::invalid("start is required"));
    }
    if changes.duration.is_none() {
        return Err(ClientError::invalid("duration is required"));
    }
    Ok(changes)
}

/// Reads the fields of an `edit-event`: any of them, at least one.
pub fn edit_event(fields: &Map<String, Value>) -> Result<EventChanges, ClientError> {
    let changes = event_changes(fields)?;
    if changes == EventChanges::default() {
        return Err(ClientError::invalid(
            "nothing to change: send title, description, start, duration, date, repeat, location, image, capacity, max_guests, closed, hosts, approval or questions",
        ));
    }
    Ok(changes)
}

fn event_changes(fields: &Map<String, Value>) -> Result<EventChanges, ClientError> {
    Ok(EventChanges {
        title: fields.get("title").map(title).transpose()?,
        description: fields.get("description").map(description).transpose()?,
        start: fields
            .get("start")
            .map(|v| {
                v.as_str()
                    .and_then(normalize_start)
                    .ok_or(ClientError::invalid(
                        "start must be a time from 00:00 to 23:59",
                    ))
            })
            .transpose()?,
        duration: fields.get("duration").map(duration).transpose()?,
        image: fields
            .get("image")
            .map(ImageChange::from_field)
            .transpose()?,
        date: fields.get("date").map(date).transpose()?,
        repeat: fields.get("repeat").map(repeat).transpose()?,
        location: fields.get("location").map(location).transpose()?,
        capacity: fields.get("capacity").map(capacity).transpose()?,
        max_guests: fields.get("max_guests").map(max_guests).transpose()?,
        closed: fields
            .get("closed")
            .map(|v| {
                v.as_bool()
                    .ok_or(ClientError::invalid("closed must be true or false"))
            })
            .transpose()?,
        hosts: fields.get("hosts").map(hosts).transpose()?,
        approval: fields
            .get("approval")
            .map(|v| {
                v.as_bool()
                    .ok_or(ClientError::invalid("approval must be true or false"))
            })
            .transpose()?,
        questions: fields.get("questions").map(questions).transpose()?,
    })
}

/// `questions`: at most [`MAX_QUESTIONS`], each 1..=[`MAX_QUESTION_CHARS`]
/// characters (`null` or `[]`: none).
fn questions(value: &Value) -> Result<Vec<String>, ClientError> {
    const WRONG: &str = "questions must be a list of at most 3 questions, each 1 to 200 characters";
    texts(value, MAX_QUESTIONS, 1, MAX_QUESTION_CHARS, WRONG)
}

/// `answers` of an `attend`: one text each, at most
/// [`MAX_ANSWER_CHARS`] characters (whether there is one per question is
/// the catalog's check).
pub fn answers(value: Option<&Value>) -> Result<Option<Vec<String>>, ClientError> {
    const WRONG: &str = "answers must be a list of texts, each at most 500 characters";
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => texts(v, MAX_QUESTIONS, 0, MAX_ANSWER_CHARS, WRONG).map(Some),
    }
}

/// A list of at most `most` plain texts of `min..=max` characters each.
fn texts(
    value: &Value,
    most: usize,
    min: usize,
    max: usize,
    wrong: &'static str,
) -> Result<Vec<String>, ClientError> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) if items.len() <= most => items,
        _ => return Err(ClientError::invalid(wrong)),
    };
    items
        .iter()
        .map(|item| {
            let text = item.as_str().ok_or(ClientError::invalid(wrong))?;
            let text = plain_text(text, true);
            let text = text.trim();
            let chars = text.chars().count();
            match chars >= min && chars <= max {
                true => Ok(text.to_string()),
                false => Err(ClientError::invalid(wrong)),
            }
        })
        .collect()
}

/// `hosts`: at most [`MAX_HOSTS`] Telegram user ids, each once.
fn hosts(value: &Value) -> Result<Vec<i64>, ClientError> {
    const WRONG: &str = "hosts must be a list of at most 10 Telegram user ids";
    let Value::Array(items) = value else {
        return Err(ClientError::invalid(WRONG));
    };
    let mut ids: Vec<i64> = Vec::with_capacity(items.len());
    for item in items {
        let id = item
            .as_i64()
            .filter(|id| *id > 0)
            .ok_or(ClientError::invalid(WRONG))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_HOSTS {
        return Err(ClientError::invalid(WRONG));
    }
    Ok(ids)
}

fn capacity(value: &Value) -> Result<Option<u32>, ClientError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_u64()
            .filter(|c| (1..=u64::from(seats::MAX_CAPACITY)).contains(c))
            .map(|c| Some(c as u32))
            .ok_or(ClientError::invalid(
                "capacity must be a whole number from 1 to 100000, or null for unlimited",
            )),
        _ => Err(ClientError::invalid(
            "capacity must be a whole number from 1 to 100000, or null for unlimited",
        )),
    }
}

fn max_guests(value: &Value) -> Result<u32, ClientError> {
    value
        .as_u64()
        .filter(|g| *g <= u64::from(seats::MAX_GUESTS_LIMIT))
        .map(|g| g as u32)
        .ok_or(ClientError::invalid(
            "max_guests must be a whole number from 0 to 10",
        ))
}

/// `guests` of an `attend`: left out keeps the party's size.
pub fn guests(value: Option<&Value>) -> Result<Option<u32>, ClientError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|g| *g <= u64::from(seats::MAX_GUESTS_LIMIT))
            .map(|g| Some(g as u32))
            .ok_or(ClientError::invalid(
                "guests must be a whole number from 0 to the event's max_guests",
            )),
    }
}

fn date(value: &Value) -> Result<Option<Day>, ClientError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Day::parse(text.trim())
            .map(Some)
            .ok_or(ClientError::invalid(
                "date must be a day on the calendar, as YYYY-MM-DD",
            )),
        _ => Err(ClientError::invalid("date must be YYYY-MM-DD")),
    }
}

fn repeat(value: &Value) -> Result<Repeat, ClientError> {
    value
        .as_str()
        .and_then(Repeat::parse)
        .ok_or(ClientError::invalid("repeat must be none, daily or weekly"))
}

fn location(value: &Value) -> Result<String, ClientError> {
    let text = match value {
        Value::Null => String::new(),
        Value::String(text) => plain_text(text, false),
        _ => return Err(ClientError::invalid("location must be text")),
    };
    let text = text.trim();
    if text.chars().count() > MAX_LOCATION_CHARS {
        return Err(ClientError::invalid(
            "location must be at most 200 characters",
        ));
    }
    Ok(text.to_string())
}

/// Text as people typed it, without control characters (escape sequences
/// could drive the terminal of an operator listing events, and have no
/// place on a page). `\r\n` and `\n` become `\n` where `newlines` are kept.
pub fn plain_text(text: &str, newlines: bool) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || (newlines && *c == '\n'))
        .collect()
}

fn title(value: &Value) -> Result<String, ClientError> {
    let title = value
        .as_str()
        .map(|t| plain_text(t, false))
        .unwrap_or_default();
    let title = title.trim();
    let chars = title.chars().count();
    if chars == 0 || chars > MAX_TITLE_CHARS {
        return Err(ClientError::invalid("title must be 1 to 120 characters"));
    }
    Ok(title.to_string())
}

fn description(value: &Value) -> Result<String, ClientError> {
    let text = match value {
        Value::Null => String::new(),
        Value::String(text) => plain_text(text, true),
        _ => return Err(ClientError::invalid("description must be text")),
    };
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ClientError::invalid(
            "description must be at most 2000 characters",
        ));
    }
    Ok(text.to_string())
}

fn duration(value: &Value) -> Result<f64, ClientError> {
    value
        .as_f64()
        .filter(|hours| *hours > 0.0 && *hours <= MAX_DURATION_HOURS)
        .ok_or(ClientError::invalid(
            "duration must be a number of hours above 0 and at most 24",
        ))
}

/// Reads "H:MM" or "HH:MM" between 00:00 and 23:59 and writes it as "HH:MM".
pub fn normalize_start(text: &str) -> Option<String> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let digits = |s: &str, max_len| {
        !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 2) || !digits(minutes, 2) || minutes.len() != 2 {
        return None;
    }
    let hours: u8 = hours.parse().ok()?;
    let minutes: u8 = minutes.parse().ok()?;
    (hours < 24 && minutes < 60).then(|| format!("{hours:02}:{minutes:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{ImageKind, Upload, MAX_IMAGE_BYTES};
    use base64::Engine;
    use serde_json::json;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    fn fields(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn hosts_are_a_short_list_of_ids() {
        let edit = |hosts: Value| edit_event(&fields(json!({ "hosts": hosts }))).map(|c| c.hosts);
        assert_eq!(edit(json!([5, 6, 5])), Ok(Some(vec![5, 6])), "each once");
        assert_eq!(edit(json!([])), Ok(Some(vec![])));
        let eleven: Vec<i64> = (1..=11).collect();
        for bad in [
            json!(eleven),
            json!([0]),
            json!(["5"]),
            json!(5),
            json!(null),
            json!([1.5]),
        ] {
            assert_eq!(
                edit(bad.clone()).map_err(|e| e.code()),
                Err("invalid"),
                "{bad}"
            );
        }
    }

    fn refusal(value: Value) -> String {
        match new_event(&fields(value)) {
            Err(ClientError::Invalid(detail)) => detail.into_owned(),
            other => format!("not refused: {other:?}"),
        }
    }

    fn valid() -> Value {
        json!({"title": "Picnic", "start": "12:00", "duration": 2})
    }

    fn with(key: &str, value: Value) -> Value {
        let mut base = valid();
        base[key] = value;
        base
    }

    #[test]
    fn start_times() {
        assert_eq!(normalize_start("09:00").as_deref(), Some("09:00"));
        assert_eq!(normalize_start("9:00").as_deref(), Some("09:00"));
        assert_eq!(normalize_start("23:59").as_deref(), Some("23:59"));
        assert_eq!(normalize_start("00:00").as_deref(), Some("00:00"));
        for bad in [
            "25:00", "24:00", "12:60", "12:5", "1200", "", ":30", "12:", "+1:00", "123:00", "a:bc",
        ] {
            assert_eq!(normalize_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn accepts_a_full_event() {
        let changes = new_event(&fields(json!({
            "title": "  Picnic  ", "description": " In the park ", "start": "9:30",
            "duration": 1.5, "image": {"name": "../../etc/passwd.png", "base64": b64(PNG)}
        })))
        .expect("valid");
        assert_eq!(changes.title.as_deref(), Some("Picnic"));
        assert_eq!(changes.description.as_deref(), Some("In the park"));
        assert_eq!(changes.start.as_deref(), Some("09:30"));
        assert_eq!(changes.duration, Some(1.5));
        assert_eq!(
            changes.image,
            Some(ImageChange::Upload(Upload {
                bytes: PNG.to_vec(),
                kind: ImageKind::Png
            }))
        );
    }

    #[test]
    fn each_rule_names_its_field() {
        assert!(refusal(with("title", json!("   "))).starts_with("title"));
        assert!(refusal(with("title", json!("x".repeat(121)))).starts_with("title"));
        assert!(new_event(&fields(with("title", json!("é".repeat(120))))).is_ok());
        assert!(refusal(with("title", json!(5))).starts_with("title"));
        assert!(refusal(with("description", json!("d".repeat(2001)))).starts_with("description"));
        assert!(refusal(with("start", json!("25:00"))).starts_with("start"));
        assert!(refusal(with("start", json!(900))).starts_with("start"));
        assert!(refusal(with("duration", json!(0))).starts_with("duration"));
        assert!(refusal(with("duration", json!(25))).starts_with("duration"));
        assert!(refusal(with("duration", json!(-1))).starts_with("duration"));
        assert!(refusal(with("duration", json!("2"))).starts_with("duration"));
        assert!(new_event(&fields(with("duration", json!(24)))).is_ok());
        for missing in ["title", "start", "duration"] {
            let mut event = valid();
            if let Value::Object(map) = &mut event {
                map.remove(missing);
            }
            assert!(refusal(event).starts_with(missing), "{missing}");
        }
    }

    #[test]
    fn image_rules() {
        let svg = b64(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
        assert!(refusal(with("image", json!({"name": "a.png", "base64": svg}))).contains("PNG"));
        let html = b64(b"<!doctype html><script>alert(1)</script>");
        assert!(refusal(with("image", json!({"name": "a.png", "base64": html}))).contains("PNG"));
        let mut big = PNG.to_vec();
        big.resize(600 * 1024, 0);
        assert!(
            refusal(with("image", json!({"name": "a.png", "base64": b64(&big)})))
                .contains("512 KiB")
        );
        let mut edge = PNG.to_vec();
        edge.resize(MAX_IMAGE_BYTES, 0);
        assert!(new_event(&fields(with("image", json!({"base64": b64(&edge)})))).is_ok());
        assert!(refusal(with("image", json!({"base64": "!!not base64!!"}))).contains("decode"));
        assert!(refusal(with("image", json!({"name": "a.png"}))).contains("base64"));
        assert!(refusal(with("image", json!("http://plain.example/a.png"))).contains("https"));
        assert!(refusal(with("image", json!("javascript:alert(1)"))).contains("https"));
        assert!(refusal(with("image", json!("https://"))).contains("https"));
        assert!(refusal(with("image", json!(3))).starts_with("image"));

        let url = new_event(&fields(with("image", json!("https://cdn.example/a.png"))));
        assert_eq!(
            url.map(|c| c.image),
            Ok(Some(ImageChange::Url("https://cdn.example/a.png".into())))
        );
        let data_url = format!("data:image/png;base64,{}", b64(PNG));
        assert!(new_event(&fields(with("image", json!({"base64": data_url})))).is_ok());
        let removed = new_event(&fields(with("image", json!(null))));
        assert_eq!(removed.map(|c| c.image), Ok(Some(ImageChange::Remove)));
    }

    #[test]
    fn control_characters_are_taken_out() {
        let changes = new_event(&fields(json!({
            "title": "Party\u{1b}]0;pwned\u{7}\u{1b}[2J time", "start": "12:00", "duration": 1,
            "description": "Line one\r\nLine\ttwo\u{0}\n\u{9b}31mred"
        })))
        .expect("valid");
        assert_eq!(changes.title.as_deref(), Some("Party]0;pwned[2J time"));
        assert_eq!(
            changes.description.as_deref(),
            Some("Line one\nLinetwo\n31mred")
        );
        assert!(refusal(with("title", json!("\u{1b}\u{7}"))).starts_with("title"));
        assert_eq!(plain_text("a\nb", false), "ab");
    }

    #[test]
    fn an_edit_needs_one_field() {
        assert!(edit_event(&fields(json!({"id": 1}))).is_err());
        let changes = edit_event(&fields(json!({"id": 1, "start": "7:05"}))).expect("valid");
        assert_eq!(changes.start.as_deref(), Some("07:05"));
        assert_eq!(changes.title, None);
        assert_eq!(changes.repeat, None, "an edit leaves repeat as it is");
    }

    #[test]
    fn dates_repeats_and_locations() {
        let dated = new_event(&fields(with("date", json!("2027-03-26")))).expect("valid");
        assert_eq!(dated.date, Some(Day::parse("2027-03-26")));
        assert_eq!(dated.repeat, Some(Repeat::None), "a date means once");
        let plain = new_event(&fields(valid())).expect("valid");
        assert_eq!(plain.repeat, Some(Repeat::Daily), "no date means daily");
        let weekly = new_event(&fields(json!({
            "title": "Run", "start": "18:00", "duration": 1, "date": "2027-03-02",
            "repeat": "weekly", "location": " Park\u{1b}[2J gate  "
        })))
        .expect("valid");
        assert_eq!(weekly.repeat, Some(Repeat::Weekly));
        assert_eq!(weekly.location.as_deref(), Some("Park[2J gate"));
        for bad in ["2027-02-30", "27-03-02", "tomorrow", "2027-3-2"] {
            assert!(
                refusal(with("date", json!(bad))).starts_with("date"),
                "{bad}"
            );
        }
        assert!(refusal(with("date", json!(20270302))).starts_with("date"));
        assert!(refusal(with("repeat", json!("monthly"))).starts_with("repeat"));
        assert!(refusal(with("location", json!("l".repeat(201)))).starts_with("location"));
        let cleared = edit_event(&fields(json!({"id": 1, "date": null}))).expect("valid");
        assert_eq!(cleared.date, Some(None));
        assert!(cleared.reschedules());
        let renamed = edit_event(&fields(json!({"id": 1, "location": "Hall"}))).expect("valid");
        assert!(!renamed.reschedules());
    }
}
