//! Whether a web page lets the player show it in a frame, read from the headers it answered
//! with: `X-Frame-Options` (HTML's "check a navigation response's adherence to
//! X-Frame-Options") and CSP's `frame-ancestors` (CSP Level 3), the way Chromium applies them.
//! The player's page is never the web page's own origin (it is our server), so `SAMEORIGIN` and
//! `'self'` refuse us unless a player origin really is the page's.

use url::Url;

/// What the server's page check found, as stored and answered (`page_check.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStatus {
    /// It answers and a browser will frame it.
    Ok,
    /// It answers but refuses to be framed: only a screen with the kiosk extension shows it.
    NotFrameable,
    /// No answer, or an error status.
    Unreachable,
}

impl PageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Ok => "ok",
            PageStatus::NotFrameable => "not_frameable",
            PageStatus::Unreachable => "unreachable",
        }
    }

    /// A stored status; anything else reads as none.
    pub fn parse(s: &str) -> Option<PageStatus> {
        match s {
            "ok" => Some(PageStatus::Ok),
            "not_frameable" => Some(PageStatus::NotFrameable),
            "unreachable" => Some(PageStatus::Unreachable),
            _ => None,
        }
    }
}

/// The verdict on one answer's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// A browser will show it in the player's frame.
    Allowed,
    /// A browser will refuse it; the reason names the header, for the admin.
    Refused(String),
}

/// Judges the response headers `headers` (name, value; every occurrence, in any case) that
/// `page` (the final URL, after redirects) answered with, for a frame on a page of one of
/// `player_origins` (`scheme://host[:port]`; none known means "some other origin").
pub fn judge<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    page: &Url,
    player_origins: &[Url],
) -> Framing {
    // The player runs at one of its origins: the page is frameable when one origin passes
    // every policy, not when each policy is passed by some origin.
    let headers: Vec<(&str, &str)> = headers.into_iter().collect();
    if player_origins.len() <= 1 {
        return judge_from(&headers, page, player_origins);
    }
    let mut first_refusal = None;
    for origin in player_origins {
        match judge_from(&headers, page, std::slice::from_ref(origin)) {
            Framing::Allowed => return Framing::Allowed,
            refused => {
                first_refusal.get_or_insert(refused);
            }
        }
    }
    first_refusal.unwrap_or(Framing::Allowed)
}

fn judge_from(headers: &[(&str, &str)], page: &Url, player_origins: &[Url]) -> Framing {
    let mut xfo: Vec<&str> = Vec::new();
    let mut csp: Vec<&str> = Vec::new();
    for &(name, value) in headers {
        if name.eq_ignore_ascii_case("x-frame-options") {
            xfo.push(value);
        } else if name.eq_ignore_ascii_case("content-security-policy") {
            // `-Report-Only` only reports; it never blocks.
            csp.push(value);
        }
    }
    let mut has_frame_ancestors = false;
    // Every policy is enforced on its own: one that refuses is enough. Several headers, and a
    // comma inside one, are several policies.
    for policy in csp.iter().flat_map(|v| v.split(',')) {
        let Some(sources) = frame_ancestors(policy) else {
            continue;
        };
        has_frame_ancestors = true;
        if !player_origins
            .iter()
            .any(|ancestor| sources_allow(&sources, ancestor, page))
        {
            return Framing::Refused(format!(
                "The site allows being shown only inside its own pages \
                 (Content-Security-Policy: frame-ancestors {}).",
                if sources.is_empty() {
                    "'none'".to_string()
                } else {
                    sources.join(" ")
                }
            ));
        }
    }
    // An enforced frame-ancestors directive makes the browser ignore X-Frame-Options.
    if has_frame_ancestors {
        return Framing::Allowed;
    }
    x_frame_options(&xfo, page, player_origins)
}

