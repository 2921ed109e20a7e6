//! Load tool for Mini Events. It starts its own `wrangler dev` for each
//! scenario (fresh state, seeded events, `DEBUG_COUNTERS=1`), signs initData
//! for as many users as it needs, and prints a Markdown report. See
//! BENCHMARKS.md for how to run it and what the figures mean.
//!
//!   cargo run --release -p mini-events-bench -- suite
//!   cargo run --release -p mini-events-bench -- fanout 1000 [seconds]
//!   cargo run --release -p mini-events-bench -- fanout-direct 5000 [seconds]
//!   cargo run --release -p mini-events-bench -- login 2000
//!   cargo run --release -p mini-events-bench -- storm 1000 20 5 10
//!   cargo run --release -p mini-events-bench -- communities 20 100 [seconds [interval_ms]]
//!   cargo run --release -p mini-events-bench -- scale
//!   cargo run --release -p mini-events-bench -- door

mod client;
mod communities;
mod dev;
mod door;
mod fanout;
mod scale;
mod storm;

use std::path::{Path, PathBuf};
use std::time::Duration;

use dev::{Dev, TOKEN};

const INTERVAL: Duration = Duration::from_millis(100);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let result = match args.first().map(String::as_str) {
        Some("suite") => suite().await,
        Some(mode @ ("fanout" | "fanout-direct")) => {
            let sockets = [arg(1, 1000) as usize];
            let seconds = Duration::from_secs(arg(2, 20));
            fanout_table(&sockets, seconds, mode == "fanout-direct").await
        }
        Some("login") => login_table(&[arg(1, 2000) as usize]).await,
        Some(mode @ ("storm" | "storm-direct")) => {
            let runs = std::env::var("STORM_RUNS")
                .ok()
                .and_then(|r| r.parse().ok())
                .unwrap_or(1);
            storm_table(
                arg(1, 1000) as usize,
                arg(2, 20) as usize,
                args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5.0),
                Duration::from_secs(arg(4, 10)),
                runs,
                mode == "storm-direct",
            )
            .await
        }
        Some("communities") => {
            communities::table(
                &root(),
                arg(1, 20) as usize,
                arg(2, 100) as usize,
                Duration::from_secs(arg(3, 20)),
                Duration::from_millis(arg(4, INTERVAL.as_millis() as u64)),
            )
            .await
        }
        Some("scale") => scale::table(&root()).await,
        Some("door") => door_table().await,
        Some("size") => {
            size();
            Ok(())
        }
        _ => Err(
            "usage: bench suite | fanout N [seconds] | fanout-direct N [seconds] | login E | size \
             | storm VIEWERS TAPPERS TAPS_PER_S SECONDS | communities C SOCKETS [seconds [interval_ms]] | scale | door"
                .into(),
        ),
    };
    if let Err(error) = result {
        eprintln!("bench: {error}");
        std::process::exit(1);
    }
}

async fn suite() -> Result<(), String> {
    size();
    login_table(&[10, 500, 2000]).await?;
    work().await?;
    fanout_table(&[100, 1000], Duration::from_secs(20), false).await?;
    fanout_table(&[100, 1000, 5000], Duration::from_secs(20), true).await?;
    storm_table(1000, 20, 5.0, Duration::from_secs(10), 3, false).await?;
    storm_table(1000, 20, 5.0, Duration::from_secs(10), 3, true).await?;
    scale::table(&root()).await
}

