//! One benchmark user: signed initData and a logged-in socket.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// initData for user `id`, signed the way Telegram signs it.
pub fn init_data(token: &str, id: u64) -> String {
    let user = format!(r#"{{"id":{id},"first_name":"Bench","last_name":"User {id}"}}"#);
    let auth_date = "1700000000";
    let check = format!("auth_date={auth_date}\nuser={user}");
    let secret = hmac(b"WebAppData", token.as_bytes());
    let hash = hex::encode(hmac(&secret, check.as_bytes()));
    form_urlencoded::Serializer::new(String::new())
        .append_pair("auth_date", auth_date)
        .append_pair("user", &user)
        .append_pair("hash", &hash)
        .finish()
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
