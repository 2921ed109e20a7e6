//! Calendar feed tokens: `/calendar/<token>.ics` is one user's feed, and
//! the token says whose. It is the user's id and a MAC of it under a server
//! secret (`CALENDAR_SECRET`, or one derived from `BOT_TOKEN`), so it needs
//! no storage, cannot be guessed, and every token is revoked at once by
//! changing the secret. Pure, tested on the host.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Characters of the MAC in a token: 22 of base64url are 132 bits.
const MAC_CHARS: usize = 22;

/// The key tokens are made with: `CALENDAR_SECRET` when set, else one
/// derived from the bot token (never the bot token itself).
pub fn key(calendar_secret: Option<&str>, bot_token: &str) -> Vec<u8> {
    match calendar_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => Sha256::new()
            .chain_update(b"mini-events calendar feed\n")
            .chain_update(bot_token.as_bytes())
            .finalize()
            .to_vec(),
    }
}

fn mac(key: &[u8], user: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("calendar:{user}").as_bytes());
    let digest = mac.finalize().into_bytes();
    base64url(&digest, MAC_CHARS)
}

/// The first `chars` characters of `bytes` in base64url (RFC 4648 section 5, no
/// padding). Written out here: the `base64` crate's encoder cost the WASM
/// more than this, and only uploads need its decoder.
pub fn base64url(bytes: &[u8], chars: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut text = String::with_capacity(chars);
    let mut bits = 0u32;
    let mut held = 0;
    for byte in bytes {
        bits = (bits << 8) | u32::from(*byte);
        held += 8;
        while held >= 6 && text.len() < chars {
            held -= 6;
            text.push(char::from(ALPHABET[((bits >> held) & 63) as usize]));
        }
    }
    if held > 0 && text.len() < chars {
        text.push(char::from(ALPHABET[((bits << (6 - held)) & 63) as usize]));
    }
    text
}

/// A whole number written in decimal digits only (no sign, at most 19
/// digits), as the ids in tokens, tickets and export links are.
pub fn decimal(text: &str) -> Option<i64> {
    (!text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The token of `user`'s feed: `<id>-<mac>`, all `[A-Za-z0-9_-]`.
pub fn token(key: &[u8], user: i64) -> String {
    format!("{user}-{}", mac(key, user))
}

/// Whose feed `token` opens, if it is a token we made (compared in
/// constant time).
pub fn user_of(key: &[u8], token: &str) -> Option<i64> {
    let (id, given) = token.split_once('-')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || given.len() != MAC_CHARS {
        return None;
    }
    let user: i64 = id.parse().ok().filter(|user| *user > 0)?;
    let expected = mac(key, user);
    bool::from(expected.as_bytes().ct_eq(given.as_bytes())).then_some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_is_the_standard_one() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        for bytes in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"\xff\xfe\xfd\x00\x01",
            &[0xfb; 32],
        ] {
            let expected = engine.encode(bytes);
            assert_eq!(base64url(bytes, 1000), expected);
            assert_eq!(
                base64url(bytes, 3),
                expected.chars().take(3).collect::<String>()
            );
        }
    }

    #[test]
    fn tokens_open_only_their_own_feed() {
        let key = key(None, "123:token");
        let token = token(&key, 5_000_000_001);
        assert!(token.len() >= 22 + 2);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(user_of(&key, &token), Some(5_000_000_001));
        let other = token.replacen("5000000001", "5000000002", 1);
        assert_eq!(user_of(&key, &other), None, "another id with this MAC");
        let mut flipped = token.clone();
        let last = flipped
            .pop()
            .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
        flipped.push(last);
        assert_eq!(user_of(&key, &flipped), None);
        for bad in [
            "",
            "-",
            "5-",
            "x-abc",
            "-abcdefghijklmnopqrstuv",
            "0-abcdefghijklmnopqrstuv",
        ] {
            assert_eq!(user_of(&key, bad), None, "{bad}");
        }
        let rotated = super::key(Some("new secret"), "123:token");
        assert_eq!(user_of(&rotated, &token), None, "a new secret revokes");
        assert_ne!(super::key(None, "123:token"), b"123:token".to_vec());
    }
}