/// `runs` storms, each on a fresh `wrangler dev` with one event.
async fn storm_table(
    viewers: usize,
    tappers: usize,
    rate: f64,
    duration: Duration,
    runs: usize,
    direct: bool,
) -> Result<(), String> {
    let path = match direct {
        true => "straight to the Worker's workerd",
        false => "through wrangler dev's proxy",
    };
    println!(
        "\n### Storm, {path}: {viewers} viewers, {tappers} tappers x {rate} taps/s for {} s\n",
        duration.as_secs()
    );
    println!("| run | taps | rate_limited | last tapper's own answer | settled p50 | p99 | max | frames per viewer (min / mean / max) | broadcasts (shortest gap) | divergent viewers | final count | most D1 statements per invocation |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for run in 1..=runs {
        let dev = Dev::start(&root(), 1).await?;
        let url = match direct {
            true => dev.direct_ws_url().await.ok_or("no direct port found")?,
            false => dev.ws_url(),
        };
        let r = storm::run(&url, TOKEN, viewers, tappers, rate, duration).await;
        let counters = dev.all_counters().await;
        dev.stop().await;
        let r = r?;
        let broadcasts = match counters["broadcasts"].as_u64() {
            Some(n) => format!(
                "{n} ({:.0} ms)",
                counters["shortest_broadcast_gap_ms"]
                    .as_f64()
                    .unwrap_or(f64::NAN)
            ),
            None => "-".into(),
        };
        println!(
            "| {run} | {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} / {:.0} / {} | {broadcasts} | {} of {} | {} | {} |",
            r.taps,
            r.rate_limited,
            r.last_answer_ms,
            r.settle_p50_ms,
            r.settle_p99_ms,
            r.settle_max_ms,
            r.frames_min,
            r.frames_mean,
            r.frames_max,
            r.divergent,
            r.viewers,
            r.truth,
            counters["d1_most_per_invocation"].as_u64().unwrap_or(0)
        );
    }
    Ok(())
}

fn size() {
    let build = root().join("build");
    let raw = |name: &str| {
        std::fs::metadata(build.join(name))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    let gz = |name: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "gzip -9 -c '{}' | wc -c",
                build.join(name).display()
            ))
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    println!("\n### Size\n\n| file | raw | gzip -9 |\n|---|---|---|");
    for file in ["index_bg.wasm", "index.js"] {
        println!(
            "| `build/{file}` | {:.1} KB | {:.1} KB |",
            raw(file) as f64 / 1000.0,
            gz(file) as f64 / 1000.0
        );
    }
}

