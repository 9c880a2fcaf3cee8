//! Where an asset's content is: one of our stored files, or a URL that is checked (syntax,
//! reachability with an SSRF guard, video duration through ffprobe when installed).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use url::Url;

use crate::error::Error;
use crate::services::uploads;
use crate::storage::Storage;
use crate::tenancy::TenantScope;

/// The user agent Anthias sends, so that sites answer the same.
const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/538.15 (KHTML, like Gecko) Version/8.0 Safari/538.15";
const INVALID_PATH: &str = "Invalid file path. Failed to add asset.";

/// A local path in `uri`, resolved.
#[derive(Debug)]
pub enum Local {
    /// A finished upload (`<asset dir>/<upload_id>.tmp`).
    Upload { upload_id: String },
    /// A file another asset stored (`<asset dir>/<name>`).
    Stored { key: String, size: u64 },
}

/// Resolves a local `uri` under the asset directory; anything else (another directory, `..`,
/// an unfinished upload, a missing file) is refused as upstream refuses it.
pub async fn resolve_local(
    storage: &Storage,
    scope: &TenantScope,
    asset_dir: &str,
    uri: &str,
) -> Result<Local, Error> {
    let invalid = || Error::invalid("uri", INVALID_PATH);
    let name = uri
        .strip_prefix(asset_dir)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(invalid)?;
    if !valid_file_name(name) {
        return Err(invalid());
    }
    if let Some(id) = name.strip_suffix(".tmp")
        && uploads::is_upload_id(id)
    {
        return match uploads::completed_size(storage, scope, id).await? {
            Some(_) => Ok(Local::Upload {
                upload_id: id.to_string(),
            }),
            None => Err(invalid()),
        };
    }
    let key = Storage::tenant_key(scope, &format!("assets/{name}"));
    match storage.operator().stat(&key).await {
        Ok(meta) if meta.is_file() => Ok(Local::Stored {
            key,
            size: meta.content_length(),
        }),
        _ => Err(invalid()),
    }
}

/// A single path segment of safe characters.
pub fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// An extension a client may ask for (`ext` of v1.2/v2): `.` and 1–10 letters or digits that
/// name a picture or video type (an uploaded file must not become `.html`).
pub fn valid_ext(ext: &str) -> bool {
    ext.len() >= 2
        && ext.len() <= 11
        && ext.starts_with('.')
        && ext[1..].bytes().all(|b| b.is_ascii_alphanumeric())
        && mime_guess::from_ext(&ext[1..])
            .first_raw()
            .is_some_and(|m| {
                (m.starts_with("image/") && m != "image/svg+xml") || m.starts_with("video/")
            })
}

/// Outcome of a reachability check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Reachable,
    Unreachable,
    /// Not checked: the target is on a private network the server may not fetch from, or the
    /// tool to check it (ffprobe for RTSP) is not installed.
    NotChecked,
}

/// Whether an address is on the public internet. Loopback, private, link-local, CGNAT,
/// unique-local, multicast and unspecified addresses are not.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            // NAT64 and 6to4 addresses carry an IPv4 address that decides.
            if seg[0] == 0x64 && seg[1] == 0xff9b {
                let v4 = std::net::Ipv4Addr::new(
                    (seg[6] >> 8) as u8,
                    seg[6] as u8,
                    (seg[7] >> 8) as u8,
                    seg[7] as u8,
                );
                return is_public(IpAddr::V4(v4));
            }
            if seg[0] == 0x2002 {
                let v4 = std::net::Ipv4Addr::new(
                    (seg[1] >> 8) as u8,
                    seg[1] as u8,
                    (seg[2] >> 8) as u8,
                    seg[2] as u8,
                );
                return is_public(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] & 0xfe00) == 0xfc00)
        }
    }
}

/// The addresses `url` may be fetched from, or `None` when the guard refuses it.
async fn guarded_addrs(url: &Url, allow_private: bool) -> Option<Vec<SocketAddr>> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await.ok()?.collect();
    if addrs.is_empty() {
        return Some(addrs);
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        tracing::info!(%url, "not fetching a private address (allow_private_urls is off)");
        return None;
    }
    Some(addrs)
}

/// Why a guarded request got no answer.
#[derive(Debug)]
pub enum FetchError {
    /// The target is on a private network and `allow_private_urls` is off.
    Refused,
    /// Connection, TLS, timeout or redirect trouble.
    Failed(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Refused => {
                f.write_str("the address is on a private network (allow_private_urls is off)")
            }
            FetchError::Failed(e) => f.write_str(e),
        }
    }
}

/// Sends `method` to `url`, following up to five redirects by hand: every hop passes the SSRF
/// guard and is pinned to the addresses that were checked (no DNS rebinding in between).
/// `timeout` bounds each hop's whole exchange, body included.
pub async fn guarded_request(
    method: reqwest::Method,
    url: &str,
    verify_tls: bool,
    allow_private: bool,
    timeout: Duration,
) -> Result<reqwest::Response, FetchError> {
    guarded_request_with(
        method,
        url,
        &reqwest::header::HeaderMap::new(),
        verify_tls,
        allow_private,
        timeout,
    )
    .await
}

