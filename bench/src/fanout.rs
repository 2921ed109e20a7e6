//! Fan-out: N logged-in sockets; K of them toggle attend/leave on an event
//! of their own every interval. For every broadcast we take the time from
//! the send to its receipt at the last of the N sockets.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, StreamExt};
use futures_util::SinkExt;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Socket};

/// One broadcast slot per (toggler, step).
struct Slots {
    steps: usize,
    sent_us: Vec<AtomicU64>,
    last_us: Vec<AtomicU64>,
    received: Vec<AtomicU32>,
}

impl Slots {
    fn new(togglers: usize, steps: usize) -> Slots {
        let n = togglers * steps;
        Slots {
            steps,
            sent_us: (0..n).map(|_| AtomicU64::new(0)).collect(),
            last_us: (0..n).map(|_| AtomicU64::new(0)).collect(),
            received: (0..n).map(|_| AtomicU32::new(0)).collect(),
        }
    }
}

pub struct Connected {
    writers: Vec<SplitSink<Socket, Message>>,
    /// The togglers' events are `first_event`, `first_event + 1`, ...
    first_event: usize,
    /// Event messages seen per socket per event (index = event id - 1).
    phase: Arc<Phase>,
    pub sockets: usize,
    pub connect_time: Duration,
    pub dropped: Arc<AtomicUsize>,
}

/// What the reader tasks record into; replaced for each phase.
#[derive(Default)]
struct Phase {
    inner: std::sync::RwLock<Option<(Arc<Slots>, Instant)>>,
}

/// Opens and logs in `sockets` users (ids from 1), at most 200 at a time.
pub async fn connect(
    url: &str,
    token: &str,
    sockets: usize,
    max_togglers: usize,
) -> Result<Connected, String> {
    connect_at(url, token, sockets, max_togglers, 1_000_001, 1).await
}

/// As [`connect`], with user ids from `first_user`, toggling the events
/// from `first_event` on.
pub async fn connect_at(
    url: &str,
    token: &str,
    sockets: usize,
    max_togglers: usize,
    first_user: u64,
    first_event: usize,
) -> Result<Connected, String> {
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(200));
    let phase = Arc::new(Phase::default());
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for id in first_user..first_user + sockets as u64 {
        let gate = gate.clone();
        let url = url.to_string();
        let token = token.to_string();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await;
            let mut last_error = String::new();
            for _ in 0..3 {
                match client::login(&url, &token, id).await {
                    Ok((socket, _, _)) => return Ok(socket),
                    Err(e) => last_error = e,
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(last_error)
        }));
    }
    let mut writers = Vec::new();
    for task in tasks {
        let socket = task.await.map_err(|e| e.to_string())??;
        let (writer, mut reader) = socket.split();
        if writers.len() < max_togglers {
            writers.push(writer);
        } else {
            // Keep the writer half alive (dropping it would close nothing,
            // but keeps the socket's ownership simple).
            std::mem::forget(writer);
        }
        let phase = phase.clone();
        let dropped = dropped.clone();
        tokio::spawn(async move {
            let mut seen: Vec<usize> = Vec::new();
            let mut current: usize = 0; // address of the phase's slots
            while let Some(Ok(message)) = reader.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                if !text.starts_with(r#"{"type":"event""#) {
                    continue;
                }
                let now = Instant::now();
                let guard = phase.inner.read().ok().and_then(|g| g.clone());
                let Some((slots, base)) = guard else { continue };
                if current != Arc::as_ptr(&slots) as usize {
                    current = Arc::as_ptr(&slots) as usize;
                    seen.clear();
                }
                let id = text
                    .split(r#""id":"#)
                    .nth(1)
                    .and_then(|rest| rest.split(',').next())
                    .and_then(|id| id.parse::<usize>().ok())
                    .and_then(|id| (id + 1).checked_sub(first_event))
                    .unwrap_or(0);
                if id == 0 {
                    continue;
                }
                if seen.len() < id {
                    seen.resize(id, 0);
                }
                let step = seen[id - 1];
                seen[id - 1] += 1;
                if step >= slots.steps {
                    continue;
                }
                let slot = (id - 1) * slots.steps + step;
                if slot >= slots.received.len() {
                    continue;
                }
                let at = now.duration_since(base).as_micros() as u64;
                slots.last_us[slot].fetch_max(at, Ordering::Relaxed);
                slots.received[slot].fetch_add(1, Ordering::Relaxed);
            }
            dropped.fetch_add(1, Ordering::Relaxed);
        });
    }
    Ok(Connected {
        writers,
        first_event,
        phase,
        sockets,
        connect_time: started.elapsed(),
        dropped,
    })
}

pub struct Report {
    pub broadcasts: usize,
    pub complete: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub delivered_per_s: f64,
}

/// Runs one phase: `togglers` users each toggle their event every
/// `interval` for `duration`.
pub async fn run(
    connected: &mut Connected,
    togglers: usize,
    duration: Duration,
    interval: Duration,
) -> Report {
    let steps = (duration.as_millis() / interval.as_millis()).max(2) as usize & !1; // even: ends on leave
    let slots = Arc::new(Slots::new(togglers, steps));
    let base = Instant::now();
    if let Ok(mut guard) = connected.phase.inner.write() {
        *guard = Some((slots.clone(), base));
    }
    for step in 0..steps {
        let due = base + interval * step as u32;
        tokio::time::sleep_until(due.into()).await;
        for (k, writer) in connected.writers.iter_mut().take(togglers).enumerate() {
            let kind = if step % 2 == 0 { "attend" } else { "leave" };
            let message = format!(
                r#"{{"type":"{kind}","app":"mini_event","event":{}}}"#,
                connected.first_event + k
            );
            slots.sent_us[k * steps + step]
                .store(base.elapsed().as_micros() as u64, Ordering::Relaxed);
            let _ = writer.send(Message::text(message)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let elapsed = base.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut delivered = 0u64;
    for slot in 0..togglers * steps {
        let received = slots.received[slot].load(Ordering::Relaxed);
        delivered += u64::from(received);
        if received as usize >= connected.sockets {
            let sent = slots.sent_us[slot].load(Ordering::Relaxed);
            let last = slots.last_us[slot].load(Ordering::Relaxed);
            latencies.push(last.saturating_sub(sent) as f64 / 1000.0);
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        latencies[((latencies.len() as f64 - 1.0) * q).round() as usize]
    };
    Report {
        broadcasts: togglers * steps,
        complete: latencies.len(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        delivered_per_s: delivered as f64 / elapsed,
    }
}
