//! Uploaded images: what we accept, and how they are named in R2. Pure, so
//! the rules are tested on the host; `media.rs` does the R2 and HTTP work.

use sha2::{Digest, Sha256};

/// Largest accepted image, decoded.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// Where uploaded images are served, followed by their R2 key.
pub const MEDIA_PREFIX: &str = "/media/";

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
}
