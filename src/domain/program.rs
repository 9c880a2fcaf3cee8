//! What a screen plays at a moment (docs/programming.md): the newest active interrupt aimed at
//! it; else the playlists of the active schedules aimed at it with the highest priority,
//! merged item by item; else the tenant's default playlist.
//!
//! One implementation: the API's timeline, the player's payload and, through shared vectors
//! (`tests/vectors/program.json`), the player's TypeScript copy (`web/src/player/program.ts`)
//! all follow it. No I/O: the clock and the time zone are passed in.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::schedule::Window;

/// Whom a schedule or an interrupt is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub all: bool,
    pub screen_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

impl Targets {
    /// Whether the screen (with its group) is aimed at.
    pub fn aims_at(&self, screen: &ScreenRef) -> bool {
        self.all
            || screen
                .id
                .as_deref()
                .is_some_and(|id| self.screen_ids.iter().any(|s| s == id))
            || screen
                .group_id
                .as_deref()
                .is_some_and(|g| self.group_ids.iter().any(|x| x == g))
    }
}

/// The screen the rule is asked about (`id: None`: a player that is no paired screen, which
/// only `all` reaches).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenRef {
    pub id: Option<String>,
    pub group_id: Option<String>,
}

/// Highest schedule priority.
pub const PRIORITY_MAX: i32 = 100;

/// A schedule as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: String,
    pub playlist_id: String,
    pub targets: Targets,
    pub is_enabled: bool,
    /// UTC; `None`: open.
    pub start: Option<NaiveDateTime>,
    pub end: Option<NaiveDateTime>,
    /// Weekdays and daily window, in the tenant's time zone (the asset rule's window).
    pub window: Window,
    pub priority: i32,
    pub created_at: NaiveDateTime,
}

impl Slot {
    /// Whether the schedule plays at `t` (for whomever it aims at).
    pub fn is_active(&self, t: DateTime<Utc>, tz: Tz) -> bool {
        let at = t.naive_utc();
        self.is_enabled
            && self.start.is_none_or(|s| s <= at)
            && self.end.is_none_or(|e| at < e)
            && self.window.matches(t.with_timezone(&tz).naive_local())
    }
}

/// An interrupt as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interruption {
    pub id: String,
    pub targets: Targets,
    pub created_at: NaiveDateTime,
    /// It ends by itself then (exclusive).
    pub until: Option<NaiveDateTime>,
    /// Someone ended it then.
    pub ended_at: Option<NaiveDateTime>,
}

impl Interruption {
    pub fn is_active(&self, t: DateTime<Utc>) -> bool {
        let at = t.naive_utc();
        self.created_at <= at
            && self.until.is_none_or(|u| at < u)
            && self.ended_at.is_none_or(|e| at < e)
    }
}

/// What plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Interrupt(String),
    /// The schedules that won (same priority) and their playlists, in merge order.
    Schedules {
        schedule_ids: Vec<String>,
        playlist_ids: Vec<String>,
    },
    Default,
}

impl Source {
    pub fn name(&self) -> &'static str {
        match self {
            Source::Interrupt(_) => "interrupt",
            Source::Schedules { .. } => "schedule",
            Source::Default => "default",
        }
    }
}

/// The rule: what `screen` plays at `t`.
pub fn at(
    t: DateTime<Utc>,
    tz: Tz,
    screen: &ScreenRef,
    schedules: &[Slot],
    interrupts: &[Interruption],
) -> Source {
    let newest = interrupts
        .iter()
        .filter(|i| i.targets.aims_at(screen) && i.is_active(t))
        .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    if let Some(i) = newest {
        return Source::Interrupt(i.id.clone());
    }
    let mut active: Vec<&Slot> = schedules
        .iter()
        .filter(|s| s.targets.aims_at(screen) && s.is_active(t, tz))
        .collect();
    let Some(top) = active.iter().map(|s| s.priority).max() else {
        return Source::Default;
    };
    active.retain(|s| s.priority == top);
    active.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    Source::Schedules {
        schedule_ids: active.iter().map(|s| s.id.clone()).collect(),
        playlist_ids: active.iter().map(|s| s.playlist_id.clone()).collect(),
    }
}

