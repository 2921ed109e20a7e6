//! Limits on what one socket, one client and one user may do. Pure, so the
//! rules are tested on the host; the hub applies them. The numbers are
//! documented in the README (and `docs/protocol.md`).

/// Messages a socket may send per second, on average.
pub const MESSAGES_PER_SECOND: f64 = 10.0;
/// Messages a socket may send at once after a quiet spell.
pub const MESSAGE_BURST: f64 = 20.0;
/// Refused messages in a row (none accepted between) after which the
/// socket is closed with 1008: that is abuse, not a burst.
pub const REFUSALS_BEFORE_CLOSE: u32 = 50;
/// Sockets one user may have logged in at once.
pub const MAX_SOCKETS_PER_USER: usize = 10;
/// Largest frame a socket may send before it has logged in: a login is a
/// few hundred bytes, so nothing bigger is read, let alone parsed.
pub const MAX_FRAME_BYTES_BEFORE_LOGIN: usize = 8 * 1024;
/// Largest frame a logged-in socket may send (an event with its picture).
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Close code for a frame over the limit (RFC 6455's "message too big").
pub const MESSAGE_TOO_BIG: u16 = 1009;

/// What pending sockets (not logged in) are counted by: the client's IP
/// from `CF-Connecting-IP`, an IPv6 client by its /64 (one household or
/// one host gets a whole /64, so counting single addresses would let it
/// pass the limit at will).
pub fn client_key(ip: &str) -> String {
    let ip = ip.trim();
    v6_prefix(ip).unwrap_or_else(|| ip.chars().take(64).collect())
}

/// The /64 of an IPv6 address as Cloudflare writes it (the address itself
/// for an IPv4-mapped one), or `None` for anything else. Read by hand:
/// `std::net`'s parser cost the WASM 3.5 KB.
fn v6_prefix(ip: &str) -> Option<String> {
    if let Some(v4) = ip.strip_prefix("::ffff:").filter(|rest| rest.contains('.')) {
        return Some(v4.to_string());
    }
    let groups = |part: &str| -> Option<Vec<u16>> {
        if part.is_empty() {
            return Some(Vec::new());
        }
        part.split(':')
            .map(|g| match g.len() {
                1..=4 => u16::from_str_radix(g, 16).ok(),
                _ => None,
            })
            .collect()
    };
    let (mut head, tail) = match ip.split_once("::") {
        Some((head, tail)) => (groups(head)?, groups(tail)?),
        None if ip.contains(':') => (groups(ip)?, Vec::new()),
        None => return None,
    };
    let filled = head.len() + tail.len();
    if filled > 8 || (!ip.contains("::") && filled != 8) {
        return None;
    }
    head.resize(8 - tail.len(), 0);
    Some(format!(
        "{:x}:{:x}:{:x}:{:x}::/64",
        head[0], head[1], head[2], head[3]
    ))
}

/// What to do with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Serve,
    /// Answer `rate_limited` and drop the message.
    Refuse,
    /// Close the socket (1008).
    Close,
}

/// A token bucket per socket. It lives in memory only: after the object
/// hibernates a socket starts with a full bucket again, which is fine.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    last_ms: f64,
    refusals: u32,
}

impl Bucket {
    pub fn new(now_ms: f64) -> Bucket {
        Bucket {
            tokens: MESSAGE_BURST,
            last_ms: now_ms,
            refusals: 0,
        }
    }

    /// Takes a token for a message arriving at `now_ms`.
    pub fn take(&mut self, now_ms: f64) -> Verdict {
        let elapsed = ((now_ms - self.last_ms) / 1000.0).max(0.0);
        self.last_ms = self.last_ms.max(now_ms);
        self.tokens = (self.tokens + elapsed * MESSAGES_PER_SECOND).min(MESSAGE_BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refusals = 0;
            return Verdict::Serve;
        }
        self.refusals += 1;
        if self.refusals >= REFUSALS_BEFORE_CLOSE {
            Verdict::Close
        } else {
            Verdict::Refuse
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_64() {
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key(" 203.0.113.7 "), "203.0.113.7");
        assert_eq!(
            client_key("2001:db8:aa:bb:1:2:3:4"),
            client_key("2001:0db8:00aa:00bb:ffff::9")
        );
        assert_eq!(client_key("2001:db8:aa:bb::1"), "2001:db8:aa:bb::/64");
        assert_ne!(
            client_key("2001:db8:aa:bb::1"),
            client_key("2001:db8:aa:bc::1")
        );
        assert_eq!(client_key("::ffff:198.51.100.2"), "198.51.100.2");
        assert_eq!(client_key(""), "");
        assert_eq!(client_key("::1"), "0:0:0:0::/64");
        assert_eq!(client_key("2001:db8::"), "2001:db8:0:0::/64");
        assert_eq!(
            client_key("2001:db8:aa:bb:cc:dd:ee:ff:11"),
            "2001:db8:aa:bb:cc:dd:ee:ff:11",
            "not an address: as it is"
        );
        assert_eq!(client_key(&"x".repeat(500)).len(), 64);
    }

    #[test]
    fn a_burst_then_the_rate() {
        let mut bucket = Bucket::new(0.0);
        for _ in 0..20 {
            assert_eq!(bucket.take(0.0), Verdict::Serve);
        }
        assert_eq!(bucket.take(0.0), Verdict::Refuse);
        // 100 ms later one more token has come in.
        assert_eq!(bucket.take(100.0), Verdict::Serve);
        assert_eq!(bucket.take(100.0), Verdict::Refuse);
        // A quiet spell refills up to the burst, not beyond.
        for _ in 0..20 {
            assert_eq!(bucket.take(60_000.0), Verdict::Serve);
        }
        assert_eq!(bucket.take(60_000.0), Verdict::Refuse);
    }

    #[test]
    fn sustained_abuse_closes() {
        let mut bucket = Bucket::new(0.0);
        for _ in 0..20 {
            bucket.take(0.0);
        }
        for _ in 1..REFUSALS_BEFORE_CLOSE {
            assert_eq!(bucket.take(0.0), Verdict::Refuse);
        }
        assert_eq!(bucket.take(0.0), Verdict::Close);
    }

    #[test]
    fn a_served_message_forgives_earlier_refusals() {
        let mut bucket = Bucket::new(0.0);
        for _ in 0..20 {
            bucket.take(0.0);
        }
        for _ in 0..REFUSALS_BEFORE_CLOSE - 1 {
            bucket.take(0.0);
        }
        assert_eq!(bucket.take(1000.0), Verdict::Serve);
        assert_eq!(bucket.take(1000.0), Verdict::Serve);
        for _ in 0..8 {
            bucket.take(1000.0);
        }
        assert_eq!(bucket.take(1000.0), Verdict::Refuse);
    }

    #[test]
    fn a_clock_going_back_does_not_mint_tokens() {
        let mut bucket = Bucket::new(5000.0);
        for _ in 0..20 {
            bucket.take(5000.0);
        }
        assert_eq!(bucket.take(1000.0), Verdict::Refuse);
        assert_eq!(bucket.take(5000.0), Verdict::Refuse);
    }
}
