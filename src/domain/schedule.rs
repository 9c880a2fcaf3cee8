//! The asset schedule rule: whether an asset is on screen at a given instant.
//!
//! This is the one implementation of the Anthias (Screenly OSE) rule in
//! Signate. The API (the `is_active` field), the player (the playlist and
//! its re-evaluation deadline) and the UI all call into it, so they cannot
//! disagree about what is playing. It does no I/O: the clock and the device
//! time zone are always passed in.
//!
//! An asset is active at `now` when it is enabled, has both dates, lies
//! strictly between them (compared as UTC instants), and the device-local
//! wall-clock time falls inside its play window. The window is a set of ISO
//! weekdays plus an optional time-of-day range, half-open `[from, to)`. A
//! range with `from > to` runs overnight and belongs to the day it starts
//! on; `from == to` never matches; a range with only one end set counts as
//! no range at all.
//!
//! The normalisers ([`PlayDays::from_json_text`], [`clamp_duration`],
//! [`clamp_refresh_interval`]) never fail: stored rows may hold anything a
//! hand edit or a legacy import left there, and playback must not stop over
//! it.

use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;

/// Upper bound for an asset's display duration, in seconds (one year).
///
/// Long enough to mean "pinned forever" on a sign, small enough to stay a
/// typo guard and keep timer arithmetic far from overflow.
pub const DURATION_S_MAX: i64 = 31_536_000;

/// Upper bound for a web page's auto-refresh interval, in seconds (one day).
///
/// Anything longer is almost certainly a units mistake.
pub const REFRESH_INTERVAL_S_MAX: i64 = 86_400;

/// How soon the player must re-evaluate while a play window could switch an
/// asset on or off.
///
/// Window edges recur daily and are not visible in the start and end dates,
/// so they are polled rather than computed.
pub const WINDOW_RECHECK: TimeDelta = TimeDelta::seconds(60);

/// The ISO weekdays (1 = Monday … 7 = Sunday) an asset may play on.
///
/// Always non-empty, sorted and free of duplicates, so two values that name
/// the same days compare equal and serialise identically.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlayDays(Vec<u8>);

impl PlayDays {
    /// Every day of the week, i.e. no day filter.
    pub fn all() -> Self {
        Self((1..=7).collect())
    }

    /// Builds a day set, or `None` if `days` is empty or names a day outside
    /// 1..=7.
    ///
    /// Duplicates and order are ignored. This is the strict check for write
    /// paths; stored values go through [`PlayDays::from_json_text`].
    pub fn new(days: impl IntoIterator<Item = u8>) -> Option<Self> {
        let mut days: Vec<u8> = days.into_iter().collect();
        if days.is_empty() || days.iter().any(|day| !(1..=7).contains(day)) {
            return None;
        }
        days.sort_unstable();
        days.dedup();
        Some(Self(days))
    }

    /// Strictly reads a JSON array of ISO weekdays.
    ///
    /// Only JSON integers count: `true` and `1.0` are rejected rather than
    /// coerced, so a client bug cannot silently become "Monday".
    pub fn from_json_value(value: &Value) -> Option<Self> {
        let Value::Array(items) = value else {
            return None;
        };
        let days = items
            .iter()
            .map(|item| item.as_u64().and_then(|day| u8::try_from(day).ok()))
            .collect::<Option<Vec<u8>>>()?;
        Self::new(days)
    }

    /// Reads the stored column (JSON text such as `"[1, 2, 3]"`).
    ///
    /// Anything that is not a non-empty list of integers in 1..=7 falls back
    /// to every day: junk in the column must not take an asset off the air.
    pub fn from_json_text(text: &str) -> Self {
        serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|value| Self::from_json_value(&value))
            .unwrap_or_else(Self::all)
    }

    /// The days, ascending.
    pub fn days(&self) -> &[u8] {
        &self.0
    }

    pub fn contains(&self, iso_weekday: u8) -> bool {
        self.0.binary_search(&iso_weekday).is_ok()
    }

    /// True when no day is excluded.
    pub fn is_all(&self) -> bool {
        self.0.len() == 7
    }

    /// The stored form, byte-for-byte what Python's `json.dumps` writes
    /// (`"[1, 2, 3]"`), so rows stay identical to Anthias'.
    pub fn to_json_text(&self) -> String {
        let days: Vec<String> = self.0.iter().map(u8::to_string).collect();
        format!("[{}]", days.join(", "))
    }
}

impl Default for PlayDays {
    fn default() -> Self {
        Self::all()
    }
}

/// The weekly play window: which days, and optionally which time of day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Window {
    pub play_days: PlayDays,
    pub from: Option<NaiveTime>,
    pub to: Option<NaiveTime>,
}

impl Window {
    /// Whether device-local wall-clock time `local` falls inside the window.
    pub fn matches(&self, local: NaiveDateTime) -> bool {
        let weekday = local.weekday();
        let plays_on = |day: Weekday| self.play_days.contains(iso_weekday(day));

        // Anthias treats a half-set range as no range rather than rejecting
        // the row, so the asset keeps playing on its days.
        let (Some(from), Some(to)) = (self.from, self.to) else {
            return plays_on(weekday);
        };

        let time = local.time();
        if from <= to {
            plays_on(weekday) && (from..to).contains(&time)
        } else if time >= from {
            plays_on(weekday)
        } else if time < to {
            // The small hours belong to the night that started yesterday,
            // and play_days names the day a night starts on.
            plays_on(weekday.pred())
        } else {
            false
        }
    }