/// [`guarded_request`] with extra request headers, sent only to the first URL's origin: a
/// redirect elsewhere must not carry a page's credentials to another site.
pub async fn guarded_request_with(
    method: reqwest::Method,
    url: &str,
    headers: &reqwest::header::HeaderMap,
    verify_tls: bool,
    allow_private: bool,
    timeout: Duration,
) -> Result<reqwest::Response, FetchError> {
    let mut url = Url::parse(url).map_err(|e| FetchError::Failed(e.to_string()))?;
    let first_origin = url.origin();
    for _hop in 0..6 {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Failed(format!(
                "unsupported scheme {}",
                url.scheme()
            )));
        }
        let addrs = guarded_addrs(&url, allow_private)
            .await
            .ok_or(FetchError::Refused)?;
        if addrs.is_empty() {
            return Err(FetchError::Failed("the host does not resolve".into()));
        }
        let host = url.host_str().unwrap_or_default().to_string();
        let client = reqwest::Client::builder()
            // A proxy from the environment would bypass the pinned addresses.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(timeout)
            .user_agent(USER_AGENT)
            .danger_accept_invalid_certs(!verify_tls)
            .resolve_to_addrs(&host, &addrs)
            .build()
            .map_err(|e| FetchError::Failed(e.to_string()))?;
        let mut request = client.request(method.clone(), url.clone());
        if url.origin() == first_origin {
            request = request.headers(headers.clone());
        }
        let res = request
            .send()
            .await
            .map_err(|e| FetchError::Failed(e.to_string()))?;
        if !res.status().is_redirection() {
            return Ok(res);
        }
        let next = res
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .ok_or_else(|| FetchError::Failed("a redirect without a usable Location".into()))?;
        url = next;
    }
    Err(FetchError::Failed("too many redirects".into()))
}

/// Upstream `url_fails`: HEAD, then GET; reachable when either answers below 400.
pub async fn check_reachable(uri: &str, verify_tls: bool, allow_private: bool) -> Reach {
    let Ok(url) = Url::parse(uri) else {
        return Reach::NotChecked;
    };
    match url.scheme() {
        "http" | "https" => {}
        "rtsp" | "rtmp" => {
            if guarded_addrs(&url, allow_private).await.is_none() {
                return Reach::NotChecked;
            }
            return match ffprobe(uri, &["-show_streams"]).await {
                Probe::Ok(_) => Reach::Reachable,
                Probe::Failed => Reach::Unreachable,
                Probe::Missing => Reach::NotChecked,
            };
        }
        _ => return Reach::NotChecked,
    }
    for method in [reqwest::Method::HEAD, reqwest::Method::GET] {
        match guarded_request(
            method,
            uri,
            verify_tls,
            allow_private,
            Duration::from_secs(10),
        )
        .await
        {
            Ok(res) if res.status().as_u16() < 400 => return Reach::Reachable,
            Ok(_) => {}
            Err(FetchError::Refused) => return Reach::NotChecked,
            Err(FetchError::Failed(_)) => {}
        }
    }
    Reach::Unreachable
}

/// What a page check found: whether the page answers, and whether a browser will show it in
/// the player's frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageProbe {
    Ok,
    NotFrameable(String),
    Unreachable(String),
    /// The SSRF guard keeps the server from fetching it (a private address): the screen, which
    /// may be on that network, is the only judge.
    NotChecked,
}

/// Fetches a web page as a screen would (GET, with the asset's extra request headers) and
/// judges the answer: an error status or no answer is unreachable; otherwise the framing
/// headers decide (`domain::framing`), for a frame on a page of `player_origins`.
pub async fn check_page(
    uri: &str,
    headers: &serde_json::Map<String, serde_json::Value>,
    verify_tls: bool,
    allow_private: bool,
    player_origins: &[Url],
) -> PageProbe {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let mut extra = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(n), Some(Ok(v))) = (
            HeaderName::from_bytes(name.as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            extra.append(n, v);
        }
    }
    let res = guarded_request_with(
        reqwest::Method::GET,
        uri,
        &extra,
        verify_tls,
        allow_private,
        Duration::from_secs(15),
    )
    .await;
    let res = match res {
        Ok(res) => res,
        Err(FetchError::Refused) => return PageProbe::NotChecked,
        Err(FetchError::Failed(e)) => {
            return PageProbe::Unreachable(format!(
                "The page could not be reached: {}.",
                shortened(&e, 200)
            ));
        }
    };
    let status = res.status();
    // Answers that say "not for you" (a login, bot protection, an address allow-list, a rate
    // limit, a busy server) are about the server's request, not the screen's: the screen may
    // well be let in, so they are judged by their headers like any answer, never skipped.
    let for_the_server_only = matches!(status.as_u16(), 401 | 403 | 407 | 429 | 503);
    if status.as_u16() >= 400 && !for_the_server_only {
        return PageProbe::Unreachable(
            format!(
                "The page answered with an error ({} {}).",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .replace(" )", ")"),
        );
    }
    let pairs: Vec<(String, String)> = res
        .headers()
        .iter()
        // Read leniently: a policy with one odd byte in it still counts (dropping it would
        // judge a refusing page frameable).
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    match crate::domain::framing::judge(
        pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        res.url(),
        player_origins,
    ) {
        crate::domain::framing::Framing::Allowed => PageProbe::Ok,
        crate::domain::framing::Framing::Refused(why) => PageProbe::NotFrameable(why),
    }
}

