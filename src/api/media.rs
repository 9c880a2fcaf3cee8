//! `GET /media/<asset_id>`: an asset's stored file, streamed from storage with `Range`
//! (video seeking), `ETag` and conditional requests.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::api::error::LegacyError;
use crate::player::Screen;

/// A satisfiable byte range of a file of `size` bytes, from a `Range: bytes=…` header.
/// `None` for a header we do not honour (several ranges, other units): the whole file is sent.
/// `Err(())` when the range lies outside the file (416).
pub fn parse_range(raw: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = raw.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.is_empty(), b.is_empty()) {
        (true, true) => return None,
        // The last `b` bytes.
        (true, false) => {
            let n: u64 = b.parse().ok()?;
            if n == 0 || size == 0 {
                return Some(Err(()));
            }
            (size.saturating_sub(n), size - 1)
        }
        (false, _) => {
            let start: u64 = a.parse().ok()?;
            let end: u64 = if b.is_empty() {
                size.saturating_sub(1)
            } else {
                b.parse().ok()?
            };
            if start >= size || end < start {
                return Some(Err(()));
            }
            (start, end.min(size - 1))
        }
    };
    Some(Ok(range))
}

/// `GET /media/<asset_id>/thumbnail`: the small JPEG preview, once its job has made it.
pub async fn thumbnail(
    screen: Screen,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    let asset = dev.asset(&id).await?;
    let key = asset
        .thumbnail_key
        .ok_or_else(|| LegacyError::detail(404, "This asset has no preview (yet)."))?;
    let etag = format!(
        "\"t-{}-{:x}\"",
        asset.asset_id,
        asset.updated_at.and_utc().timestamp_micros()
    );
    if crate::web::not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let bytes = dev
        .state
        .storage
        .operator()
        .read(&key)
        .await
        .map_err(|_| LegacyError::detail(404, "The preview is missing."))?
        .to_vec();
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(bytes))
}

/// `GET /media/<asset_id>`
pub async fn serve(
    screen: Screen,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    let asset = dev.asset(&id).await?;
    stored_file(&dev.state.storage, &req, &asset).await
}

/// Streams an asset's stored file with `Range`, `ETag` and conditional requests; only media
/// types are shown inline, under a sandbox CSP.
pub async fn stored_file(
    storage: &crate::storage::Storage,
    req: &HttpRequest,
    asset: &crate::db::models::asset::Asset,
) -> Result<HttpResponse, LegacyError> {
    let key = asset
        .file_key
        .clone()
        .ok_or_else(|| LegacyError::detail(404, "This asset has no stored file."))?;
    let op = storage.operator();
    let meta = op
        .stat(&key)
        .await
        .map_err(|_| LegacyError::detail(404, "The asset's file is missing."))?;
    let size = meta.content_length();
    if let Some(url) = storage.media_url(&key).await {
        // The bytes come from S3; the check of who may see them was made above.
        return Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish());
    }
    let etag = format!(
        "\"{}-{:x}-{:x}\"",
        asset.asset_id,
        size,
        asset.updated_at.and_utc().timestamp_micros()
    );
    // Only pictures and videos are shown inline; anything else a file may claim to be (HTML,
    // SVG with scripts, …) is a download, and nothing served here may run script on our origin.
    let guessed = mime_guess::from_path(&key)
        .first_raw()
        .unwrap_or("application/octet-stream");
    let inline = (guessed.starts_with("image/") && guessed != "image/svg+xml")
        || guessed.starts_with("video/")
        || guessed.starts_with("audio/");
    let mime = if inline {
        guessed
    } else {
        "application/octet-stream"
    };
    if crate::web::not_modified(req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|raw| parse_range(raw, size));
    let (status, start, end) = match range {
        None => (actix_web::http::StatusCode::OK, 0, size.saturating_sub(1)),
        Some(Ok((s, e))) => (actix_web::http::StatusCode::PARTIAL_CONTENT, s, e),
        Some(Err(())) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish());
        }
    };
    let length = if size == 0 { 0 } else { end - start + 1 };
    let mut res = HttpResponse::build(status);
    res.content_type(mime)
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .no_chunking(length);
    if !inline {
        res.insert_header((header::CONTENT_DISPOSITION, "attachment"));
    }
    if status == actix_web::http::StatusCode::PARTIAL_CONTENT {
        res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
    }
    if length == 0 {
        return Ok(res.finish());
    }
    if req.method() == actix_web::http::Method::HEAD {
        // The length without reading the file: the server sends headers only for HEAD.
        let none = futures_util::stream::empty::<Result<web::Bytes, actix_web::Error>>();
        return Ok(res.body(actix_web::body::SizedStream::new(length, none)));
    }
    // One streamed read of the range, no chunk size: on S3 a chunk size turns into a ranged GET
    // per chunk (256 KiB chunks served 100 MB at 9 MB/s where one GET streams it at 150+).
    let stream = op
        .reader(&key)
        .await
        .map_err(crate::error::Error::from)?
        .into_bytes_stream(start..end + 1)
        .await
        .map_err(crate::error::Error::from)?;
    Ok(res.streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=50-500", 100), Some(Ok((50, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=5-1", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