    /// Whether the window can exclude any moment at all, i.e. whether the
    /// player has to keep polling it.
    pub fn has_filter(&self) -> bool {
        (self.from.is_some() && self.to.is_some()) || !self.play_days.is_all()
    }
}

/// When an asset plays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub is_enabled: bool,
    /// UTC.
    pub start: Option<NaiveDateTime>,
    /// UTC.
    pub end: Option<NaiveDateTime>,
    pub window: Window,
}

impl Schedule {
    /// Whether the asset can ever play: enabled, with both dates set. Only
    /// these take part in a playlist.
    pub fn is_candidate(&self) -> bool {
        self.is_enabled && self.start.is_some() && self.end.is_some()
    }

    /// Whether `now` lies strictly between the start and end dates.
    pub fn within_dates(&self, now: DateTime<Utc>) -> bool {
        let now = now.naive_utc();
        matches!((self.start, self.end), (Some(start), Some(end)) if start < now && now < end)
    }

    /// Whether the asset is on screen at `now` on a device in time zone `tz`.
    pub fn is_active(&self, now: DateTime<Utc>, tz: Tz) -> bool {
        self.is_enabled
            && self.within_dates(now)
            && self.window.matches(now.with_timezone(&tz).naive_local())
    }
}

/// The soonest future instant at which the set of active `items` may change,
/// or `None` if it never will.
///
/// That is the end of each active candidate, the start of each inactive one
/// (past instants dropped, so a long-gone start cannot pin the deadline to
/// "overdue"), and `now + WINDOW_RECHECK` while any candidate within its
/// dates has a window filter. Items that are not candidates are ignored.
pub fn deadline(items: &[Schedule], now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let candidates = || items.iter().filter(|item| item.is_candidate());

    let boundaries = candidates()
        .filter_map(|item| {
            if item.is_active(now, tz) {
                item.end
            } else {
                item.start
            }
        })
        .map(|boundary| boundary.and_utc())
        .filter(|&boundary| boundary > now);

    let windowed = candidates().any(|item| item.window.has_filter() && item.within_dates(now));
    let recheck = if windowed {
        now.checked_add_signed(WINDOW_RECHECK)
    } else {
        None
    };

    boundaries.chain(recheck).min()
}

/// Coerces a stored duration to whole seconds in `[0, DURATION_S_MAX]`.
///
/// Follows Python's `int(value)`: integers, integral strings (`"20"`,
/// `" +20 "`, `"1_000"`) and floats (truncated toward zero) are accepted;
/// anything else, including `"20.5"`, `true` and `null`, becomes 0.
pub fn clamp_duration(value: &Value) -> i64 {
    python_int(value).map_or(0, |n| n.clamp(0, DURATION_S_MAX))
}

/// Coerces a stored refresh interval to whole seconds in
/// `[0, REFRESH_INTERVAL_S_MAX]`, with the same coercion as
/// [`clamp_duration`].
pub fn clamp_refresh_interval(value: &Value) -> i64 {
    python_int(value).map_or(0, |n| n.clamp(0, REFRESH_INTERVAL_S_MAX))
}

/// Python's `int(value)` for JSON values, saturating at the `i64` range
/// (the callers clamp far inside it). Booleans are refused even though
/// Python would take them as 0/1: a flag in a duration column is garbage.
fn python_int(value: &Value) -> Option<i64> {
    match value {
        // `as` truncates toward zero and saturates, exactly the coercion
        // wanted for floats and for integers beyond i64.
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => parse_python_int(s),
        _ => None,
    }
}

/// Base-10 `int(str)`: surrounding whitespace, an optional sign, and single
/// underscores between digits. Only ASCII digits are accepted, where Python
/// would also take other Unicode decimal digits.
fn parse_python_int(text: &str) -> Option<i64> {
    // Python's str.isspace() also counts the ASCII separator controls.
    let text = text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut magnitude: i64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(10)?;
        magnitude = magnitude
            .saturating_mul(10)
            .saturating_add(i64::from(digit));
    }
    Some(if negative { -magnitude } else { magnitude })
}

/// Parses a play-window time as the Anthias API accepts it: `H:M`, `H:M:S`
/// or `H:M:S.f` (one or two digits per field; `.` or `,` before a fraction
/// of up to 12 digits, of which the first 6 are kept as microseconds).
///
/// Time-zone suffixes and the compact ISO forms (`0800`) are not accepted.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let mut fields = text.splitn(3, ':');
    let hour = parse_field(fields.next()?)?;
    let minute = parse_field(fields.next()?)?;
    let (second, micro) = match fields.next() {
        None => (0, 0),
        Some(rest) => match rest.split_once(['.', ',']) {
            None => (parse_field(rest)?, 0),
            Some((second, fraction)) => (parse_field(second)?, parse_micros(fraction)?),
        },
    };
    NaiveTime::from_hms_micro_opt(hour, minute, second, micro)
}