/// HTML's X-Frame-Options rule: the values of every header, split on commas, trimmed and
/// lowercased, as a set.
fn x_frame_options(values: &[&str], page: &Url, player_origins: &[Url]) -> Framing {
    let mut set: Vec<String> = Vec::new();
    for v in values.iter().flat_map(|v| v.split(',')) {
        let v = v.trim_matches([' ', '\t']).to_ascii_lowercase();
        if !set.contains(&v) {
            set.push(v);
        }
    }
    let refused = |what: &str| {
        Framing::Refused(format!(
            "The site does not allow being shown inside another page (X-Frame-Options: {what})."
        ))
    };
    if set.len() > 1 {
        // Conflicting values block; several unknown ones are ignored.
        return if set
            .iter()
            .any(|v| matches!(v.as_str(), "deny" | "allowall" | "sameorigin"))
        {
            refused(&values.join(", "))
        } else {
            Framing::Allowed
        };
    }
    match set.first().map(String::as_str) {
        Some("deny") => refused("DENY"),
        Some("sameorigin") => {
            if player_origins.iter().any(|o| same_origin(o, page)) {
                Framing::Allowed
            } else {
                refused("SAMEORIGIN")
            }
        }
        // `allowall`, unknown values (`ALLOW-FROM` is no longer supported) and none.
        _ => Framing::Allowed,
    }
}

/// The source list of the first `frame-ancestors` directive of one policy (`Some(vec![])` for
/// an empty list or `'none'`), or `None` when the policy has none.
fn frame_ancestors(policy: &str) -> Option<Vec<String>> {
    for directive in policy.split(';') {
        let mut tokens = directive.split_ascii_whitespace();
        let Some(name) = tokens.next() else { continue };
        if !name.eq_ignore_ascii_case("frame-ancestors") {
            continue;
        }
        let sources: Vec<String> = tokens.map(str::to_string).collect();
        // `'none'` among other sources is ignored; alone it leaves nothing allowed.
        let only_none = sources.len() == 1 && sources[0].eq_ignore_ascii_case("'none'");
        return Some(if only_none { Vec::new() } else { sources });
    }
    None
}

/// Whether one of `sources` matches `ancestor` (the player's origin) for a frame of `page`.
fn sources_allow(sources: &[String], ancestor: &Url, page: &Url) -> bool {
    sources.iter().any(|s| source_matches(s, ancestor, page))
}

/// CSP3 "does url match expression in origin with redirect count": for an ancestor, whose URL
/// is its origin (path `/`).
fn source_matches(source: &str, ancestor: &Url, page: &Url) -> bool {
    let source = source.to_ascii_lowercase();
    let a_scheme = ancestor.scheme();
    if source == "*" {
        // Any network scheme, or the page's own.
        return matches!(a_scheme, "http" | "https" | "ws" | "wss") || a_scheme == page.scheme();
    }
    if source == "'self'" {
        return same_origin(ancestor, page)
            || (page.scheme() == "http"
                && a_scheme == "https"
                && ancestor.host_str() == page.host_str()
                && port_or_default(ancestor) == 443
                && port_or_default(page) == 80);
    }
    if source.starts_with('\'') {
        // Nonces, hashes and other keywords say nothing about ancestors.
        return false;
    }
    // A scheme-source: `https:`.
    if let Some(scheme) = source.strip_suffix(':')
        && !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return scheme_part_matches(scheme, a_scheme);
    }
    // A host-source: `[scheme://]host[:port][path]`.
    let (scheme, rest) = match source.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, source.as_str()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = if authority.starts_with('[') {
        // An IPv6 literal: its colons are not the port's.
        match authority.split_once("]:") {
            Some((h, p)) => (&authority[..h.len() + 1], Some(p)),
            None => (authority, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let Some(a_host) = ancestor.host_str() else {
        return false;
    };
    match scheme {
        Some(s) if !scheme_part_matches(s, a_scheme) => return false,
        None if !scheme_part_matches(page.scheme(), a_scheme) => return false,
        _ => {}
    }
    if !host_part_matches(host, &a_host.to_ascii_lowercase()) {
        return false;
    }
    let a_port = port_or_default(ancestor);
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p
            .parse::<u16>()
            .is_ok_and(|p| p == a_port || (p == 80 && a_port == 443)),
        None => {
            let default = default_port(scheme.unwrap_or(page.scheme()));
            Some(a_port) == default || (default == Some(80) && a_port == 443)
        }
    };
    if !port_ok {
        return false;
    }
    // The ancestor's URL is its origin, whose path is `/`: a path ending in `/` is a prefix of
    // it only when it is `/`; any other path names a file.
    path.is_empty() || path == "/"
}

/// A scheme in a source against the ancestor's: the same, or the secure variant of it.
fn scheme_part_matches(source: &str, ancestor: &str) -> bool {
    source == ancestor
        || (source == "http" && ancestor == "https")
        || (source == "ws" && matches!(ancestor, "wss" | "http" | "https"))
        || (source == "wss" && ancestor == "https")
}

/// `*` alone, `*.example.com` (subdomains only), or the exact host.
fn host_part_matches(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return host.ends_with(&format!(".{suffix}"));
    }
    pattern == host
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && port_or_default(a) == port_or_default(b)
}

