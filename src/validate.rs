//! Rules for the data people type: event fields. Pure, tested on the host.

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
}
