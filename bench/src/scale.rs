//! One deployment's size against its shared work: 50 groups' communities
//! with one event each, then with a hundred each (5 000 events, each with a
//! 2 000-character description and five people going). A cron run (nothing
//! due) and an inline answer should cost about the same in both (D1
//! statements and rows read, counted in the Worker, and time), and no
//! invocation may make more than 50 D1 statements, the runs that first work
//! out every event's next start included. A member's second login to a
//! warm community hub should cost no D1 statement.
//!
//! The Bot API is a fake of our own that answers every call `ok`, and
//! counts them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::client;
use crate::dev::{Dev, TOKEN};

const COMMUNITIES: usize = 50;
/// The member who logs in and asks inline: in every community.
const MEMBER: u64 = 3_000_000;
const SECRET: &str = "bench-webhook-secret";
/// Cron runs that may be needed before every event's next start is known
/// (200 a run).
const WARM_UP_RUNS: usize = 30;
const MEASURED: usize = 9;

fn slug(c: usize) -> String {
    format!("BenchScal{c:03}")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// 50 communities with `per` events each, one-offs over the next two
/// months and every tenth a weekly series, five people going to each.
fn seed(per: usize) -> String {
    let now = now();
    let mut sql = String::new();
    for c in 1..=COMMUNITIES {
        sql.push_str(&format!(
            "INSERT INTO communities (id, slug, chat_id, title, timezone, created_at) \
             VALUES ({c}, '{}', {}, 'Scale {c}', 'UTC', {now});\n\
             INSERT INTO community_admin_checks (community_id, checked_at) VALUES ({c}, {now});\n\
             INSERT INTO community_members (community_id, telegram_id, member, admin, checked_at, entered_at) \
             VALUES ({c}, {MEMBER}, 1, 0, {now}, {now});\n",
            slug(c),
            -1_000_000_000_000 - c as i64,
        ));
        sql.push_str(&format!(
            "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < {per}) \
             INSERT INTO events (id, title, description, start, duration, date, repeat, location, community_id) \
             SELECT {c} * 1000 + i, 'Scale event ' || {c} || '-' || i, \
             substr(replace(hex(zeroblob(1000)), '00', 'ab'), 1, 2000), \
             printf('%02d:%02d', i % 24, (i * 7) % 60), 1.5, date('now', '+' || (1 + i % 60) || ' days'), \
             CASE WHEN i % 10 = 0 THEN 'weekly' ELSE 'none' END, 'Hall ' || i, {c} FROM k;\n\
             WITH RECURSIVE p(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM p WHERE j + 1 < 5) \
             INSERT INTO attendance (event_id, telegram_id, guests) \
             SELECT e.id, 4000000 + e.id * 10 + p.j, 0 FROM events e, p WHERE e.community_id = {c};\n"
        ));
    }
    sql
}

/// A Bot API that says `ok` to everything; counts the calls.
async fn fake_bot_api() -> Result<(String, Arc<AtomicUsize>), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                // Headers, then as much body as Content-Length says.
                loop {
                    let Ok(n) = stream.read(&mut buffer).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                counted.fetch_add(1, Ordering::Relaxed);
                let body = r#"{"ok":true,"result":true}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok((url, calls))
}

/// D1 statements, rows read, time and Bot API calls of one measured step.
#[derive(Default, Clone, Copy)]
struct Cost {
    statements: u64,
    rows: u64,
    time: Duration,
    calls: usize,
}

struct Counters {
    statements: u64,
    rows: u64,
    calls: usize,
}

async fn counters(dev: &Dev, calls: &AtomicUsize) -> Counters {
    let all = dev.all_counters().await;
    let n = |key: &str| all[key].as_u64().unwrap_or(0);
    Counters {
        statements: n("d1_reads") + n("d1_writes"),
        rows: n("d1_rows_read"),
        calls: calls.load(Ordering::Relaxed),
    }
}

/// The median of each figure over `runs` of `step`.
async fn median<F, Fut>(
    dev: &Dev,
    calls: &AtomicUsize,
    runs: usize,
    mut step: F,
) -> Result<Cost, String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let mut costs = Vec::new();
    for run in 0..runs {
        let before = counters(dev, calls).await;
        let started = Instant::now();
        step(run).await?;
        let time = started.elapsed();
        let after = counters(dev, calls).await;
        costs.push(Cost {
            statements: after.statements - before.statements,
            rows: after.rows - before.rows,
            time,
            calls: after.calls - before.calls,
        });
    }
    let mid = |mut v: Vec<u64>| {
        v.sort();
        v[v.len() / 2]
    };
    Ok(Cost {
        statements: mid(costs.iter().map(|c| c.statements).collect()),
        rows: mid(costs.iter().map(|c| c.rows).collect()),
        time: Duration::from_micros(mid(costs
            .iter()
            .map(|c| c.time.as_micros() as u64)
            .collect())),
        calls: mid(costs.iter().map(|c| c.calls as u64).collect()) as usize,
    })
}