/// At most `max` characters of `text`.
fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

enum Probe {
    Ok(String),
    Failed,
    Missing,
}

/// Protocols ffprobe/ffmpeg may use on a network address: no `file` (a playlist must not
/// pull local files in), no `concat`, `subfile` or `data` tricks.
pub const NETWORK_PROTOCOLS: &str =
    "http,https,tcp,tls,crypto,rtsp,rtsps,rtmp,rtmps,rtp,srtp,srt,udp";

/// Protocols for reading `input`: a local file only, or the network ones.
pub fn protocols_for(input: &str) -> &'static str {
    if input.starts_with('/') {
        "file"
    } else {
        NETWORK_PROTOCOLS
    }
}

/// Demuxers ffmpeg and ffprobe may use on a stored or downloaded file: real containers only.
/// Playlist formats (HLS, concat, …) would read other files named inside the upload (another
/// tenant's, on a shared disk) or fetch URLs; a playlist renamed `.mp4` must not get that far.
pub const FILE_FORMATS: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,asf,mpeg,mpegts,\
mpegvideo,flv,ogg,mxf,h264,hevc,m4v,dv,rm,nut,ivf,gif";

async fn ffprobe(input: &str, what: &[&str]) -> Probe {
    let mut cmd = tokio::process::Command::new("ffprobe");
    cmd.args(["-v", "error", "-protocol_whitelist", protocols_for(input)])
        .args(["-format_whitelist", FILE_FORMATS])
        .args(what)
        .arg("-i")
        .arg(input)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(Duration::from_secs(15), cmd.output()).await {
        Ok(Ok(out)) if out.status.success() => {
            Probe::Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Probe::Missing,
        _ => Probe::Failed,
    }
}

/// Whether the SSRF guard lets the server fetch `uri` (any scheme with a host).
pub async fn may_fetch(uri: &str, allow_private: bool) -> bool {
    match Url::parse(uri) {
        Ok(url) => guarded_addrs(&url, allow_private)
            .await
            .is_some_and(|a| !a.is_empty()),
        Err(_) => false,
    }
}

/// The duration of a video at a user's URL, when the SSRF guard lets the server fetch it.
pub async fn probe_url_duration(uri: &str, allow_private: bool) -> Option<i64> {
    let url = Url::parse(uri).ok()?;
    guarded_addrs(&url, allow_private).await?;
    probe_duration(uri).await
}

/// A video's duration in whole seconds (ffprobe; `None` without it or on failure).
pub async fn probe_duration(input: &str) -> Option<i64> {
    let what = [
        "-show_entries",
        "format=duration",
        "-of",
        "default=noprint_wrappers=1:nokey=1",
    ];
    match ffprobe(input, &what).await {
        Probe::Ok(out) => out
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| (d.round() as i64).min(crate::domain::schedule::DURATION_S_MAX)),
        Probe::Failed | Probe::Missing => None,
    }
}

/// The codec of the first video stream: `Ok(Some(name))`, `Ok(None)` when ffprobe cannot
/// tell, `Err(())` when ffprobe is not installed.
pub async fn video_codec(input: &str) -> Result<Option<String>, ()> {
    let what = [
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=codec_name",
        "-of",
        "default=noprint_wrappers=1:nokey=1",
    ];
    match ffprobe(input, &what).await {
        Probe::Ok(out) => Ok(Some(out.trim().to_string()).filter(|c| !c.is_empty())),
        Probe::Failed => Ok(None),
        Probe::Missing => Err(()),
    }
}

/// The duration of a stored video (ffprobe reads the file on disk, or S3 through a
/// presigned URL).
pub async fn probe_stored_duration(storage: &Storage, key: &str) -> Option<i64> {
    probe_duration(&storage.tool_input(key).await?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssrf_guard() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn file_names() {
        assert!(valid_file_name("049ca0fd10594fb18a6e9c64faaa4756.png"));
        assert!(!valid_file_name("../etc/passwd"));
        assert!(!valid_file_name("a/b"));
        assert!(!valid_file_name(".hidden"));
        assert!(
            valid_ext(".mp4")
                && valid_ext(".PNG")
                && !valid_ext("mp4")
                && !valid_ext("./x")
                && !valid_ext(".")
        );
        assert!(!valid_ext(".html") && !valid_ext(".svg") && !valid_ext(".exe"));
    }
}
