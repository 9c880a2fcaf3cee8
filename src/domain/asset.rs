//! What an asset is and where its content may be: the asset kind every API version parses its
//! `mimetype` into, the one rule for the address a screen will be asked to open, and the
//! lengths its text fields may have. Pure: no I/O, unit-tested here.

use url::Url;

/// What a screen does with an asset. Anthias stores the kind as a free-form `mimetype` and
/// branches on substrings (`"video" in mimetype`), so [`Kind::of`] reads it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Video,
    Webpage,
    /// A live stream (RTSP camera, HLS, …) the player opens or relays.
    Streaming,
    /// A YouTube link; downloaded by a job and stored as a `video`.
    YouTube,
}

impl Kind {
    /// Every kind, as v3 names them.
    pub const ALL: [Kind; 5] = [
        Kind::Image,
        Kind::Video,
        Kind::Webpage,
        Kind::Streaming,
        Kind::YouTube,
    ];

    /// The stored `mimetype` this kind is written as.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
            Kind::Webpage => "webpage",
            Kind::Streaming => "streaming",
            Kind::YouTube => "youtube_asset",
        }
    }

    /// The exact name (v3 accepts only these).
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// How Anthias reads a stored or legacy `mimetype`: `youtube_asset` and `streaming` by
    /// name, then any mimetype containing `video` or `image` (`video/mp4`, `image`), and
    /// everything else is shown as a web page.
    pub fn of(mimetype: &str) -> Kind {
        if let Some(k) = Kind::parse(mimetype) {
            return k;
        }
        if mimetype.contains("youtube") {
            Kind::YouTube
        } else if mimetype.contains("video") {
            Kind::Video
        } else if mimetype.contains("image") {
            Kind::Image
        } else if mimetype.contains("streaming") {
            Kind::Streaming
        } else {
            Kind::Webpage
        }
    }

    /// Pictures and videos are files we keep; the rest are addresses screens open.
    pub fn is_file(self) -> bool {
        matches!(self, Kind::Image | Kind::Video)
    }

    /// Schemes an address of this kind may use. Streams take the stream protocols; everything
    /// else is http(s), plus `rtsp` which Anthias's `validate_url` accepts for any asset (the
    /// player hands it to the stream path). Never `javascript:`, `file:` or `data:`.
    pub fn schemes(self) -> &'static [&'static str] {
        match self {
            Kind::Streaming => STREAM_SCHEMES,
            _ => &["http", "https", "rtsp"],
        }
    }
}

/// Longest asset name, in characters, in every API version. v3's limit from the start; Anthias
/// has none, but a name is a label in a list, and an unbounded one let a client store 200,000
/// characters (or, on SQLite, break the unique-name query with a 500).
pub const NAME_MAX: usize = 255;
/// Longest address, in characters: what browsers, proxies and CDNs reliably carry.
pub const URI_MAX: usize = 2048;
/// Longest `mimetype`: RFC 6838 allows 127 characters each side of the slash.
pub const MIMETYPE_MAX: usize = 255;

/// The first of an asset's free-text fields longer than its limit, with that limit.
pub fn over_limit(
    name: Option<&str>,
    uri: Option<&str>,
    mimetype: Option<&str>,
) -> Option<(&'static str, usize)> {
    [
        ("name", name, NAME_MAX),
        ("uri", uri, URI_MAX),
        ("mimetype", mimetype, MIMETYPE_MAX),
    ]
    .into_iter()
    .find(|(_, text, max)| text.is_some_and(|t| t.chars().count() > *max))
    .map(|(field, _, max)| (field, max))
}

/// `name` followed by `suffix` (`-1`, ` (Copy)`), the name shortened as needed so the whole
/// stays within [`NAME_MAX`].
pub fn suffixed_name(name: &str, suffix: &str) -> String {
    let room = NAME_MAX.saturating_sub(suffix.chars().count());
    let mut out: String = name.chars().take(room).collect();
    out.push_str(suffix);
    out
}

/// Stream protocols a screen (or our relay) can open.
pub const STREAM_SCHEMES: &[&str] = &[
    "rtsp", "rtsps", "rtmp", "rtmps", "srt", "udp", "rtp", "http", "https",
];

/// Why an address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not a URL with a host.
    Malformed,
    /// A scheme this kind may not use.
    Scheme,
    /// A YouTube asset that does not point at YouTube.
    NotYouTube,
}

/// The one rule for an address a screen will open: a URL with a host, in a scheme its kind
/// allows; a YouTube asset must point at YouTube.
pub fn check_address(kind: Kind, uri: &str) -> Result<Url, AddressError> {
    let url = Url::parse(uri).map_err(|_| AddressError::Malformed)?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AddressError::Malformed);
    }
    if !kind.schemes().contains(&url.scheme()) {
        return Err(AddressError::Scheme);
    }
    if kind == Kind::YouTube && !is_youtube(&url) {
        return Err(AddressError::NotYouTube);
    }
    Ok(url)
}

fn is_youtube(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
        && matches!(
            url.host_str(),
            Some(
                "youtube.com"
                    | "www.youtube.com"
                    | "m.youtube.com"
                    | "music.youtube.com"
                    | "youtu.be"
            )
        )
}

/// The extension of an http(s) URL whose path names a video file: upstream downloads those
/// instead of streaming them.
pub fn remote_video_ext(uri: &str) -> Option<String> {
    let url = Url::parse(uri).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let last = url.path_segments()?.next_back()?.to_ascii_lowercase();
    let ext = last.rfind('.').map(|i| last[i..].to_string())?;
    [".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v", ".ogv"]
        .contains(&ext.as_str())
        .then_some(ext)
}