async fn door_table() -> Result<(), String> {
    println!("\n### At the door: 200 check-ins by ticket from 4 hosts at once, warm hub\n");
    println!("| answered p50 | p99 | max | every host's count at 200 after | D1 statements per check-in |");
    println!("|---|---|---|---|---|");
    let r = door::run(&root()).await?;
    println!(
        "| {} | {} | {} | {} | {:.2} |",
        ms(r.p50),
        ms(r.p99),
        ms(r.max),
        ms(r.all_in),
        r.statements_per_check_in
    );
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn login_table(sizes: &[usize]) -> Result<(), String> {
    println!("\n### Login (socket open to `events-loaded`)\n");
    println!("| events | cold | warm p50 | warm p95 | D1 statements: cold login | per warm login | a new user's warm login | most per invocation |");
    println!("|---|---|---|---|---|---|---|---|");
    for &events in sizes {
        let dev = Dev::start(&root(), events).await?;
        let url = dev.ws_url();
        let before = dev.counters().await;
        let (_, cold, received) = client::login(&url, TOKEN, 1).await?;
        let after_cold = dev.counters().await;
        if received != events {
            return Err(format!("expected {events} events, got {received}"));
        }
        let mut warm = Vec::new();
        let runs = 30;
        for _ in 0..runs {
            // A returning user (the one who logged in cold), as in real use.
            let (_, time, _) = client::login(&url, TOKEN, 1).await?;
            warm.push(time);
        }
        let after_warm = dev.counters().await;
        client::login(&url, TOKEN, 2).await?;
        let after_new = dev.counters().await;
        warm.sort();
        let statements = |a: (u64, u64), b: (u64, u64)| (b.0 - a.0) + (b.1 - a.1);
        println!(
            "| {events} | {} | {} | {} | {} | {:.2} | {} | {} |",
            ms(cold),
            ms(warm[runs / 2]),
            ms(warm[runs * 95 / 100]),
            statements(before, after_cold),
            statements(after_cold, after_warm) as f64 / runs as f64,
            statements(after_warm, after_new),
            dev.all_counters().await["d1_most_per_invocation"]
                .as_u64()
                .unwrap_or(0),
        );
        dev.stop().await;
    }
    Ok(())
}

/// D1 statements per attend and per broadcast.
async fn work() -> Result<(), String> {
    let dev = Dev::start(&root(), 50).await?;
    let url = dev.ws_url();
    let (mut actor, _, _) = client::login(&url, TOKEN, 7).await?;
    let mut watchers = Vec::new();
    for id in 100..120 {
        watchers.push(client::login(&url, TOKEN, id).await?.0);
    }
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let before = dev.counters().await;
    let attends = 50;
    for event in 1..=attends {
        let message = format!(r#"{{"type":"attend","app":"mini_event","event":{event}}}"#);
        actor
            .send(Message::text(message))
            .await
            .map_err(|e| e.to_string())?;
        // Wait for our broadcast before the next one.
        while let Some(Ok(message)) = actor.next().await {
            if matches!(message, Message::Text(ref t) if t.starts_with(r#"{"type":"event""#)) {
                break;
            }
        }
    }
    let after = dev.counters().await;
    println!("\n### Work per operation (D1 statements, counted in the Worker)\n");
    println!("| operation | reads | writes |\n|---|---|---|");
    println!(
        "| attend (each also one broadcast to {} sockets) | {:.2} | {:.2} |",
        watchers.len() + 1,
        (after.0 - before.0) as f64 / attends as f64,
        (after.1 - before.1) as f64 / attends as f64
    );
    dev.stop().await;
    Ok(())
}

async fn fanout_table(sizes: &[usize], duration: Duration, direct: bool) -> Result<(), String> {
    let path = if direct {
        "straight to the Worker's workerd"
    } else {
        "through wrangler dev's proxy"
    };
    println!(
        "\n### Fan-out, {path} (toggle every {} ms for {} s; last receipt per broadcast)\n",
        INTERVAL.as_millis(),
        duration.as_secs()
    );
    println!("| sockets | togglers | broadcasts (complete) | p50 | p95 | p99 | max | delivered msg/s | dropped sockets | most D1 statements per invocation |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &sockets in sizes {
        // BENCH_TARGET=ws://host:port/ws targets a running Worker instead
        // (started with BOT_TOKEN=424242:bench-token and 10 events).
        let target = std::env::var("BENCH_TARGET").ok();
        let dev = match &target {
            Some(_) => None,
            None => Some(Dev::start(&root(), 10).await?),
        };
        let url = match (&target, &dev) {
            (Some(target), _) => target.clone(),
            (None, Some(dev)) if direct => {
                dev.direct_ws_url().await.ok_or("no direct port found")?
            }
            (None, Some(dev)) => dev.ws_url(),
            (None, None) => String::new(),
        };
        let mut connected = fanout::connect(&url, TOKEN, sockets, 10).await?;
        eprintln!(
            "{sockets} sockets logged in after {:.1} s",
            connected.connect_time.as_secs_f64()
        );
        for togglers in [1, 10] {
            let r = fanout::run(&mut connected, togglers, duration, INTERVAL).await;
            println!(
                "| {sockets} | {togglers} | {} ({}) | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} | {} | {} |",
                r.broadcasts,
                r.complete,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.max_ms,
                r.delivered_per_s,
                connected.dropped.load(std::sync::atomic::Ordering::Relaxed),
                match &dev {
                    Some(dev) => dev.all_counters().await["d1_most_per_invocation"]
                        .as_u64()
                        .map_or("-".to_string(), |n| n.to_string()),
                    None => "-".to_string(),
                }
            );
        }
        if let Some(dev) = dev {
            dev.stop().await;
        }
    }
    Ok(())
}
