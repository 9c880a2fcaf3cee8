//! Screens: pairing codes, the status rule, the commands an admin may send, names and tags.

use chrono::{Duration, NaiveDateTime};

/// The letters and digits a pairing code uses: no 0/O, 1/I (nor L-like confusions beyond
/// those), so a code read off a TV across a room is typed right.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Characters in a pairing code.
pub const CODE_LEN: usize = 6;
/// How long a pairing code lives.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// A screen whose last heartbeat is older than this is offline.
pub const OFFLINE_AFTER: Duration = Duration::seconds(90);
/// Longest screen or group name, in characters.
pub const NAME_MAX: usize = 100;
/// At most this many tags per screen, each at most `TAG_MAX` characters.
pub const TAGS_MAX: usize = 50;
pub const TAG_MAX: usize = 50;

/// A pairing code from random bytes (one character per byte; the alphabet has 32 letters, so
/// every one is equally likely).
pub fn code_from(random: [u8; CODE_LEN]) -> String {
    random
        .iter()
        .map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A code as a person typed it (case, spaces and dashes do not matter); `None` when it
/// cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// What a screen's row says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Online,
    Offline,
    NeverSeen,
}

impl Status {
    /// A screen is online while a connection holds it and its last heartbeat is recent; a
    /// connection whose instance died keeps its mark, so the heartbeat's age decides.
    pub fn of(last_seen_at: Option<NaiveDateTime>, connected: bool, now: NaiveDateTime) -> Status {
        match last_seen_at {
            None => Status::NeverSeen,
            Some(t) if connected && now - t < OFFLINE_AFTER => Status::Online,
            Some(_) => Status::Offline,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Offline => "offline",
            Status::NeverSeen => "never_seen",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Online, Status::Offline, Status::NeverSeen]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// A command an admin sends to screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Next,
    Previous,
    /// Reload the player page.
    Reload,
    Blank,
    Unblank,
    /// Show this asset now.
    Show(String),
}

/// The names `Command::parse` takes.
pub const COMMANDS: &str = "next, previous, reload, blank, unblank, show";

impl Command {
    /// From the API's `command` and `asset_id`; the error says what is wrong.
    pub fn parse(command: &str, asset_id: Option<&str>) -> Result<Command, String> {
        let asset_id = asset_id.map(str::trim).filter(|s| !s.is_empty());
        let command = match command {
            "next" => Command::Next,
            "previous" => Command::Previous,
            "reload" => Command::Reload,
            "blank" => Command::Blank,
            "unblank" => Command::Unblank,
            "show" => {
                return asset_id
                    .map(|id| Command::Show(id.to_string()))
                    .ok_or_else(|| "show needs asset_id: the asset to show.".to_string());
            }
            other => return Err(format!("Unknown command {other:?}; use one of {COMMANDS}.")),
        };
        match asset_id {
            Some(_) => Err("asset_id goes with the show command only.".to_string()),
            None => Ok(command),
        }
    }

    /// The API's name of the command.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Next => "next",
            Command::Previous => "previous",
            Command::Reload => "reload",
            Command::Blank => "blank",
            Command::Unblank => "unblank",
            Command::Show(_) => "show",
        }
    }

    /// The player's word for it (the vocabulary of Anthias's viewer the player speaks).
    pub fn player_word(&self) -> String {
        match self {
            Command::Show(id) => format!("asset&{id}"),
            other => other.name().to_string(),
        }
    }
}

/// A screen or group name: trimmed, 1 to `NAME_MAX` characters.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(format!("name is required (1 to {NAME_MAX} characters)."));
    }
    Ok(name.to_string())
}

