//! One benchmark user: signed initData and a logged-in socket.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// initData for user `id`, signed the way Telegram signs it (by the
/// Worker crate's own signer).
pub fn init_data(token: &str, id: u64) -> String {
    let user = format!(r#"{{"id":{id},"first_name":"Bench","last_name":"User {id}"}}"#);
    mini_events::init_data::sign(&[("auth_date", "1700000000"), ("user", &user)], token)
}

/// Opens a socket, logs in and reads up to `events-loaded`. Returns the
/// socket, the time from opening to `events-loaded`, and the events received.
pub async fn login(url: &str, token: &str, id: u64) -> Result<(Socket, Duration, usize), String> {
    let started = Instant::now();
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?;
    let login =
        serde_json::json!({"type": "login", "app": "mini_event", "data": init_data(token, id)});
    let mut events = 0;
    let mut sent = false;
    while let Some(message) = socket.next().await {
        let text = match message.map_err(|e| e.to_string())? {
            Message::Text(text) => text,
            Message::Close(_) => return Err("closed during login".into()),
            _ => continue,
        };
        if !sent && text.contains(r#""type":"connect""#) {
            socket
                .send(Message::text(login.to_string()))
                .await
                .map_err(|e| e.to_string())?;
            sent = true;
        } else if text.starts_with(r#"{"type":"event""#) {
            events += 1;
        } else if text.starts_with(r#"{"type":"events-loaded""#) {
            return Ok((socket, started.elapsed(), events));
        } else if text.contains(r#""type":"disconnect""#) {
            return Err("login refused".into());
        }
    }
    Err("socket ended during login".into())
}
