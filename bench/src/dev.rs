//! A `wrangler dev` of our own for one scenario: fresh state, seeded events,
//! the benchmark's counters switched on.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// The bot token the bench signs with and the Worker validates with.
pub const TOKEN: &str = "424242:bench-token";

pub struct Dev {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18787)
}

impl Dev {
    /// Starts `wrangler dev` from the repository at `root` with `events`
    /// events (ids 1..=events) in a fresh local D1.
    pub async fn start(root: &Path, events: usize) -> Result<Dev, String> {
        Self::start_seeded(root, events, "").await
    }

    /// As [`Dev::start`], with `extra` SQL run after the seeding.
    pub async fn start_seeded(root: &Path, events: usize, extra: &str) -> Result<Dev, String> {
        Self::start_with(root, events, extra, &[], false).await
    }

    /// As [`Dev::start_seeded`], with more `vars` and, when `scheduled`,
    /// `/__scheduled` to run the cron handler.
    pub async fn start_with(
        root: &Path,
        events: usize,
        extra: &str,
        vars: &[(&str, String)],
        scheduled: bool,
    ) -> Result<Dev, String> {
        let dir = std::env::temp_dir().join(format!(
            "mini-events-bench-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let schema = std::fs::read_to_string(root.join("schema.sql")).map_err(|e| e.to_string())?;
        let mut sql = schema;
        for id in 1..=events {
            sql.push_str(&format!(
                "INSERT INTO events (id, title, description, image, start, duration) VALUES \
                 ({id}, 'Event {id}', 'A benchmark event with a description of ordinary length, about a line.', '', '{:02}:{:02}', 1.5);\n",
                (id / 60) % 24,
                id % 60
            ));
        }
        sql.push_str(extra);
        let file = dir.join("seed.sql");
        std::fs::write(&file, sql).map_err(|e| e.to_string())?;
        let wrangler = root.join("node_modules/.bin/wrangler");
        let seeded = Command::new(&wrangler)
            .args(["d1", "execute", "DB", "--local", "--persist-to"])
            .arg(&dir)
            .arg("--file")
            .arg(&file)
            .current_dir(root)
            .env("WRANGLER_SEND_METRICS", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .map_err(|e| e.to_string())?;
        if !seeded.success() {
            return Err("seeding D1 failed".into());
        }
        let port = free_port();
        // BENCH_VARS="NAME:VALUE,NAME:VALUE" sets more vars, for trying
        // settings (BROADCAST_WINDOW_MS:100, say).
        let extra: Vec<String> = std::env::var("BENCH_VARS")
            .unwrap_or_default()
            .split(',')
            .filter(|v| v.contains(':'))
            .flat_map(|v| ["--var".to_string(), v.to_string()])
            .collect();
        let child = Command::new(&wrangler)
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &free_port().to_string()])
            .arg("--persist-to")
            .arg(&dir)
            .args([
                "--show-interactive-dev-session=false",
                "--live-reload=false",
                "--log-level",
                "error",
            ])
            .args(["--var", &format!("BOT_TOKEN:{TOKEN}")])
            .args([
                "--var",
                "AUTH_MAX_AGE_SECONDS:0",
                "--var",
                "DEBUG_COUNTERS:1",
                // Every bench client comes from 127.0.0.1, up to 200
                // logging in at once.
                "--var",
                "MAX_PENDING_PER_IP:100000",
            ])
            .args(&extra)
            .args(
                vars.iter()
                    .flat_map(|(name, value)| ["--var".to_string(), format!("{name}:{value}")]),
            )
            .args(scheduled.then_some("--test-scheduled"))
            .current_dir(root)
            .env("MINI_EVENTS_PREBUILT", "1")
            .env("WRANGLER_SEND_METRICS", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| e.to_string())?;
        let dev = Dev { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok((status, _)) = dev.get("/ws").await {
                if status == 426 {
                    return Ok(dev);
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        dev.stop().await;
        Err("wrangler dev did not start".into())
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// The Worker's own workerd, behind wrangler's dev proxy. The proxy (a
    /// second workerd) relays every frame and holds six file descriptors
    /// per socket, so with this machine's limit of 20 000 it cannot carry
    /// 5 000 sockets; production has no such proxy. Found by asking `ss`
    /// which ports our process group's inner workerd listens on.
    pub async fn direct_ws_url(&self) -> Option<String> {
        let pgid = self.child.id()?;
        let pids = std::process::Command::new("pgrep")
            .args(["-g", &pgid.to_string(), "-f", "entry=127.0.0.1:0"])
            .output()
            .ok()?;
        let pids: Vec<String> = String::from_utf8_lossy(&pids.stdout)
            .split_whitespace()
            .map(|p| format!("pid={p},"))
            .collect();
        let listening = std::process::Command::new("ss")
            .args(["-ltnpH"])
            .output()
            .ok()?;
        for line in String::from_utf8_lossy(&listening.stdout).lines() {
            if !pids.iter().any(|pid| line.contains(pid.as_str())) {
                continue;
            }
            let Some(port) = line
                .split_whitespace()
                .nth(3)
                .and_then(|addr| addr.rsplit(':').next())
                .and_then(|port| port.parse::<u16>().ok())
            else {
                continue;
            };
            let probe = Dev::probe(port, "/ws").await;
            if matches!(probe, Ok((426, _))) {
                return Some(format!("ws://127.0.0.1:{port}/ws"));
            }
        }
        None
    }

    pub async fn get(&self, path: &str) -> Result<(u16, String), String> {
        Dev::probe(self.port, path).await
    }

    /// POSTs a JSON `body` to `path` with one more header.
    pub async fn post(
        &self,
        path: &str,
        header: &str,
        body: &str,
    ) -> Result<(u16, String), String> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{header}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        Dev::send(self.port, &request).await
    }

    async fn probe(port: u16, path: &str) -> Result<(u16, String), String> {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Dev::send(port, &request).await
    }

    async fn send(port: u16, request: &str) -> Result<(u16, String), String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        // Read as far as the response goes (its length, or the last
        // chunk): the dev proxy may keep the connection open after it.
        let mut raw = Vec::new();
        let mut buffer = [0u8; 16384];
        loop {
            let n = stream.read(&mut buffer).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&raw);
            let Some(end) = text.find("\r\n\r\n") else {
                continue;
            };
            let head = text[..end].to_ascii_lowercase();
            let length = head.lines().find_map(|l| {
                l.strip_prefix("content-length:")
                    .and_then(|v| v.trim().parse::<usize>().ok())
            });
            let done = match length {
                Some(length) => raw.len() >= end + 4 + length,
                None if head.contains("transfer-encoding: chunked") => text.ends_with("0\r\n\r\n"),
                None => false,
            };
            if done {
                break;
            }
        }
        let response = String::from_utf8_lossy(&raw).into_owned();
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// (D1 reads, D1 writes) the hub has made so far.
    pub async fn counters(&self) -> (u64, u64) {
        let value = self.all_counters().await;
        (
            value["d1_reads"].as_u64().unwrap_or(0),
            value["d1_writes"].as_u64().unwrap_or(0),
        )
    }

    /// Everything the hub's `/__counters` says.
    pub async fn all_counters(&self) -> serde_json::Value {
        let Ok((_, body)) = self.get("/__counters").await else {
            return serde_json::Value::Null;
        };
        // The body may be chunked; take the JSON object inside.
        let json = body
            .find('{')
            .and_then(|start| body.rfind('}').map(|end| &body[start..=end]))
            .unwrap_or("{}");
        serde_json::from_str(json).unwrap_or_default()
    }

    /// Stops wrangler and its workerd processes (the whole process group),
    /// and waits until they are gone.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let group = format!("-{pid}");
            // `--` so that kill reads "-<pid>" as a process group, not a signal.
            let signal = |name: &str| {
                std::process::Command::new("kill")
                    .args([name, "--", &group])
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            signal("-TERM");
            for waited in 0..100 {
                if !signal("-0") {
                    break;
                }
                if waited == 50 {
                    signal("-KILL");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let _ = self.child.wait().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