/// Several playlists played as one: item by item in turn (`[a,b,c]`, `[x,y]` → `a,x,b,y,c`).
pub fn merge<T: Clone>(lists: &[Vec<T>]) -> Vec<T> {
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for i in 0..longest {
        for list in lists {
            if let Some(item) = list.get(i) {
                out.push(item.clone());
            }
        }
    }
    out
}

/// One stretch of a timeline: from `start` (inclusive) to `end` (exclusive), `source` plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub source: Source,
}

/// The instants in `local` day `day` at wall-clock `time`: one, none in a spring-forward gap
/// (then the first instant after it, when the clocks jump), two in an autumn overlap.
fn instants(tz: Tz, day: NaiveDate, time: chrono::NaiveTime) -> Vec<DateTime<Utc>> {
    let naive = day.and_time(time);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
        chrono::LocalResult::Ambiguous(a, b) => {
            vec![a.with_timezone(&Utc), b.with_timezone(&Utc)]
        }
        chrono::LocalResult::None => {
            // Gaps are at most a few hours; the first valid minute after is when the clocks
            // jumped.
            (1..=240)
                .map(|m| naive + Duration::minutes(m))
                .find_map(|n| tz.from_local_datetime(&n).earliest())
                .map(|t| t.with_timezone(&Utc))
                .into_iter()
                .collect()
        }
    }
}

/// The plan for `screen` from `from` to `to`: the rule evaluated at every instant anything can
/// change (schedule dates, window edges and local midnights, interrupt starts and ends),
/// consecutive equal segments merged.
pub fn timeline(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: Tz,
    screen: &ScreenRef,
    schedules: &[Slot],
    interrupts: &[Interruption],
) -> Vec<Segment> {
    if from >= to {
        return Vec::new();
    }
    let mine: Vec<Slot> = schedules
        .iter()
        .filter(|s| s.is_enabled && s.targets.aims_at(screen))
        .cloned()
        .collect();
    let theirs: Vec<Interruption> = interrupts
        .iter()
        .filter(|i| i.targets.aims_at(screen))
        .cloned()
        .collect();
    let mut cuts: Vec<DateTime<Utc>> = vec![from, to];
    for s in &mine {
        cuts.extend(s.start.iter().chain(s.end.iter()).map(|t| t.and_utc()));
    }
    for i in &theirs {
        cuts.push(i.created_at.and_utc());
        cuts.extend(i.until.iter().chain(i.ended_at.iter()).map(|t| t.and_utc()));
    }
    let midnight = chrono::NaiveTime::MIN;
    let first = from.with_timezone(&tz).date_naive() - Duration::days(1);
    let last = to.with_timezone(&tz).date_naive() + Duration::days(1);
    let mut day = first;
    while day <= last {
        cuts.extend(instants(tz, day, midnight));
        for s in &mine {
            for t in [s.window.from, s.window.to].into_iter().flatten() {
                cuts.extend(instants(tz, day, t));
            }
        }
        day += Duration::days(1);
    }
    cuts.retain(|t| *t >= from && *t <= to);
    cuts.sort();
    cuts.dedup();
    let mut out: Vec<Segment> = Vec::new();
    for pair in cuts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let source = at(start, tz, screen, &mine, &theirs);
        match out.last_mut() {
            Some(last) if last.source == source && last.end == start => last.end = end,
            _ => out.push(Segment { start, end, source }),
        }
    }
    out
}