fn parse_field(text: &str) -> Option<u32> {
    if !(1..=2).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_micros(fraction: &str) -> Option<u32> {
    if !(1..=12).contains(&fraction.len()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits past the sixth are truncated, not rounded, as Django does.
    format!("{:0<6}", &fraction[..fraction.len().min(6)])
        .parse()
        .ok()
}

/// Renders a play-window time the way Anthias does (Python's
/// `time.isoformat()`): `HH:MM:SS`, or `HH:MM:SS.ffffff` when there are
/// microseconds. Sub-microsecond precision is dropped.
pub fn format_time(time: NaiveTime) -> String {
    // chrono encodes a leap second as nanosecond >= 1e9; Python has no leap
    // seconds, so only the fraction within the second is shown.
    let micros = time.nanosecond() % 1_000_000_000 / 1_000;
    let (hour, minute, second) = (time.hour(), time.minute(), time.second());
    if micros == 0 {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}.{micros:06}")
    }
}

fn iso_weekday(day: Weekday) -> u8 {
    // number_from_monday() is always 1..=7.
    day.number_from_monday() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{Europe::Berlin, UTC};
    use serde_json::json;

    const ALL_DAYS: &str = "[1, 2, 3, 4, 5, 6, 7]";

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("valid RFC 3339 instant")
    }

    fn local(text: &str) -> NaiveDateTime {
        text.parse().expect("valid naive date-time")
    }

    fn time(text: &str) -> NaiveTime {
        parse_time(text).expect("valid time")
    }

    fn window(days: &str, from: Option<&str>, to: Option<&str>) -> Window {
        Window {
            play_days: PlayDays::from_json_text(days),
            from: from.map(time),
            to: to.map(time),
        }
    }

    fn dated(start: &str, end: &str, window: Window) -> Schedule {
        Schedule {
            is_enabled: true,
            start: Some(utc(start).naive_utc()),
            end: Some(utc(end).naive_utc()),
            window,
        }
    }

    /// Enabled and within its dates for the whole test period, so only the
    /// window decides.
    fn dated_forever(window: Window) -> Schedule {
        dated("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", window)
    }

    // PlayDays

    #[test]
    fn all_days_is_the_default_and_the_full_week() {
        let all = PlayDays::all();
        assert_eq!(all.days(), &[1, 2, 3, 4, 5, 6, 7]);
        assert!(all.is_all());
        assert_eq!(all.to_json_text(), ALL_DAYS);
        assert_eq!(PlayDays::default(), all);
    }

    #[test]
    fn play_days_parse_valid_lists() {
        let cases: &[(&str, &[u8])] = &[
            ("[1, 2, 3]", &[1, 2, 3]),
            ("[1,2,3]", &[1, 2, 3]),
            ("[7]", &[7]),
            (" [5, 6] ", &[5, 6]),
            ("[3, 1, 2]", &[1, 2, 3]),
            ("[5, 5, 1, 1, 5]", &[1, 5]),
            ("[7, 6, 5, 4, 3, 2, 1]", &[1, 2, 3, 4, 5, 6, 7]),
            ("[1, 2, 3, 4, 5, 6, 7, 7]", &[1, 2, 3, 4, 5, 6, 7]),
        ];
        for &(text, expected) in cases {
            assert_eq!(PlayDays::from_json_text(text).days(), expected, "{text}");
        }
    }

    #[test]
    fn play_days_fall_back_to_all_on_anything_else() {
        let cases = [
            "",
            "garbage",
            "[1, 2",
            "null",
            "3",
            "\"[1]\"",
            "{}",
            "{\"1\": true}",
            "[]",
            "[0]",
            "[8]",
            "[-1]",
            "[1, 8]",
            "[256]",
            "[100000000000000000000]",
            "[true]",
            "[false]",
            "[1, true]",
            "[1.0]",
            "[1, 2.5]",
            "[1e0]",
            "[\"1\"]",
            "[null]",
            "[[1]]",
        ];
        for text in cases {
            assert_eq!(PlayDays::from_json_text(text), PlayDays::all(), "{text:?}");
        }
    }

    #[test]
    fn play_days_new_validates_and_normalises() {
        assert_eq!(
            PlayDays::new([3, 1, 3]).map(|d| d.days().to_vec()),
            Some(vec![1, 3])
        );
        assert_eq!(PlayDays::new([1, 2, 3, 4, 5, 6, 7]), Some(PlayDays::all()));
        assert_eq!(PlayDays::new([]), None);
        assert_eq!(PlayDays::new([0]), None);
        assert_eq!(PlayDays::new([8]), None);
        assert_eq!(PlayDays::new([1, 8]), None);
    }

    #[test]
    fn play_days_from_json_value_is_strict() {
        assert_eq!(
            PlayDays::from_json_value(&json!([2, 1])),
            PlayDays::new([1, 2])
        );
        assert_eq!(PlayDays::from_json_value(&json!([])), None);
        assert_eq!(PlayDays::from_json_value(&json!([1, 9])), None);
        assert_eq!(PlayDays::from_json_value(&json!([true])), None);
        assert_eq!(PlayDays::from_json_value(&json!([1.0])), None);
        assert_eq!(PlayDays::from_json_value(&json!(["1"])), None);
        assert_eq!(PlayDays::from_json_value(&json!("[1]")), None);
        assert_eq!(PlayDays::from_json_value(&json!(null)), None);
    }

    #[test]
    fn play_days_contains_and_is_all() {
        let days = PlayDays::from_json_text("[1, 3]");
        assert!(days.contains(1));
        assert!(days.contains(3));
        assert!(!days.contains(2));
        assert!(!days.contains(0));
        assert!(!days.contains(8));
        assert!(!days.is_all());
    }

    #[test]
    fn play_days_serialise_like_python_json_dumps() {
        assert_eq!(PlayDays::from_json_text("[3,1]").to_json_text(), "[1, 3]");
        assert_eq!(PlayDays::from_json_text("[7]").to_json_text(), "[7]");
        for text in ["[1, 3]", "[7]", ALL_DAYS, "[2, 4, 6]"] {
            let days = PlayDays::from_json_text(text);
            assert_eq!(days.to_json_text(), text);
            assert_eq!(PlayDays::from_json_text(&days.to_json_text()), days);
        }
    }

    // Window: days only

    #[test]
    fn no_window_matches_any_time_on_play_days() {
        let every_day = Window::default();
        for at in [
            "2026-06-01T00:00:00",
            "2026-06-03T12:00:00",
            "2026-06-07T23:59:59",
        ] {
            assert!(every_day.matches(local(at)), "{at}");
        }

        let weekdays = window("[1, 2, 3, 4, 5]", None, None);
        assert!(weekdays.matches(local("2026-06-01T00:00:00")), "Monday");
        assert!(weekdays.matches(local("2026-06-05T23:59:59")), "Friday");
        assert!(!weekdays.matches(local("2026-06-06T12:00:00")), "Saturday");
        assert!(!weekdays.matches(local("2026-06-07T12:00:00")), "Sunday");
    }

    #[test]
    fn partial_window_behaves_as_no_window() {
        for partial in [
            window("[1]", Some("08:00"), None),
            window("[1]", None, Some("18:00")),
        ] {
            assert!(partial.matches(local("2026-06-01T03:00:00")), "{partial:?}");
            assert!(partial.matches(local("2026-06-01T20:00:00")), "{partial:?}");
            assert!(
                !partial.matches(local("2026-06-02T12:00:00")),
                "{partial:?}"
            );
        }
    }

    // Window: same-day range

    #[test]
    fn same_day_window_is_half_open() {
        let office = window(ALL_DAYS, Some("08:00"), Some("18:00"));
        let cases = [
            ("2026-06-01T00:00:00", false),
            ("2026-06-01T07:59:59.999999", false),
            ("2026-06-01T08:00:00", true),
            ("2026-06-01T12:00:00", true),
            ("2026-06-01T17:59:59.999999", true),
            ("2026-06-01T18:00:00", false),
            ("2026-06-01T23:59:59", false),
        ];
        for (at, expected) in cases {
            assert_eq!(office.matches(local(at)), expected, "{at}");
        }
    }

    #[test]
    fn same_day_window_needs_a_play_day() {
        let monday_office = window("[1]", Some("08:00"), Some("18:00"));
        assert!(monday_office.matches(local("2026-06-01T12:00:00")));
        assert!(!monday_office.matches(local("2026-06-02T12:00:00")));
        assert!(!monday_office.matches(local("2026-06-07T12:00:00")));
    }

    #[test]
    fn whole_day_window_from_midnight() {
        let nearly_all_day = window(ALL_DAYS, Some("00:00"), Some("23:59:59"));
        assert!(nearly_all_day.matches(local("2026-06-01T00:00:00")));
        assert!(nearly_all_day.matches(local("2026-06-01T23:59:58")));
        assert!(!nearly_all_day.matches(local("2026-06-01T23:59:59")));
    }

    #[test]
    fn empty_window_never_matches() {
        for at in ["08:00", "00:00"] {
            let empty = window(ALL_DAYS, Some(at), Some(at));
            for probe in [
                "2026-06-01T00:00:00",
                "2026-06-01T07:59:59",
                "2026-06-01T08:00:00",
                "2026-06-01T08:00:01",
                "2026-06-01T23:59:59",
            ] {
                assert!(!empty.matches(local(probe)), "{at}-{at} at {probe}");
            }
        }
    }

    // Window: overnight range

    #[test]
    fn overnight_window_belongs_to_its_start_day() {
        let monday_night = window("[1]", Some("22:00"), Some("06:00"));
        let cases = [
            ("2026-06-01T03:00:00", false), // Sunday night's tail
            ("2026-06-01T12:00:00", false),
            ("2026-06-01T21:59:59", false),
            ("2026-06-01T22:00:00", true),
            ("2026-06-01T23:59:59.999999", true),
            ("2026-06-02T00:00:00", true),
            ("2026-06-02T05:59:59.999999", true),
            ("2026-06-02T06:00:00", false),
            ("2026-06-02T12:00:00", false),
            ("2026-06-02T22:00:00", false), // Tuesday night
            ("2026-06-03T03:00:00", false),
        ];
        for (at, expected) in cases {
            assert_eq!(monday_night.matches(local(at)), expected, "{at}");
        }
    }

    #[test]
    fn overnight_window_wraps_from_sunday_to_monday() {
        let sunday_night = window("[7]", Some("22:00"), Some("06:00"));
        assert!(
            !sunday_night.matches(local("2026-06-07T03:00:00")),
            "Saturday's night"
        );
        assert!(sunday_night.matches(local("2026-06-07T23:00:00")));
        assert!(
            sunday_night.matches(local("2026-06-08T03:00:00")),
            "Monday morning"
        );
        assert!(!sunday_night.matches(local("2026-06-08T06:00:00")));
        assert!(!sunday_night.matches(local("2026-06-08T23:00:00")));

        let monday_night = window("[1]", Some("22:00"), Some("06:00"));
        assert!(
            !monday_night.matches(local("2026-06-08T03:00:00")),
            "Sunday's night"
        );
    }

    #[test]
    fn overnight_window_ending_at_midnight_has_no_tail() {
        let late = window("[1]", Some("22:00"), Some("00:00"));
        assert!(late.matches(local("2026-06-01T23:00:00")));
        assert!(!late.matches(local("2026-06-02T00:00:00")));
        assert!(!late.matches(local("2026-06-01T00:00:00")));
    }

    #[test]
    fn window_filter_detection() {
        assert!(!Window::default().has_filter());
        assert!(!window("[7, 6, 5, 4, 3, 2, 1, 1]", None, None).has_filter());
        assert!(!window("garbage", None, None).has_filter());
        assert!(!window(ALL_DAYS, Some("08:00"), None).has_filter());
        assert!(!window(ALL_DAYS, None, Some("18:00")).has_filter());
        assert!(window(ALL_DAYS, Some("08:00"), Some("18:00")).has_filter());
        assert!(window(ALL_DAYS, Some("08:00"), Some("08:00")).has_filter());
        assert!(window(ALL_DAYS, Some("22:00"), Some("06:00")).has_filter());
        assert!(window("[1, 2, 3, 4, 5]", None, None).has_filter());
        assert!(window("[1]", Some("08:00"), None).has_filter());
    }

    // Schedule

    #[test]
    fn date_bounds_are_strict() {
        let asset = dated(
            "2026-06-01T08:00:00Z",
            "2026-06-01T20:00:00Z",
            Window::default(),
        );
        let cases = [
            ("2026-06-01T07:59:59Z", false),
            ("2026-06-01T08:00:00Z", false),
            ("2026-06-01T08:00:00.000001Z", true),
            ("2026-06-01T14:00:00Z", true),
            ("2026-06-01T19:59:59.999999Z", true),
            ("2026-06-01T20:00:00Z", false),
            ("2026-06-01T20:00:01Z", false),
        ];
        for (now, expected) in cases {
            assert_eq!(asset.is_active(utc(now), UTC), expected, "{now}");
            assert_eq!(asset.within_dates(utc(now)), expected, "{now}");
        }
    }

    #[test]
    fn inverted_dates_are_never_active() {
        let asset = dated(
            "2026-06-02T00:00:00Z",
            "2026-06-01T00:00:00Z",
            Window::default(),
        );
        assert!(!asset.is_active(utc("2026-06-01T12:00:00Z"), UTC));
    }

    #[test]
    fn disabled_asset_is_never_active() {
        let asset = Schedule {
            is_enabled: false,
            ..dated_forever(Window::default())
        };
        assert!(!asset.is_candidate());
        assert!(asset.within_dates(utc("2026-06-01T12:00:00Z")));
        assert!(!asset.is_active(utc("2026-06-01T12:00:00Z"), UTC));
    }

    #[test]
    fn missing_dates_are_never_active() {
        let now = utc("2026-06-01T12:00:00Z");
        let full = dated_forever(Window::default());
        assert!(full.is_candidate());
        let variants = [
            Schedule {
                start: None,
                ..full.clone()
            },
            Schedule {
                end: None,
                ..full.clone()
            },
            Schedule {
                start: None,
                end: None,
                ..full.clone()
            },
            Schedule::default(),
        ];
        for asset in variants {
            assert!(!asset.is_candidate(), "{asset:?}");
            assert!(!asset.within_dates(now), "{asset:?}");
            assert!(!asset.is_active(now, UTC), "{asset:?}");
        }
    }

    #[test]
    fn window_is_evaluated_in_device_time() {
        let office = dated_forever(window(ALL_DAYS, Some("08:00"), Some("18:00")));
        // 06:30 UTC is 08:30 in Berlin (CEST).
        let now = utc("2026-06-01T06:30:00Z");
        assert!(office.is_active(now, Berlin));
        assert!(!office.is_active(now, UTC));
        // 16:30 UTC is 18:30 in Berlin.
        let now = utc("2026-06-01T16:30:00Z");
        assert!(!office.is_active(now, Berlin));
        assert!(office.is_active(now, UTC));
    }

    #[test]
    fn weekday_is_taken_in_device_time_across_midnight() {
        let mondays = dated_forever(window("[1]", None, None));
        // Sunday 22:30 UTC is Monday 00:30 in Berlin.
        let now = utc("2026-06-07T22:30:00Z");
        assert!(mondays.is_active(now, Berlin));
        assert!(!mondays.is_active(now, UTC));
        // Monday 22:30 UTC is Tuesday 00:30 in Berlin.
        let now = utc("2026-06-01T22:30:00Z");
        assert!(!mondays.is_active(now, Berlin));
        assert!(mondays.is_active(now, UTC));
    }

    #[test]
    fn overnight_window_in_device_time() {
        let sunday_night = dated_forever(window("[7]", Some("22:00"), Some("06:00")));
        // Sunday 21:30 UTC is 23:30 in Berlin; Monday 03:30 UTC is 05:30.
        assert!(sunday_night.is_active(utc("2026-06-07T21:30:00Z"), Berlin));
        assert!(!sunday_night.is_active(utc("2026-06-07T21:30:00Z"), UTC));
        assert!(sunday_night.is_active(utc("2026-06-08T03:30:00Z"), Berlin));
        assert!(sunday_night.is_active(utc("2026-06-08T03:30:00Z"), UTC));
        // Monday 04:30 UTC is 06:30 in Berlin: the night is over there.
        assert!(!sunday_night.is_active(utc("2026-06-08T04:30:00Z"), Berlin));
        assert!(sunday_night.is_active(utc("2026-06-08T04:30:00Z"), UTC));
    }

    #[test]
    fn daylight_saving_shifts_the_window_in_utc() {
        let weekend_office = dated_forever(window("[6, 7]", Some("08:00"), Some("18:00")));
        // Saturday 2026-03-28 is still CET (+1): 06:30 UTC is 07:30 local.
        assert!(!weekend_office.is_active(utc("2026-03-28T06:30:00Z"), Berlin));
        assert!(weekend_office.is_active(utc("2026-03-28T07:00:00Z"), Berlin));
        // Sunday 2026-03-29 is CEST (+2) from 01:00 UTC: 06:30 UTC is 08:30.
        assert!(weekend_office.is_active(utc("2026-03-29T06:30:00Z"), Berlin));
        assert!(weekend_office.is_active(utc("2026-03-29T15:59:59Z"), Berlin));
        assert!(!weekend_office.is_active(utc("2026-03-29T16:00:00Z"), Berlin));
    }

    #[test]
    fn skipped_and_repeated_local_hours() {
        let two_am = dated_forever(window(ALL_DAYS, Some("02:00"), Some("03:00")));
        // Spring forward: 02:00-03:00 local does not exist on 2026-03-29.
        assert!(
            !two_am.is_active(utc("2026-03-29T00:59:59Z"), Berlin),
            "01:59:59 CET"
        );
        assert!(
            !two_am.is_active(utc("2026-03-29T01:00:00Z"), Berlin),
            "03:00:00 CEST"
        );
        // Fall back: 02:00-03:00 local happens twice on 2026-10-25.
        assert!(
            two_am.is_active(utc("2026-10-25T00:30:00Z"), Berlin),
            "02:30 CEST"
        );
        assert!(
            two_am.is_active(utc("2026-10-25T01:30:00Z"), Berlin),
            "02:30 CET"
        );
        assert!(
            !two_am.is_active(utc("2026-10-25T02:00:00Z"), Berlin),
            "03:00 CET"
        );
    }

    #[test]
    fn upstream_capture_vectors() {
        // Captured from Anthias with the device in Europe/Berlin.
        let now = utc("2026-11-22T16:13:16Z");
        assert_eq!(
            now.with_timezone(&Berlin).naive_local(),
            local("2026-11-22T17:13:16"),
            "Sunday 17:13 in Berlin"
        );

        let plain = dated(
            "2026-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
            Window::default(),
        );
        assert!(plain.is_active(now, Berlin));

        let weekday_office = Schedule {
            window: window("[1, 2, 3, 4, 5]", Some("08:00"), Some("18:00")),
            ..plain.clone()
        };
        assert!(!weekday_office.is_active(now, Berlin));

        let nights = Schedule {
            window: window(ALL_DAYS, Some("22:00"), Some("06:00")),
            ..plain.clone()
        };
        assert!(!nights.is_active(now, Berlin));

        let disabled_past = Schedule {
            is_enabled: false,
            ..dated(
                "2024-04-01T08:00:00Z",
                "2024-09-30T20:00:00Z",
                Window::default(),
            )
        };
        assert!(!disabled_past.is_active(now, Berlin));
    }

    // deadline

    #[test]
    fn deadline_without_candidates_is_none() {
        let now = utc("2026-06-01T12:00:00Z");
        assert_eq!(deadline(&[], now, UTC), None);

        let future = dated(
            "2026-06-02T00:00:00Z",
            "2026-06-03T00:00:00Z",
            Window::default(),
        );
        let windowed = dated_forever(window("[1]", Some("08:00"), Some("09:00")));
        let ignored = [
            Schedule {
                is_enabled: false,
                ..future.clone()
            },
            Schedule {
                is_enabled: false,
                ..windowed.clone()
            },
            Schedule {
                start: None,
                ..future.clone()
            },
            Schedule {
                end: None,
                ..windowed
            },
        ];
        assert_eq!(deadline(&ignored, now, UTC), None);
    }

    #[test]
    fn deadline_is_the_end_of_an_active_asset() {
        let now = utc("2026-06-01T12:00:00Z");
        let active = dated(
            "2026-06-01T00:00:00Z",
            "2026-06-01T18:00:00Z",
            Window::default(),
        );
        assert_eq!(
            deadline(&[active], now, UTC),
            Some(utc("2026-06-01T18:00:00Z"))
        );
    }

    #[test]
    fn deadline_is_the_start_of_a_future_asset() {
        let now = utc("2026-06-01T12:00:00Z");
        let future = dated(
            "2026-06-02T00:00:00Z",
            "2026-06-03T00:00:00Z",
            Window::default(),
        );
        assert_eq!(
            deadline(&[future], now, UTC),
            Some(utc("2026-06-02T00:00:00Z"))
        );
    }

    #[test]
    fn deadline_ignores_expired_assets() {
        let now = utc("2026-06-01T12:00:00Z");
        let expired = dated(
            "2026-05-01T00:00:00Z",
            "2026-05-02T00:00:00Z",
            Window::default(),
        );
        let expired_windowed = dated(
            "2026-05-01T00:00:00Z",
            "2026-05-02T00:00:00Z",
            window("[1]", Some("08:00"), Some("09:00")),
        );
        assert_eq!(deadline(&[expired, expired_windowed], now, UTC), None);
    }

    #[test]
    fn deadline_drops_a_boundary_equal_to_now() {
        // At exactly its start the asset is not yet active, and its start is
        // not in the future either.
        let now = utc("2026-06-01T12:00:00Z");
        let starting = dated(
            "2026-06-01T12:00:00Z",
            "2026-06-01T18:00:00Z",
            Window::default(),
        );
        assert!(!starting.is_active(now, UTC));
        assert_eq!(deadline(&[starting], now, UTC), None);
    }

    #[test]
    fn deadline_is_the_soonest_boundary() {
        let now = utc("2026-06-01T12:00:00Z");
        let items = [
            dated(
                "2026-06-01T00:00:00Z",
                "2026-06-01T14:00:00Z",
                Window::default(),
            ),
            dated(
                "2026-06-01T13:00:00Z",
                "2026-06-01T20:00:00Z",
                Window::default(),
            ),
            dated(
                "2026-05-01T00:00:00Z",
                "2026-05-02T00:00:00Z",
                Window::default(),
            ),
            dated(
                "2026-06-01T00:00:00Z",
                "2026-06-01T12:30:00Z",
                Window::default(),
            ),
        ];
        assert_eq!(
            deadline(&items, now, UTC),
            Some(utc("2026-06-01T12:30:00Z"))
        );
    }

    #[test]
    fn windowed_asset_in_its_dates_caps_the_deadline() {
        let now = utc("2026-06-01T12:00:00Z");
        let recheck = Some(utc("2026-06-01T12:01:00Z"));

        // Blocked by its window: the past start is dropped, the cap remains.
        let blocked = dated_forever(window("[2]", None, None));
        assert!(!blocked.is_active(now, UTC));
        assert_eq!(deadline(std::slice::from_ref(&blocked), now, UTC), recheck);

        // Playing inside its window: the cap beats the far end date.
        let playing = dated_forever(window(ALL_DAYS, Some("08:00"), Some("18:00")));
        assert!(playing.is_active(now, UTC));
        assert_eq!(deadline(std::slice::from_ref(&playing), now, UTC), recheck);

        // Only either end set is no window, so no cap.
        let partial = dated_forever(window(ALL_DAYS, Some("08:00"), None));
        assert_eq!(
            deadline(&[partial], now, UTC),
            Some(utc("2100-01-01T00:00:00Z"))
        );

        // A nearer boundary still wins over the cap.
        let ending_soon = dated(
            "2026-06-01T00:00:00Z",
            "2026-06-01T12:00:30Z",
            Window::default(),
        );
        assert_eq!(
            deadline(&[blocked, ending_soon], now, UTC),
            Some(utc("2026-06-01T12:00:30Z"))
        );
    }

    #[test]
    fn windowed_asset_outside_its_dates_does_not_cap() {
        let now = utc("2026-06-01T12:00:00Z");
        let later = dated(
            "2026-06-01T15:00:00Z",
            "2026-06-02T00:00:00Z",
            window("[1]", Some("08:00"), Some("18:00")),
        );
        assert_eq!(
            deadline(&[later], now, UTC),
            Some(utc("2026-06-01T15:00:00Z"))
        );
    }

    #[test]
    fn deadline_depends_on_device_time() {
        // 06:30 UTC is 08:30 in Berlin, inside the window, so the end date
        // 30 s away is the next change; in UTC the asset is blocked and only
        // the cap applies.
        let now = utc("2026-06-01T06:30:00Z");
        let office = dated(
            "2026-06-01T00:00:00Z",
            "2026-06-01T06:30:30Z",
            window(ALL_DAYS, Some("08:00"), Some("18:00")),
        );
        assert_eq!(
            deadline(std::slice::from_ref(&office), now, Berlin),
            Some(utc("2026-06-01T06:30:30Z"))
        );
        assert_eq!(
            deadline(&[office], now, UTC),
            Some(utc("2026-06-01T06:31:00Z"))
        );
    }

    // clamps

    #[test]
    fn clamp_duration_accepts_integers() {
        let cases = [
            (json!(20), 20),
            (json!(0), 0),
            (json!(-5), 0),
            (json!(DURATION_S_MAX), DURATION_S_MAX),
            (json!(DURATION_S_MAX + 1), DURATION_S_MAX),
            (json!(9_999_999_999_999_i64), DURATION_S_MAX),
            (json!(i64::MAX), DURATION_S_MAX),
            (json!(u64::MAX), DURATION_S_MAX),
            (json!(i64::MIN), 0),
        ];
        for (value, expected) in cases {
            assert_eq!(clamp_duration(&value), expected, "{value}");
        }
    }

    #[test]
    fn clamp_duration_accepts_integral_strings() {
        let cases = [
            ("20", 20),
            ("0", 0),
            ("007", 7),
            (" 20 ", 20),
            ("\t20\n", 20),
            ("\u{1f}20", 20),
            ("+20", 20),
            ("-20", 0),
            ("-0", 0),
            ("1_000", 1000),
            ("31536001", DURATION_S_MAX),
            ("99999999999999999999999999", DURATION_S_MAX),
            ("-99999999999999999999999999", 0),
        ];
        for (text, expected) in cases {
            assert_eq!(clamp_duration(&json!(text)), expected, "{text:?}");
        }
    }

    #[test]
    fn clamp_duration_turns_garbage_into_zero() {
        let strings = [
            "", " ", "20.5", "20.0", "abc", "20s", "0x10", "1e3", "_1", "1_", "1__0", "--1", "+-1",
            "-+1", "- 1", "2 0", "+", "-", "٢٠",
        ];
        for text in strings {
            assert_eq!(clamp_duration(&json!(text)), 0, "{text:?}");
        }
        for value in [
            json!(null),
            json!(true),
            json!(false),
            json!([20]),
            json!({"d": 20}),
        ] {
            assert_eq!(clamp_duration(&value), 0, "{value}");
        }
    }

    #[test]
    fn clamp_duration_truncates_floats() {
        let cases = [
            (json!(20.5), 20),
            (json!(20.9), 20),
            (json!(-0.5), 0),
            (json!(-20.5), 0),
            (json!(1e300), DURATION_S_MAX),
        ];
        for (value, expected) in cases {
            assert_eq!(clamp_duration(&value), expected, "{value}");
        }
    }

    #[test]
    fn clamp_refresh_interval_uses_its_own_range() {
        let cases = [
            (json!(3600), 3600),
            (json!(0), 0),
            (json!(-1), 0),
            (json!(REFRESH_INTERVAL_S_MAX), REFRESH_INTERVAL_S_MAX),
            (json!(REFRESH_INTERVAL_S_MAX + 1), REFRESH_INTERVAL_S_MAX),
            (json!(DURATION_S_MAX), REFRESH_INTERVAL_S_MAX),
            (json!("3600"), 3600),
            (json!(" 90 "), 90),
            (json!("1e3"), 0),
            (json!("x"), 0),
            (json!(null), 0),
            (json!(true), 0),
            (json!(59.9), 59),
        ];
        for (value, expected) in cases {
            assert_eq!(clamp_refresh_interval(&value), expected, "{value}");
        }
    }

    // time parsing and formatting

    #[test]
    fn parse_time_accepts_api_forms() {
        let hms = |h, m, s, us| NaiveTime::from_hms_micro_opt(h, m, s, us).unwrap();
        let cases = [
            ("08:00", hms(8, 0, 0, 0)),
            ("00:00", hms(0, 0, 0, 0)),
            ("8:5", hms(8, 5, 0, 0)),
            ("23:59", hms(23, 59, 0, 0)),
            ("08:00:30", hms(8, 0, 30, 0)),
            ("23:59:59", hms(23, 59, 59, 0)),
            ("8:5:3", hms(8, 5, 3, 0)),
            ("08:00:00.5", hms(8, 0, 0, 500_000)),
            ("08:00:00,25", hms(8, 0, 0, 250_000)),
            ("08:00:00.000001", hms(8, 0, 0, 1)),
            ("08:00:00.123456", hms(8, 0, 0, 123_456)),
            ("08:00:00.1234569", hms(8, 0, 0, 123_456)),
            ("08:00:00.123456789012", hms(8, 0, 0, 123_456)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_time(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn parse_time_rejects_everything_else() {
        let cases = [
            "",
            "08",
            "0800",
            "08:",
            ":00",
            "08:00:",
            "08:00:00.",
            "08:00:00.1234567890123",
            "08:00:00.12a",
            "08:00:00:00",
            "24:00",
            "23:60",
            "23:59:60",
            "123:00",
            "08:000",
            "-1:00",
            "+8:00",
            " 08:00",
            "08:00 ",
            "08:00:00Z",
            "08:00:00+01:00",
            "08h00",
            "０８:00",
        ];
        for text in cases {
            assert_eq!(parse_time(text), None, "{text:?}");
        }
    }

    #[test]
    fn format_time_matches_python_isoformat() {
        let cases = [
            (NaiveTime::from_hms_opt(8, 0, 0), "08:00:00"),
            (NaiveTime::from_hms_opt(0, 0, 0), "00:00:00"),
            (NaiveTime::from_hms_opt(23, 59, 59), "23:59:59"),
            (
                NaiveTime::from_hms_micro_opt(23, 59, 59, 1),
                "23:59:59.000001",
            ),
            (
                NaiveTime::from_hms_micro_opt(12, 34, 56, 500_000),
                "12:34:56.500000",
            ),
            (
                NaiveTime::from_hms_nano_opt(12, 0, 0, 123_456_789),
                "12:00:00.123456",
            ),
            (NaiveTime::from_hms_nano_opt(12, 0, 0, 999), "12:00:00"),
            (
                NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000),
                "23:59:59.500000",
            ),
        ];
        for (time, expected) in cases {
            assert_eq!(format_time(time.unwrap()), expected);
        }
    }

    #[test]
    fn formatted_times_parse_back() {
        for text in ["08:00:00", "23:59:59", "00:00:00.000001", "12:34:56.500000"] {
            assert_eq!(format_time(time(text)), text);
        }
    }
}

/// The vectors the player's TypeScript copy of the rule is tested with too
/// (`tests/vectors/schedule.json`), so the screen and the API cannot disagree.
#[cfg(test)]
mod shared_vectors {
    use super::*;
    use chrono::DateTime;

    const VECTORS: &str = include_str!("../../tests/vectors/schedule.json");

    fn date(v: &Value) -> Option<NaiveDateTime> {
        v.as_str()
            .map(|s| DateTime::parse_from_rfc3339(s).unwrap().naive_utc())
    }

    #[test]
    fn every_shared_vector() {
        let vectors: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
        assert!(vectors.len() > 20);
        for v in vectors {
            let s = &v["schedule"];
            let days: Vec<u8> = s["play_days"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as u8)
                .collect();
            let schedule = Schedule {
                is_enabled: s["is_enabled"].as_bool().unwrap(),
                start: date(&s["start"]),
                end: date(&s["end"]),
                window: Window {
                    play_days: PlayDays::new(days).unwrap(),
                    from: s["from"].as_str().and_then(parse_time),
                    to: s["to"].as_str().and_then(parse_time),
                },
            };
            let tz: Tz = v["timezone"].as_str().unwrap().parse().unwrap();
            let now = DateTime::parse_from_rfc3339(v["now"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(
                schedule.is_active(now, tz),
                v["active"].as_bool().unwrap(),
                "{}",
                v["name"]
            );
        }
    }
}