/// `name` as the name rule has it: no NUL character (PostgreSQL cannot store one) and at most
/// [`NAME_MAX`] characters. `None` when it already is.
pub fn fit_name(name: &str) -> Option<String> {
    if !name.contains('\0') && name.chars().count() <= NAME_MAX {
        return None;
    }
    Some(name.chars().filter(|&c| c != '\0').take(NAME_MAX).collect())
}

/// New positions for playlist entries whose `play_order`s are `orders`: `None` when those are
/// already distinct and not negative, else 0..n in their order, ties in the order given.
pub fn renumber(orders: &[i32]) -> Option<Vec<i32>> {
    let mut seen = std::collections::HashSet::new();
    if orders.iter().all(|&o| o >= 0 && seen.insert(o)) {
        return None;
    }
    let mut by_order: Vec<usize> = (0..orders.len()).collect();
    by_order.sort_by_key(|&i| orders[i]); // stable: ties keep their given order
    let mut positions = vec![0; orders.len()];
    for (position, i) in by_order.into_iter().enumerate() {
        positions[i] = position as i32;
    }
    Some(positions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_like_anthias() {
        assert_eq!(Kind::of("video"), Kind::Video);
        assert_eq!(Kind::of("video/mp4"), Kind::Video);
        assert_eq!(Kind::of("image/png"), Kind::Image);
        assert_eq!(Kind::of("youtube_asset"), Kind::YouTube);
        assert_eq!(Kind::of("streaming"), Kind::Streaming);
        assert_eq!(Kind::of("webpage"), Kind::Webpage);
        assert_eq!(Kind::of("text/html"), Kind::Webpage);
        assert_eq!(Kind::parse("video/mp4"), None);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(Kind::of(k.as_str()), k);
        }
    }

    #[test]
    fn addresses_follow_their_kind() {
        use AddressError::*;
        assert!(check_address(Kind::Webpage, "https://example.com/a").is_ok());
        assert!(check_address(Kind::Webpage, "rtsp://cam.local/1").is_ok());
        assert_eq!(check_address(Kind::Webpage, "rtmp://x/live"), Err(Scheme));
        assert!(check_address(Kind::Streaming, "rtmp://x/live").is_ok());
        for bad in [
            "javascript:alert(1)",
            "javascript://x/%0aalert(1)",
            "file:///etc/passwd",
            "data:text/html,hi",
        ] {
            for k in Kind::ALL {
                assert!(check_address(k, bad).is_err(), "{k:?} {bad}");
            }
        }
        assert_eq!(check_address(Kind::Image, "not a url"), Err(Malformed));
        assert_eq!(check_address(Kind::Image, "http://"), Err(Malformed));
        assert!(check_address(Kind::YouTube, "https://www.youtube.com/watch?v=x").is_ok());
        assert!(check_address(Kind::YouTube, "https://youtu.be/x").is_ok());
        assert!(check_address(Kind::YouTube, "ftp://youtube.com/x").is_err());
        assert_eq!(check_address(Kind::Webpage, "ftp://x.y/z"), Err(Scheme));
        assert!(check_address(Kind::Video, "rtsp://192.0.2.10/stream").is_ok());
        assert_eq!(
            check_address(Kind::YouTube, "https://vimeo.com/1"),
            Err(NotYouTube)
        );
    }

    #[test]
    fn names_addresses_and_types_have_limits() {
        let name = "n".repeat(NAME_MAX);
        assert_eq!(over_limit(Some(&name), None, None), None);
        assert_eq!(
            over_limit(Some(&format!("{name}n")), None, None),
            Some(("name", NAME_MAX))
        );
        // Characters, not bytes.
        assert_eq!(over_limit(Some(&"é".repeat(NAME_MAX)), None, None), None);
        let uri = format!("https://x.org/{}", "a".repeat(URI_MAX));
        assert_eq!(
            over_limit(Some("ok"), Some(&uri), Some("webpage")),
            Some(("uri", URI_MAX))
        );
        assert_eq!(
            over_limit(None, None, Some(&"m".repeat(MIMETYPE_MAX + 1))),
            Some(("mimetype", MIMETYPE_MAX))
        );
        assert_eq!(suffixed_name("Menu", "-1"), "Menu-1");
        let long = suffixed_name(&"é".repeat(300), " (Copy)");
        assert_eq!(long.chars().count(), NAME_MAX);
        assert!(long.ends_with("é (Copy)"));
    }

    #[test]
    fn remote_videos_are_known_by_extension() {
        assert_eq!(
            remote_video_ext("https://x.org/a/B.MP4?x=1").as_deref(),
            Some(".mp4")
        );
        assert_eq!(remote_video_ext("https://x.org/a/b.html"), None);
        assert_eq!(remote_video_ext("rtsp://x.org/a.mp4"), None);
    }

    #[test]
    fn names_are_fitted_to_the_rule() {
        assert_eq!(fit_name("Menu"), None);
        assert_eq!(
            fit_name(&"é".repeat(NAME_MAX)),
            None,
            "characters, not bytes"
        );
        assert_eq!(fit_name("Me\0nu").as_deref(), Some("Menu"));
        assert_eq!(fit_name(&"é".repeat(300)), Some("é".repeat(NAME_MAX)));
    }

    #[test]
    fn playlists_are_renumbered_only_when_positions_clash() {
        assert_eq!(renumber(&[]), None);
        assert_eq!(renumber(&[3, 1, 7]), None, "gaps are a valid order");
        assert_eq!(
            renumber(&[0, 5, 0]),
            Some(vec![0, 2, 1]),
            "ties in given order"
        );
        assert_eq!(renumber(&[2, -1]), Some(vec![1, 0]));
    }
}