fn port_or_default(u: &Url) -> u16 {
    u.port_or_known_default().unwrap_or(0)
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://news.example.com/today").unwrap()
    }

    fn player() -> Vec<Url> {
        vec![Url::parse("http://192.168.1.20:8080").unwrap()]
    }

    fn verdict(headers: &[(&str, &str)]) -> Framing {
        judge(headers.iter().copied(), &page(), &player())
    }

    fn allowed(headers: &[(&str, &str)]) -> bool {
        verdict(headers) == Framing::Allowed
    }

    #[test]
    fn one_origin_must_pass_every_policy() {
        let (a, b) = (
            Url::parse("http://192.168.1.20:8080").unwrap(),
            Url::parse("http://10.0.0.5:8080").unwrap(),
        );
        let both = [a.clone(), b.clone()];
        // Each policy allows a different address: no address passes both.
        let h = [
            (
                "Content-Security-Policy",
                "frame-ancestors http://192.168.1.20:8080",
            ),
            (
                "Content-Security-Policy",
                "frame-ancestors http://10.0.0.5:8080",
            ),
        ];
        assert!(judge(h.iter().copied(), &page(), &both) != Framing::Allowed);
        // One address allowed by the only policy: frameable from there.
        let h = [(
            "Content-Security-Policy",
            "frame-ancestors http://10.0.0.5:8080",
        )];
        assert_eq!(judge(h.iter().copied(), &page(), &both), Framing::Allowed);
        assert!(judge(h.iter().copied(), &page(), &[a]) != Framing::Allowed);
    }

    #[test]
    fn no_header_allows() {
        assert!(allowed(&[]));
        assert!(allowed(&[("Content-Type", "text/html")]));
    }

    #[test]
    fn x_frame_options_deny_and_sameorigin_refuse_in_any_case() {
        for v in [
            "DENY",
            "deny",
            " Deny ",
            "SAMEORIGIN",
            "sameorigin",
            "SameOrigin",
        ] {
            assert!(!allowed(&[("X-Frame-Options", v)]), "{v}");
            assert!(!allowed(&[("x-frame-options", v)]), "{v}");
        }
        let Framing::Refused(why) = verdict(&[("X-Frame-Options", "DENY")]) else {
            panic!("DENY must refuse");
        };
        assert!(why.contains("X-Frame-Options: DENY"), "{why}");
    }

    #[test]
    fn x_frame_options_as_html_reads_it() {
        // Repeated, the same value once.
        assert!(!allowed(&[("X-Frame-Options", "DENY, deny")]));
        assert!(!allowed(&[
            ("X-Frame-Options", "deny"),
            ("X-Frame-Options", "DENY")
        ]));
        // Conflicting values block.
        assert!(!allowed(&[("X-Frame-Options", "DENY, ALLOWALL")]));
        assert!(!allowed(&[
            ("X-Frame-Options", "sameorigin"),
            ("X-Frame-Options", "x")
        ]));
        // Unknown values, ALLOW-FROM (unsupported) and ALLOWALL do not.
        assert!(allowed(&[(
            "X-Frame-Options",
            "ALLOW-FROM https://a.example"
        )]));
        assert!(allowed(&[("X-Frame-Options", "ALLOWALL")]));
        assert!(allowed(&[("X-Frame-Options", "foo, bar")]));
        assert!(allowed(&[("X-Frame-Options", "")]));
    }

    #[test]
    fn sameorigin_allows_a_player_on_the_page_origin() {
        let page = Url::parse("http://192.168.1.20:8080/menu").unwrap();
        assert_eq!(
            judge([("X-Frame-Options", "SAMEORIGIN")], &page, &player()),
            Framing::Allowed
        );
        assert!(matches!(
            judge([("X-Frame-Options", "SAMEORIGIN")], &page, &[]),
            Framing::Refused(_)
        ));
    }

    #[test]
    fn frame_ancestors_none_self_and_lists() {
        let csp = "Content-Security-Policy";
        assert!(!allowed(&[(csp, "frame-ancestors 'none'")]));
        assert!(!allowed(&[(csp, "frame-ancestors 'NONE'")]));
        assert!(!allowed(&[(csp, "frame-ancestors")]));
        assert!(!allowed(&[(csp, "frame-ancestors 'self'")]));
        assert!(!allowed(&[(
            csp,
            "default-src 'self'; FRAME-ANCESTORS 'self' https://*.example.com"
        )]));
        assert!(allowed(&[(csp, "frame-ancestors *")]));
        assert!(allowed(&[(csp, "frame-ancestors http:")]));
        assert!(allowed(&[(
            csp,
            "frame-ancestors http://192.168.1.20:8080"
        )]));
        assert!(allowed(&[(csp, "frame-ancestors http://192.168.1.20:*")]));
        assert!(allowed(&[(
            csp,
            "frame-ancestors 'self' http://192.168.1.20:8080/"
        )]));
        // Wrong port, host, scheme or a file path.
        assert!(!allowed(&[(csp, "frame-ancestors http://192.168.1.20")]));
        assert!(!allowed(&[(
            csp,
            "frame-ancestors http://192.168.1.21:8080"
        )]));
        assert!(!allowed(&[(
            csp,
            "frame-ancestors https://192.168.1.20:8080"
        )]));
        assert!(!allowed(&[(csp, "frame-ancestors https:")]));
        assert!(!allowed(&[(
            csp,
            "frame-ancestors http://192.168.1.20:8080/x"
        )]));
        // 'none' among others is ignored.
        assert!(allowed(&[(csp, "frame-ancestors 'none' *")]));
        // A directive without frame-ancestors says nothing about framing.
        assert!(allowed(&[(csp, "default-src 'none'")]));
        let Framing::Refused(why) = verdict(&[(csp, "frame-ancestors 'none'")]) else {
            panic!("'none' must refuse");
        };
        assert!(why.contains("frame-ancestors 'none'"), "{why}");
    }

    #[test]
    fn a_host_source_without_scheme_takes_the_page_scheme() {
        let csp = "Content-Security-Policy";
        let https_player = vec![Url::parse("https://screens.example.org").unwrap()];
        let j = |v| judge([(csp, v)], &page(), &https_player);
        assert_eq!(j("frame-ancestors screens.example.org"), Framing::Allowed);
        assert_eq!(j("frame-ancestors *.example.org"), Framing::Allowed);
        assert!(matches!(
            j("frame-ancestors *.screens.example.org"),
            Framing::Refused(_)
        ));
        assert!(matches!(
            j("frame-ancestors example.org"),
            Framing::Refused(_)
        ));
        // The page is https: an http player does not match a scheme-less source.
        assert!(!allowed(&[(csp, "frame-ancestors 192.168.1.20:8080")]));
    }

    #[test]
    fn every_policy_must_allow() {
        let csp = "Content-Security-Policy";
        assert!(!allowed(&[
            (csp, "frame-ancestors *"),
            (csp, "frame-ancestors 'self'")
        ]));
        assert!(!allowed(&[(
            csp,
            "frame-ancestors *, frame-ancestors 'none'"
        )]));
        assert!(allowed(&[
            (csp, "frame-ancestors *"),
            (csp, "script-src 'self'")
        ]));
        // Only the first frame-ancestors of a policy counts.
        assert!(allowed(&[(
            csp,
            "frame-ancestors *; frame-ancestors 'none'"
        )]));
        // Report-only never blocks.
        assert!(allowed(&[(
            "Content-Security-Policy-Report-Only",
            "frame-ancestors 'none'"
        )]));
    }

    #[test]
    fn frame_ancestors_overrides_x_frame_options() {
        let csp = "Content-Security-Policy";
        assert!(allowed(&[
            ("X-Frame-Options", "DENY"),
            (csp, "frame-ancestors *")
        ]));
        assert!(!allowed(&[
            ("X-Frame-Options", "DENY"),
            (csp, "default-src *")
        ]));
    }
}