async fn cron(dev: &Dev) -> Result<(), String> {
    match dev.get("/__scheduled?cron=*+*+*+*+*").await? {
        (200, _) => Ok(()),
        (status, body) => Err(format!("cron: {status} {body}")),
    }
}

async fn inline(dev: &Dev, update: u64, query: &str) -> Result<(), String> {
    let body = format!(
        r#"{{"update_id":{update},"inline_query":{{"id":"q{update}","from":{{"id":{MEMBER},"is_bot":false,"first_name":"Bench"}},"query":"{query}","offset":""}}}}"#
    );
    let header = format!("X-Telegram-Bot-Api-Secret-Token: {SECRET}");
    match dev.post("/telegram/webhook", &header, &body).await? {
        (200, _) => Ok(()),
        (status, body) => Err(format!("webhook: {status} {body}")),
    }
}

struct Report {
    events: usize,
    warm_up_runs: usize,
    warm_up_most: u64,
    cron: Cost,
    inline_search: Cost,
    inline_upcoming: Cost,
    cold_login: Cost,
    warm_login: Cost,
    most: u64,
}

async fn measure(root: &std::path::Path, per: usize) -> Result<Report, String> {
    let (api, calls) = fake_bot_api().await?;
    let vars = [
        ("TELEGRAM_API", api),
        ("WEBHOOK_SECRET", SECRET.to_string()),
        ("BOT_USERNAME", "bench_bot".to_string()),
        ("APP_SHORT_NAME", "app".to_string()),
    ];
    let dev = Dev::start_with(root, 0, &seed(per), &vars, true).await?;
    let result = async {
        // The first runs work out every event's next start, 200 a run.
        let mut warm_up_runs = 0;
        for _ in 0..WARM_UP_RUNS {
            cron(&dev).await?;
            warm_up_runs += 1;
        }
        let warm_up_most = dev.all_counters().await["d1_most_per_invocation"]
            .as_u64()
            .unwrap_or(0);
        let cron_cost = median(&dev, &calls, MEASURED, |_| cron(&dev)).await?;
        let inline_search = median(&dev, &calls, MEASURED, |run| {
            inline(&dev, 1000 + run as u64, "Scale event 7")
        })
        .await?;
        let inline_upcoming = median(&dev, &calls, MEASURED, |run| {
            inline(&dev, 2000 + run as u64, "")
        })
        .await?;
        let url = format!("{}?c={}", dev.ws_url(), slug(1));
        let cold_login = median(&dev, &calls, 1, |_| async {
            client::login(&url, TOKEN, MEMBER).await.map(|_| ())
        })
        .await?;
        let warm_login = median(&dev, &calls, MEASURED, |_| async {
            client::login(&url, TOKEN, MEMBER).await.map(|_| ())
        })
        .await?;
        let most = dev.all_counters().await["d1_most_per_invocation"]
            .as_u64()
            .unwrap_or(0);
        Ok(Report {
            events: per * COMMUNITIES,
            warm_up_runs,
            warm_up_most,
            cron: cron_cost,
            inline_search,
            inline_upcoming,
            cold_login,
            warm_login,
            most,
        })
    }
    .await;
    dev.stop().await;
    result
}

pub async fn table(root: &std::path::Path) -> Result<(), String> {
    println!(
        "\n### Scale: {COMMUNITIES} communities, 1 event each against 100 each (medians of {MEASURED})\n"
    );
    println!("| events | step | D1 statements | rows read | time | Bot API calls |");
    println!("|---|---|---|---|---|---|");
    let mut mosts = Vec::new();
    for per in [1, 100] {
        let r = measure(root, per).await?;
        let row = |step: &str, c: Cost| {
            println!(
                "| {} | {step} | {} | {} | {:.1} ms | {} |",
                r.events,
                c.statements,
                c.rows,
                c.time.as_secs_f64() * 1000.0,
                c.calls
            );
        };
        row("cron run, nothing due", r.cron);
        row("inline search (\"Scale event 7\")", r.inline_search);
        row("inline, empty query (next events)", r.inline_upcoming);
        row("first login to a community", r.cold_login);
        row("warm login to a community", r.warm_login);
        mosts.push((r.events, r.warm_up_runs, r.warm_up_most, r.most));
    }
    println!();
    for (events, runs, warm_up, most) in mosts {
        println!(
            "With {events} events: the most D1 statements of one invocation was {warm_up} in the first {runs} cron runs (working out next starts), {most} over the whole scenario."
        );
    }
    Ok(())
}
