//! Pictures in R2 (binding `MEDIA`): storing an admin's upload, deleting
//! one that is no longer used, and serving them at `/media/<key>`. What is
//! accepted and how keys look is in the parent module.

use worker::{console_error, js_sys, Bucket, Date, Env, HttpMetadata, Response, Result};

use super::{content_type_of_key, is_key, key_of_path, ImageChange, Upload, MEDIA_PREFIX};

const BINDING: &str = "MEDIA";

/// A picture stored for a change: the value for `events.image`, and the R2
/// key when we uploaded it (to delete again if the change is not stored).
pub struct Stored {
    pub value: String,
    /// Bytes uploaded to R2 (0 for a link, or none).
    pub bytes: u64,
    uploaded: Option<String>,
}

/// Carries out the picture part of a change: an upload goes to R2 under a
/// fresh key. `None` when the picture stays as it is.
pub async fn store(env: &Env, change: Option<&ImageChange>) -> Result<Option<Stored>> {
    let plain = |value: String| {
        Some(Stored {
            value,
            bytes: 0,
            uploaded: None,
        })
    };
    match change {
        None => Ok(None),
        Some(ImageChange::Remove) => Ok(plain(String::new())),
        Some(ImageChange::Url(url)) => Ok(plain(url.clone())),
        Some(ImageChange::Upload(upload)) => {
            // Whole numbers: formatting an f64 would bring float printing
            // into the WASM for this one line.
            let random = (js_sys::Math::random() * 1e15) as u64;
            let salt = format!("{}-{random}", Date::now().as_millis());
            let key = upload.key(&salt);
            put(&env.bucket(BINDING)?, &key, upload).await?;
            Ok(Some(Stored {
                value: format!("{MEDIA_PREFIX}{key}"),
                bytes: upload.bytes.len() as u64,
                uploaded: Some(key),
            }))
        }
    }
}

/// Deletes what [`store`] uploaded for a change that was then not made.
pub async fn discard(env: &Env, stored: Option<Stored>) {
    if let Some(key) = stored.and_then(|s| s.uploaded) {
        delete_key(env, &key).await;
    }
}

/// Deletes the R2 object behind a stored image value, if it is ours.
pub async fn delete(env: &Env, stored: &str) {
    if let Some(key) = key_of_path(stored) {
        delete_key(env, key).await;
    }
}

async fn put(bucket: &Bucket, key: &str, upload: &Upload) -> Result<()> {
    bucket
        .put(key, upload.bytes.clone())
        .http_metadata(HttpMetadata {
            content_type: Some(upload.kind.content_type().to_string()),
            ..HttpMetadata::default()
        })
        .execute()
        .await?;
    Ok(())
}

/// A failure only leaves an unused object behind, so it is logged, not
/// passed on: the change the client asked for has been made.
async fn delete_key(env: &Env, key: &str) {
    let deleted = match env.bucket(BINDING) {
        Ok(bucket) => bucket.delete(key).await,
        Err(error) => Err(error),
    };
    if let Err(error) = deleted {
        console_error!("deleting media {key} failed: {error}");
    }
}

/// `GET /media/<key>`: the image with its type, never sniffed by the
/// browser, cached for a year (keys are never reused for other bytes).
pub async fn serve(env: &Env, key: &str) -> Result<Response> {
    let Some(content_type) = is_key(key).then(|| content_type_of_key(key)).flatten() else {
        return Response::error("Not found", 404);
    };
    let Some(object) = env.bucket(BINDING)?.get(key).execute().await? else {
        return Response::error("Not found", 404);
    };
    let etag = object.http_etag();
    let Some(body) = object.body() else {
        return Response::error("Not found", 404);
    };
    let mut response = Response::from_body(body.response_body()?)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", content_type)?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Cache-Control", "public, max-age=31536000, immutable")?;
    headers.set("Content-Security-Policy", "default-src 'none'; sandbox")?;
    headers.set("ETag", &etag)?;
    Ok(response)
}