/// Tags: trimmed, none empty, no repeats (first kept), within the limits.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, String> {
    if tags.len() > TAGS_MAX {
        return Err(format!("At most {TAGS_MAX} tags."));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = t.trim();
        if t.is_empty() || t.chars().count() > TAG_MAX {
            return Err(format!("Each tag has 1 to {TAG_MAX} characters."));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

/// Short free text a screen reports (resolution, player version): printable, bounded; else
/// dropped rather than stored.
pub fn reported(text: Option<&str>, max: usize) -> Option<String> {
    let t = text?.trim();
    let ok = !t.is_empty() && t.chars().count() <= max && !t.chars().any(char::is_control);
    ok.then(|| t.to_string())
}

/// Something a screen could not show and skips, as it reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skip {
    pub asset_id: String,
    pub reason: String,
}

/// Most skips a screen's report keeps.
pub const MAX_SKIPS: usize = 50;

/// A screen's skip report as it is kept: well-formed entries only (an asset id of at most 64
/// characters, a reason of at most 300 shown characters, no control characters), one per
/// asset, at most [`MAX_SKIPS`].
pub fn clean_skips(list: Vec<Skip>) -> Vec<Skip> {
    let mut out: Vec<Skip> = Vec::new();
    for s in list {
        let Some(asset_id) = reported(Some(&s.asset_id), 64) else {
            continue;
        };
        let reason: String = s
            .reason
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(300)
            .collect();
        let reason = reason.trim().to_string();
        if reason.is_empty() || out.iter().any(|o| o.asset_id == asset_id) {
            continue;
        }
        out.push(Skip { asset_id, reason });
        if out.len() == MAX_SKIPS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        assert_eq!(CODE_ALPHABET.len(), 32);
        for c in b"01OI" {
            assert!(!CODE_ALPHABET.contains(c));
        }
        assert_eq!(code_from([0, 1, 2, 3, 31, 32]), "ABCD9A");
        let all: String = code_from([255; 6]);
        assert!(all.bytes().all(|b| CODE_ALPHABET.contains(&b)));
    }

    #[test]
    fn typed_codes_are_normalized() {
        assert_eq!(normalize_code("k7q-2xm").as_deref(), Some("K7Q2XM"));
        assert_eq!(normalize_code(" K7Q 2XM ").as_deref(), Some("K7Q2XM"));
        assert_eq!(normalize_code("K7Q2X"), None);
        assert_eq!(normalize_code("K7Q2XO"), None, "O is not in the alphabet");
        assert_eq!(normalize_code("K7Q2X1"), None, "1 is not in the alphabet");
        assert_eq!(normalize_code("K7Q2XMM"), None);
    }

    #[test]
    fn status_follows_connection_and_heartbeat_age() {
        let now = at(1000);
        assert_eq!(Status::of(None, false, now), Status::NeverSeen);
        assert_eq!(Status::of(None, true, now), Status::NeverSeen);
        assert_eq!(Status::of(Some(at(1000 - 89)), true, now), Status::Online);
        assert_eq!(Status::of(Some(at(1000 - 90)), true, now), Status::Offline);
        assert_eq!(Status::of(Some(at(1000 - 5)), false, now), Status::Offline);
        for s in ["online", "offline", "never_seen"] {
            assert_eq!(Status::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(Status::parse("gone"), None);
    }

    #[test]
    fn commands_parse_with_their_asset() {
        assert_eq!(Command::parse("next", None), Ok(Command::Next));
        assert_eq!(Command::parse("blank", Some("")), Ok(Command::Blank));
        assert_eq!(
            Command::parse("show", Some("abc")),
            Ok(Command::Show("abc".into()))
        );
        assert!(
            Command::parse("show", None)
                .unwrap_err()
                .contains("asset_id")
        );
        assert!(Command::parse("next", Some("abc")).is_err());
        assert!(Command::parse("reboot", None).unwrap_err().contains("next"));
        assert_eq!(Command::Show("x".into()).player_word(), "asset&x");
        assert_eq!(Command::Reload.player_word(), "reload");
    }

    #[test]
    fn names_and_tags() {
        assert_eq!(check_name("  Lobby "), Ok("Lobby".into()));
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
        assert_eq!(
            check_tags(&["a".into(), " a ".into(), "b".into()]),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
        assert!(check_tags(&["".into()]).is_err());
        assert!(check_tags(&vec!["t".to_string(); 51]).is_err());
        assert_eq!(
            reported(Some(" 1920x1080 "), 32).as_deref(),
            Some("1920x1080")
        );
        assert_eq!(reported(Some("a\nb"), 32), None);
        assert_eq!(reported(Some(&"9".repeat(33)), 32), None);
    }

    #[test]
    fn skip_reports_keep_what_is_well_formed() {
        let skip = |a: &str, r: &str| Skip {
            asset_id: a.into(),
            reason: r.into(),
        };
        let long = "x".repeat(400);
        let got = clean_skips(vec![
            skip(
                "a1",
                "This site does not allow being shown inside another page",
            ),
            skip("a1", "again"),
            skip("", "no id"),
            skip("a2", "  "),
            skip("a3", "line\nbreak"),
            skip("a4", &long),
        ]);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(
            got[0].reason,
            "This site does not allow being shown inside another page"
        );
        assert_eq!(got[1].reason, "line break");
        assert_eq!(got[2].reason.chars().count(), 300);
        let many: Vec<Skip> = (0..80).map(|i| skip(&format!("id{i}"), "r")).collect();
        assert_eq!(clean_skips(many).len(), MAX_SKIPS);
    }
}
