//! At the door: hosts scanning tickets on a warm hub. One event whose door
//! is open (a daily event that started a minute ago) with 200 people
//! going, 4 hosts listed on it; each host checks in 50 of the tickets, one
//! after another, a scan every 150 ms at most (faster than a person scans,
//! under the per-socket rate limit of 10 a second), all four at once. Measured:
//! from sending `check-in` to the host's own `checked-in` answer, and how
//! long until every host's count says all 200 are in.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::client;
use crate::dev::{Dev, TOKEN};

const EVENT: i64 = 1000;
const PEOPLE: u64 = 200;
const HOSTS: u64 = 4;
const FIRST_PERSON: u64 = 2_000_001;
const FIRST_HOST: u64 = 3_000_001;

pub struct Report {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub all_in: Duration,
    pub statements_per_check_in: f64,
}

/// The seed: the event, who is going (with names), and its hosts.
fn seed() -> String {
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_sub(60);
    let minutes = (start / 60) % (24 * 60);
    let hosts: Vec<String> = (FIRST_HOST..FIRST_HOST + HOSTS)
        .map(|h| h.to_string())
        .collect();
    let mut sql = format!(
        "INSERT INTO events (id, title, start, duration, repeat, hosts) VALUES \
         ({EVENT}, 'Door', '{:02}:{:02}', 4, 'daily', '{}');\n",
        minutes / 60,
        minutes % 60,
        hosts.join(",")
    );
    for user in FIRST_PERSON..FIRST_PERSON + PEOPLE {
        sql.push_str(&format!(
            "INSERT INTO users (telegram_id, name) VALUES ({user}, 'Guest {user}');\n\
             INSERT INTO attendance (event_id, telegram_id) VALUES ({EVENT}, {user});\n"
        ));
    }
    sql
}

pub async fn run(root: &std::path::Path) -> Result<Report, String> {
    let dev = Dev::start_seeded(root, 0, &seed()).await?;
    let url = dev.ws_url();
    let tickets = mini_events::tickets::Tickets::from_secrets(None, TOKEN);
    let mut hosts = Vec::new();
    for host in FIRST_HOST..FIRST_HOST + HOSTS {
        hosts.push(client::login(&url, TOKEN, host).await?.0);
    }
    let before = dev.counters().await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, mut socket) in hosts.into_iter().enumerate() {
        let mine: Vec<String> = (0..PEOPLE / HOSTS)
            .map(|k| tickets.ticket(EVENT, (FIRST_PERSON + i as u64 + k * HOSTS) as i64))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut pace = tokio::time::interval(Duration::from_millis(150));
            for ticket in mine {
                pace.tick().await;
                let check_in = serde_json::json!({
                    "type": "check-in", "app": "mini_event", "event": EVENT, "ticket": ticket,
                });
                let sent = Instant::now();
                socket
                    .send(Message::text(check_in.to_string()))
                    .await
                    .map_err(|e| e.to_string())?;
                loop {
                    let Some(message) = socket.next().await else {
                        return Err("socket ended".to_string());
                    };
                    let Message::Text(text) = message.map_err(|e| e.to_string())? else {
                        continue;
                    };
                    if text.starts_with(r#"{"type":"checked-in""#) {
                        if !text.contains(r#""already":false"#) {
                            return Err(format!("not a first check-in: {text}"));
                        }
                        times.push(sent.elapsed());
                        break;
                    }
                    if text.starts_with(r#"{"type":"error""#) {
                        return Err(text.to_string());
                    }
                }
            }
            // Then wait until this host's count says everyone is in.
            let all = format!(r#""checked_in":{PEOPLE}"#);
            loop {
                let Some(message) = socket.next().await else {
                    return Err("socket ended".to_string());
                };
                if let Message::Text(text) = message.map_err(|e| e.to_string())? {
                    if text.contains(&all) {
                        return Ok::<_, String>((times, Instant::now()));
                    }
                }
            }
        }));
    }
    let mut times = Vec::new();
    let mut last = started;
    for task in tasks {
        let (mine, done) = tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .map_err(|_| "check-ins timed out".to_string())?
            .map_err(|e| e.to_string())??;
        times.extend(mine);
        last = last.max(done);
    }
    let after = dev.counters().await;
    dev.stop().await;
    times.sort();
    let at = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)];
    let statements = (after.0 - before.0) + (after.1 - before.1);
    Ok(Report {
        p50: at(50),
        p99: at(99),
        max: times[times.len() - 1],
        all_in: last - started,
        statements_per_check_in: statements as f64 / times.len() as f64,
    })
}
