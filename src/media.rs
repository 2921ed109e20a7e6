//! Uploaded images in R2 (binding `MEDIA`), and serving them at
//! `/media/<key>`. What is accepted and how keys look is in `image.rs`.

use worker::{console_error, Bucket, Env, HttpMetadata, Response, Result};

use crate::image::{self, Upload};

const BINDING: &str = "MEDIA";

pub fn bucket(env: &Env) -> Result<Bucket> {
    env.bucket(BINDING)
}

/// Stores `upload` under `key`.
pub async fn put(bucket: &Bucket, key: &str, upload: &Upload) -> Result<()> {
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

/// Deletes `key`. A failure only leaves an unused object behind, so it is
/// logged, not passed on: the change the client asked for has been made.
pub async fn delete(bucket: &Bucket, key: &str) {
    if let Err(error) = bucket.delete(key).await {
        console_error!("deleting media {key} failed: {error}");
    }
}

/// `GET /media/<key>`: the image with its type, never sniffed by the
/// browser, cached for a year (keys are never reused for other bytes).
pub async fn serve(env: &Env, key: &str) -> Result<Response> {
    let Some(content_type) = image::is_key(key)
        .then(|| image::content_type_of_key(key))
        .flatten()
    else {
        return Response::error("Not found", 404);
    };
    let Some(object) = bucket(env)?.get(key).execute().await? else {
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