/// Longest timeline answered at once.
pub const TIMELINE_MAX: Duration = Duration::days(31);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::{PlayDays, parse_time};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn slot(id: &str, priority: i32, from: Option<&str>, to: Option<&str>) -> Slot {
        Slot {
            id: id.into(),
            playlist_id: format!("p-{id}"),
            targets: Targets {
                all: true,
                ..Targets::default()
            },
            is_enabled: true,
            start: None,
            end: None,
            window: Window {
                play_days: PlayDays::all(),
                from: from.and_then(parse_time),
                to: to.and_then(parse_time),
            },
            priority,
            created_at: t("2026-01-01T00:00:00Z").naive_utc(),
        }
    }

    #[test]
    fn merge_takes_turns() {
        let m = merge(&[vec!['a', 'b', 'c'], vec!['x', 'y']]);
        assert_eq!(m, vec!['a', 'x', 'b', 'y', 'c']);
        assert_eq!(merge::<char>(&[]), Vec::<char>::new());
        assert_eq!(merge(&[vec![1], vec![], vec![2, 3]]), vec![1, 2, 3]);
    }

    #[test]
    fn the_highest_priority_wins_and_equals_merge() {
        let screen = ScreenRef::default();
        let tz = chrono_tz::UTC;
        let now = t("2026-12-07T12:00:00Z");
        let low = slot("low", 10, None, None);
        let high = slot("high", 60, None, None);
        let mut high2 = slot("high2", 60, None, None);
        high2.created_at = t("2026-02-01T00:00:00Z").naive_utc();
        assert_eq!(at(now, tz, &screen, &[], &[]), Source::Default);
        assert_eq!(
            at(
                now,
                tz,
                &screen,
                &[low.clone(), high2.clone(), high.clone()],
                &[]
            ),
            Source::Schedules {
                schedule_ids: vec!["high".into(), "high2".into()],
                playlist_ids: vec!["p-high".into(), "p-high2".into()],
            }
        );
        let i = Interruption {
            id: "i".into(),
            targets: Targets {
                all: true,
                ..Targets::default()
            },
            created_at: t("2026-12-07T11:00:00Z").naive_utc(),
            until: Some(t("2026-12-07T13:00:00Z").naive_utc()),
            ended_at: None,
        };
        assert_eq!(
            at(
                now,
                tz,
                &screen,
                std::slice::from_ref(&high),
                std::slice::from_ref(&i)
            ),
            Source::Interrupt("i".into())
        );
        assert_eq!(
            at(t("2026-12-07T13:00:00Z"), tz, &screen, &[high], &[i]),
            Source::Schedules {
                schedule_ids: vec!["high".into()],
                playlist_ids: vec!["p-high".into()],
            },
            "until is exclusive"
        );
    }

    #[test]
    fn targets_reach_screens_directly_or_through_their_group() {
        let target = Targets {
            all: false,
            screen_ids: vec!["s1".into()],
            group_ids: vec!["g1".into()],
        };
        let s = |id: &str, g: Option<&str>| ScreenRef {
            id: Some(id.into()),
            group_id: g.map(str::to_string),
        };
        assert!(target.aims_at(&s("s1", None)));
        assert!(target.aims_at(&s("s2", Some("g1"))));
        assert!(!target.aims_at(&s("s2", Some("g2"))));
        assert!(!target.aims_at(&ScreenRef::default()));
    }

    #[test]
    fn the_timeline_cuts_at_window_edges_and_merges() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let breakfast = slot("b", 50, Some("06:00"), Some("10:00"));
        let plan = timeline(
            t("2026-12-07T00:00:00Z"),
            t("2026-12-08T00:00:00Z"),
            tz,
            &ScreenRef::default(),
            &[breakfast],
            &[],
        );
        let starts: Vec<String> = plan.iter().map(|s| s.start.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2026-12-07T00:00:00+00:00",
                "2026-12-07T05:00:00+00:00",
                "2026-12-07T09:00:00+00:00"
            ]
        );
        assert_eq!(plan[1].source.name(), "schedule");
        assert_eq!(plan[2].end, t("2026-12-08T00:00:00Z"));
    }

    #[test]
    fn a_window_starting_in_a_spring_gap_starts_when_the_clocks_jump() {
        // Berlin, 2026-03-29: 02:00 becomes 03:00 (01:00Z).
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let s = slot("s", 50, Some("02:30"), Some("04:00"));
        let plan = timeline(
            t("2026-03-29T00:00:00Z"),
            t("2026-03-29T04:00:00Z"),
            tz,
            &ScreenRef::default(),
            &[s],
            &[],
        );
        assert_eq!(plan.len(), 3, "{plan:?}");
        assert_eq!(plan[1].start, t("2026-03-29T01:00:00Z"));
        assert_eq!(plan[1].end, t("2026-03-29T02:00:00Z"));
    }
}

