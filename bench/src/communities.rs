//! Communities side by side: C groups' communities, each its own Durable
//! Object with S sockets, one toggler each toggling its own event every
//! interval, all at once; each hub's fan-out beside one hub alone with the
//! same S sockets. Members and admin lists are seeded in D1 as fresh
//! answers, so no login asks Telegram.

use std::time::Duration;

use crate::dev::{Dev, TOKEN};
use crate::fanout;

/// The slug of bench community `c`: 12 of `[A-Za-z0-9]`.
fn slug(c: usize) -> String {
    format!("BenchComm{c:03}")
}

/// First user id of community `c`'s sockets.
fn first_user(c: usize) -> u64 {
    2_000_000 + c as u64 * 10_000
}

/// Community `c`'s event (one per community, its toggler's).
fn event_of(c: usize) -> usize {
    10_000 + c
}

fn seed(communities: usize, per: usize) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut sql = String::new();
    for c in 1..=communities {
        sql.push_str(&format!(
            "INSERT INTO communities (id, slug, chat_id, title, timezone, created_at) \
             VALUES ({c}, '{}', {}, 'Bench {c}', 'UTC', {now});\n\
             INSERT INTO community_admin_checks (community_id, checked_at) VALUES ({c}, {now});\n\
             INSERT INTO events (id, title, start, duration, community_id) \
             VALUES ({e}, 'Community {c}', '12:00', 1, {c});\n",
            slug(c),
            -1_000_000_000_000 - c as i64,
            e = event_of(c),
        ));
        let first = first_user(c);
        sql.push_str(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {per}) \
             INSERT INTO community_members (community_id, telegram_id, member, admin, checked_at) \
             SELECT {c}, {first} + i, 1, 0, {now} FROM n;\n"
        ));
    }
    sql
}

pub async fn table(
    root: &std::path::Path,
    communities: usize,
    per: usize,
    duration: Duration,
    interval: Duration,
) -> Result<(), String> {
    println!(
        "\n### Communities: {communities} hubs x {per} sockets, one toggler per hub every {} ms for {} s, all at once, straight to the Worker's workerd\n",
        interval.as_millis(),
        duration.as_secs()
    );
    let dev = Dev::start_seeded(root, 1, &seed(communities, per)).await?;
    let base = dev.direct_ws_url().await.ok_or("no direct port found")?;
    // One hub alone first, with the same number of sockets.
    let mut alone = fanout::connect_at(
        &format!("{base}?c={}", slug(1)),
        TOKEN,
        per,
        1,
        first_user(1),
        event_of(1),
    )
    .await?;
    let single = fanout::run(&mut alone, 1, duration, interval).await;
    drop(alone);
    let mut hubs = Vec::new();
    for c in 1..=communities {
        let url = format!("{base}?c={}", slug(c));
        hubs.push(fanout::connect_at(&url, TOKEN, per, 1, first_user(c), event_of(c)).await?);
    }
    let runs = hubs
        .iter_mut()
        .map(|hub| fanout::run(hub, 1, duration, interval));
    let reports = futures_util::future::join_all(runs).await;
    let dropped: usize = hubs
        .iter()
        .map(|h| h.dropped.load(std::sync::atomic::Ordering::Relaxed))
        .sum();
    dev.stop().await;
    println!("| hub | sockets | broadcasts (complete) | p50 | p99 | max | delivered msg/s |");
    println!("|---|---|---|---|---|---|---|");
    let row = |name: &str, r: &fanout::Report| {
        println!(
            "| {name} | {per} | {} ({}) | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} |",
            r.broadcasts, r.complete, r.p50_ms, r.p99_ms, r.max_ms, r.delivered_per_s
        );
    };
    row("one hub alone", &single);
    for (c, report) in reports.iter().enumerate() {
        row(&format!("community {} of {communities}", c + 1), report);
    }
    let total: f64 = reports.iter().map(|r| r.delivered_per_s).sum();
    println!(
        "\nAll {communities} hubs together: {total:.0} msg/s delivered to {} sockets; {dropped} sockets dropped.",
        communities * per
    );
    Ok(())
}
