//! Event pictures, all in one place: what an admin may send (an `https`
//! URL or an upload of a PNG, JPEG, WebP or GIF), how uploads are named in
//! R2, and how a stored picture becomes the absolute URL clients get. Pure,
//! so the rules are tested on the host; [`bucket`] does the R2 and HTTP
//! work.

pub mod bucket;

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::ClientError;

/// Largest accepted image, decoded.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// Where uploaded images are served, followed by their R2 key.
pub const MEDIA_PREFIX: &str = "/media/";

/// Longest image URL we store.
pub const MAX_URL_BYTES: usize = 2048;

/// What an event's `image` field asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageChange {
    /// No image (`null` or `""`).
    Remove,
    /// An `https://` URL, stored as it is.
    Url(String),
    /// An uploaded picture, for R2.
    Upload(Upload),
}

impl ImageChange {
    /// Reads the `image` field of `create-event` / `edit-event`.
    pub fn from_field(value: &Value) -> Result<ImageChange, ClientError> {
        match value {
            Value::Null => Ok(ImageChange::Remove),
            Value::String(url) if url.is_empty() => Ok(ImageChange::Remove),
            Value::String(url) => image_url(url),
            Value::Object(upload) => match upload.get("base64") {
                Some(Value::String(data)) => Upload::decode(data).map(ImageChange::Upload),
                _ => Err(ClientError::invalid("image upload needs base64 data")),
            },
            _ => Err(ClientError::invalid(
                "image must be an https URL or an upload {name, base64}",
            )),
        }
    }
}

fn image_url(url: &str) -> Result<ImageChange, ClientError> {
    let plain = url
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'<' && b != b'>');
    let host = url.strip_prefix("https://").unwrap_or("");
    if !plain || host.is_empty() || host.starts_with('/') || url.len() > MAX_URL_BYTES {
        return Err(ClientError::invalid("image must be an https:// URL"));
    }
    Ok(ImageChange::Url(url.to_string()))
}

/// A stored image as clients get it: `/media/...` paths (ours) made
/// absolute against `base`, URLs as they are, `""` for none.
pub fn absolute_url(image: &str, base: &str) -> String {
    if image.starts_with('/') {
        format!("{}{}", base.trim_end_matches('/'), image)
    } else {
        image.to_string()
    }
}

/// The image formats we store, told apart by their first bytes (never by
/// the file name a client sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
    Gif,
}

impl ImageKind {
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        match bytes {
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    fn from_extension(extension: &str) -> Option<ImageKind> {
        match extension {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            "gif" => Some(Self::Gif),
            _ => None,
        }
    }
}

/// A checked upload, ready for R2.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
}

impl Upload {
    /// Checks an upload's base64 data (a browser's `data:` URL is fine too):
    /// at most [`MAX_IMAGE_BYTES`] decoded, and an image by its first bytes.
    pub fn decode(data: &str) -> Result<Upload, ClientError> {
        let data = match data.split_once(";base64,") {
            Some((prefix, rest)) if prefix.starts_with("data:") => rest,
            _ => data,
        };
        // Refuse what is too big before spending time decoding it.
        if data.len() > MAX_IMAGE_BYTES.div_ceil(3) * 4 + 4 {
            return Err(ClientError::invalid("image must be at most 512 KiB"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| ClientError::invalid("image base64 does not decode"))?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(ClientError::invalid("image must be at most 512 KiB"));
        }
        let kind = ImageKind::sniff(&bytes).ok_or(ClientError::invalid(
            "image must be a PNG, JPEG, WebP or GIF",
        ))?;
        Ok(Upload { bytes, kind })
    }

    /// A fresh R2 key: a hash of the bytes and `salt` (the time and a
    /// counter), so two uploads of one picture still get two keys and
    /// deleting one never removes the other's.
    pub fn key(&self, salt: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(&self.bytes);
        hash.update(salt.as_bytes());
        let digest = hash.finalize();
        format!("{}.{}", hex::encode(&digest[..12]), self.kind.extension())
    }
}

/// The R2 key behind a stored image path, when the image is one of ours.
pub fn key_of_path(image: &str) -> Option<&str> {
    image.strip_prefix(MEDIA_PREFIX).filter(|key| is_key(key))
}

/// Keys are what [`Upload::key`] makes (or an operator chose): letters,
/// digits, `-`, `_` and one `.` before a known image extension. Nothing
/// that could climb out of the bucket's flat namespace.
pub fn is_key(key: &str) -> bool {
    content_type_of_key(key).is_some()
        && key.len() <= 128
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && key.bytes().filter(|b| *b == b'.').count() == 1
}

/// The `Content-Type` to serve a key with, from its extension.
pub fn content_type_of_key(key: &str) -> Option<&'static str> {
    let (_, extension) = key.rsplit_once('.')?;
    ImageKind::from_extension(&extension.to_ascii_lowercase()).map(ImageKind::content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];

    #[test]
    fn sniffs_by_magic_bytes() {
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a...."), Some(ImageKind::Gif));
        assert_eq!(ImageKind::sniff(b"GIF87a...."), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(
            ImageKind::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(ImageKind::sniff(b"<!doctype html><script>"), None);
        assert_eq!(ImageKind::sniff(&[0x89, b'P']), None);
        assert_eq!(ImageKind::sniff(&[]), None);
    }

    #[test]
    fn keys_are_fresh_and_safe() {
        let upload = Upload {
            bytes: PNG.to_vec(),
            kind: ImageKind::Png,
        };
        let a = upload.key("1-1");
        let b = upload.key("1-2");
        assert_ne!(a, b);
        assert!(a.ends_with(".png"));
        assert!(is_key(&a));
        assert_eq!(key_of_path(&format!("/media/{a}")), Some(a.as_str()));
    }

    #[test]
    fn refuses_unsafe_keys() {
        for key in [
            "../x.png", "a/b.png", "x.svg", "x", ".png.png", "x.html", "a b.png", "",
        ] {
            assert!(!is_key(key), "{key}");
        }
        assert_eq!(key_of_path("https://cdn.example/media/x.png"), None);
        assert_eq!(content_type_of_key("a.JPG"), Some("image/jpeg"));
        assert_eq!(content_type_of_key("a.webp"), Some("image/webp"));
    }

    #[test]
    fn stored_images_become_absolute() {
        assert_eq!(
            absolute_url("/media/a.png", "https://x.example/"),
            "https://x.example/media/a.png"
        );
        assert_eq!(
            absolute_url("https://cdn.example/p.png", "https://x.example"),
            "https://cdn.example/p.png"
        );
        assert_eq!(absolute_url("", "https://x.example"), "");
    }
}