/// The vectors the player's TypeScript copy of the rule is tested with too
/// (`tests/vectors/program.json`), so the screen and the API cannot disagree.
#[cfg(test)]
mod shared_vectors {
    use super::*;
    use crate::domain::schedule::{PlayDays, parse_time};
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../tests/vectors/program.json");

    fn date(v: &Value) -> Option<NaiveDateTime> {
        v.as_str()
            .map(|s| DateTime::parse_from_rfc3339(s).unwrap().naive_utc())
    }

    fn strings(v: &Value) -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }

    fn targets(v: &Value) -> Targets {
        Targets {
            all: v["all"].as_bool().unwrap_or(false),
            screen_ids: strings(&v["screen_ids"]),
            group_ids: strings(&v["group_ids"]),
        }
    }

    #[test]
    fn every_shared_vector() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let rule = all["rule"].as_array().unwrap();
        assert!(rule.len() > 30);
        for v in rule {
            let name = v["name"].as_str().unwrap();
            let tz: Tz = v["timezone"].as_str().unwrap().parse().unwrap();
            let now = DateTime::parse_from_rfc3339(v["at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc);
            let screen = ScreenRef {
                id: v["screen"]["id"].as_str().map(str::to_string),
                group_id: v["screen"]["group_id"].as_str().map(str::to_string),
            };
            let schedules: Vec<Slot> = v["schedules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| Slot {
                    id: s["id"].as_str().unwrap().into(),
                    playlist_id: s["playlist_id"].as_str().unwrap().into(),
                    targets: targets(&s["targets"]),
                    is_enabled: s["is_enabled"].as_bool().unwrap(),
                    start: date(&s["start"]),
                    end: date(&s["end"]),
                    window: Window {
                        play_days: PlayDays::new(
                            s["play_days"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|d| d.as_u64().unwrap() as u8),
                        )
                        .unwrap(),
                        from: s["from"].as_str().and_then(parse_time),
                        to: s["to"].as_str().and_then(parse_time),
                    },
                    priority: s["priority"].as_i64().unwrap() as i32,
                    created_at: date(&s["created_at"]).unwrap(),
                })
                .collect();
            let interrupts: Vec<Interruption> = v["interrupts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| Interruption {
                    id: i["id"].as_str().unwrap().into(),
                    targets: targets(&i["targets"]),
                    created_at: date(&i["created_at"]).unwrap(),
                    until: date(&i["until"]),
                    ended_at: date(&i["ended_at"]),
                })
                .collect();
            let got = at(now, tz, &screen, &schedules, &interrupts);
            // The timeline around the vector's moment says the same.
            let plan = timeline(
                now - Duration::days(2),
                now + Duration::days(2),
                tz,
                &screen,
                &schedules,
                &interrupts,
            );
            let covering = plan
                .iter()
                .find(|seg| seg.start <= now && now < seg.end)
                .unwrap_or_else(|| panic!("{name}: no segment covers {now}"));
            assert_eq!(covering.source, got, "{name}: timeline");
            assert!(
                plan.windows(2)
                    .all(|w| w[0].end == w[1].start && w[0].source != w[1].source),
                "{name}: segments touch and equal neighbours are merged"
            );
            let e = &v["expect"];
            let want = match e["source"].as_str().unwrap() {
                "interrupt" => Source::Interrupt(e["interrupt_id"].as_str().unwrap().into()),
                "schedule" => Source::Schedules {
                    schedule_ids: strings(&e["schedule_ids"]),
                    playlist_ids: strings(&e["playlist_ids"]),
                },
                _ => Source::Default,
            };
            assert_eq!(got, want, "{name}");
        }
        for m in all["merge"].as_array().unwrap() {
            let lists: Vec<Vec<String>> =
                m["lists"].as_array().unwrap().iter().map(strings).collect();
            assert_eq!(merge(&lists), strings(&m["expect"]), "{}", m["name"]);
        }
    }
}
