//! An announcement storm: N viewers watch one event while K other users
//! tap attend/leave on it R times a second each for S seconds. For every
//! viewer: the time from the last tap to holding the final count, how many
//! `event` frames it received, and whether its final count is what a fresh
//! login sees.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

use crate::client;

/// What one viewer saw of the event.
#[derive(Default)]
struct Seen {
    frames: AtomicUsize,
    /// The last `attendees` received, and when (µs after the start).
    last_count: AtomicU64,
    last_at_us: AtomicU64,
}

pub struct Report {
    pub viewers: usize,
    pub taps: usize,
    pub rate_limited: usize,
    pub settle_p50_ms: f64,
    pub settle_p99_ms: f64,
    pub settle_max_ms: f64,
    pub frames_min: usize,
    pub frames_mean: f64,
    pub frames_max: usize,
    pub divergent: usize,
    pub truth: u64,
    /// The last tap to the last answer any tapper got (its own result).
    pub last_answer_ms: f64,
}

/// `"attendees":N` of an event frame for event `id`, if it is one.
fn count_of(text: &str, id: u64) -> Option<u64> {
    if !text.starts_with(r#"{"type":"event""#) || !text.contains(&format!(r#""id":{id},"#)) {
        return None;
    }
    text.split(r#""attendees":"#)
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Runs the storm against `url` (a Worker whose event 1 exists).
pub async fn run(
    url: &str,
    token: &str,
    viewers: usize,
    tappers: usize,
    rate: f64,
    duration: Duration,
) -> Result<Report, String> {
    const EVENT: u64 = 1;
    let start = Instant::now();
    let gate = Arc::new(Semaphore::new(200));
    let mut logins = Vec::new();
    for id in 0..viewers + tappers {
        let (gate, url, token) = (gate.clone(), url.to_string(), token.to_string());
        logins.push(tokio::spawn(async move {
            let _permit = gate.acquire().await;
            let mut last = String::new();
            for _ in 0..3 {
                match client::login(&url, &token, 2_000_000 + id as u64).await {
                    Ok((socket, _, _)) => return Ok(socket),
                    Err(e) => last = e,
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(last)
        }));
    }
    let mut sockets = Vec::new();
    for login in logins {
        sockets.push(login.await.map_err(|e| e.to_string())??);
    }
    eprintln!(
        "storm: {viewers} viewers and {tappers} tappers logged in after {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let base = Instant::now();
    let seen: Vec<Arc<Seen>> = (0..viewers).map(|_| Arc::default()).collect();
    let limited = Arc::new(AtomicUsize::new(0));
    let answered_us = Arc::new(AtomicU64::new(0));
    let mut writers = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        let (writer, mut reader) = socket.split();
        if i < viewers {
            let seen = seen[i].clone();
            std::mem::forget(writer);
            tokio::spawn(async move {
                while let Some(Ok(Message::Text(text))) = reader.next().await {
                    if let Some(count) = count_of(&text, EVENT) {
                        seen.frames.fetch_add(1, Ordering::Relaxed);
                        seen.last_count.store(count, Ordering::Relaxed);
                        let at = base.elapsed().as_micros() as u64;
                        seen.last_at_us.store(at, Ordering::Relaxed);
                    }
                }
            });
        } else {
            let (limited, answered_us) = (limited.clone(), answered_us.clone());
            writers.push(writer);
            tokio::spawn(async move {
                while let Some(Ok(message)) = reader.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    if text.contains("rate_limited") {
                        limited.fetch_add(1, Ordering::Relaxed);
                    }
                    let at = base.elapsed().as_micros() as u64;
                    answered_us.fetch_max(at, Ordering::Relaxed);
                }
            });
        }
    }

    // Each tapper taps `rate` times a second, the tappers spread over the
    // first interval so their taps interleave.
    let interval = Duration::from_secs_f64(1.0 / rate);
    let steps = (duration.as_secs_f64() * rate).round() as usize;
    let last_tap = Arc::new(Mutex::new(Duration::ZERO));
    let taps = Arc::new(AtomicUsize::new(0));
    let mut tapping = Vec::new();
    for (k, mut writer) in writers.into_iter().enumerate() {
        let (last_tap, taps) = (last_tap.clone(), taps.clone());
        let offset = interval.mul_f64(k as f64 / tappers.max(1) as f64);
        tapping.push(tokio::spawn(async move {
            for step in 0..steps {
                tokio::time::sleep_until((base + offset + interval * step as u32).into()).await;
                let kind = if step % 2 == 0 { "attend" } else { "leave" };
                let message = format!(r#"{{"type":"{kind}","app":"mini_event","event":{EVENT}}}"#);
                if writer.send(Message::text(message)).await.is_ok() {
                    taps.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut last) = last_tap.lock() {
                        *last = (*last).max(base.elapsed());
                    }
                }
            }
            // Keep the socket open until the storm is measured.
            writer
        }));
    }
    let mut kept = Vec::new();
    for task in tapping {
        kept.push(task.await.map_err(|e| e.to_string())?);
    }
    // Wait until no viewer has received anything for two seconds.
    let quiet = Duration::from_secs(2);
    let give_up = Instant::now() + Duration::from_secs(120);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let newest = seen
            .iter()
            .map(|s| s.last_at_us.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        let since = base.elapsed().saturating_sub(Duration::from_micros(newest));
        if since > quiet || Instant::now() > give_up {
            break;
        }
    }
    let truth = fresh_count(url, token, EVENT).await?;
    let last_tap = last_tap.lock().map(|d| *d).unwrap_or_default();
    let mut settle: Vec<f64> = seen
        .iter()
        .map(|s| {
            let at = Duration::from_micros(s.last_at_us.load(Ordering::Relaxed));
            at.saturating_sub(last_tap).as_secs_f64() * 1000.0
        })
        .collect();
    settle.sort_by(f64::total_cmp);
    let at = |q: f64| settle[((settle.len() as f64 - 1.0) * q).round() as usize];
    let frames: Vec<usize> = seen
        .iter()
        .map(|s| s.frames.load(Ordering::Relaxed))
        .collect();
    drop(kept);
    Ok(Report {
        viewers,
        taps: taps.load(Ordering::Relaxed),
        rate_limited: limited.load(Ordering::Relaxed),
        settle_p50_ms: at(0.5),
        settle_p99_ms: at(0.99),
        settle_max_ms: at(1.0),
        frames_min: frames.iter().copied().min().unwrap_or(0),
        frames_mean: frames.iter().sum::<usize>() as f64 / frames.len().max(1) as f64,
        frames_max: frames.iter().copied().max().unwrap_or(0),
        last_answer_ms: Duration::from_micros(answered_us.load(Ordering::Relaxed))
            .saturating_sub(last_tap)
            .as_secs_f64()
            * 1000.0,
        divergent: seen
            .iter()
            .filter(|s| s.last_count.load(Ordering::Relaxed) != truth)
            .count(),
        truth,
    })
}

/// The event's count as a fresh login sees it.
async fn fresh_count(url: &str, token: &str, event: u64) -> Result<u64, String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?;
    let login = serde_json::json!({
        "type": "login", "app": "mini_event", "data": client::init_data(token, 1_999_999)
    });
    let mut count = None;
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        if text.contains(r#""type":"connect""#) {
            socket
                .send(Message::text(login.to_string()))
                .await
                .map_err(|e| e.to_string())?;
        } else if let Some(n) = count_of(&text, event) {
            count = Some(n);
        } else if text.starts_with(r#"{"type":"events-loaded""#) {
            break;
        }
    }
    count.ok_or_else(|| "the fresh login did not get the event".to_string())
}
