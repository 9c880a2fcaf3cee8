//! What plays where and when (docs/programming.md): playlists, schedules aimed at screens or
//! groups, interrupts, a screen's timeline, and the program a player takes with its playlist.
//! The rule itself is `domain::program`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::models::program::{self as rows, Interrupt, Item, Playlist, Schedule};
use crate::db::models::screen;
use crate::domain::program::{self as rule, Interruption, ScreenRef, Slot, Targets};
use crate::domain::schedule::{PlayDays, Window, format_time, parse_time};
use crate::error::Error;
use crate::events::Event;
use crate::services::context::Ctx;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Tells screens (they fetch their program again) and open UIs.
fn changed(ctx: &Ctx<'_>) {
    ctx.core.events.publish(Event::AssetsChanged {
        tenant_id: ctx.tenant_id().to_string(),
        asset_id: None,
    });
}

// ---- targets ----

/// Targets as the API takes and shows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TargetsJson {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
}

impl TargetsJson {
    fn rule(&self) -> Targets {
        Targets {
            all: self.all,
            screen_ids: self.screen_ids.clone().unwrap_or_default(),
            group_ids: self.group_ids.clone().unwrap_or_default(),
        }
    }

    /// From a stored value (malformed: aimed at nobody).
    pub fn parse(stored: &str) -> TargetsJson {
        serde_json::from_str(stored).unwrap_or_default()
    }

    /// The stored form: `{"all":true}` or both lists.
    fn normalized(&self) -> TargetsJson {
        if self.all {
            return TargetsJson {
                all: true,
                ..TargetsJson::default()
            };
        }
        TargetsJson {
            all: false,
            screen_ids: Some(self.screen_ids.clone().unwrap_or_default()),
            group_ids: Some(self.group_ids.clone().unwrap_or_default()),
        }
    }
}

/// Checks that targets aim at something of this tenant; the stored text.
fn check_targets(
    c: &mut crate::db::AnyConnection,
    s: &crate::tenancy::TenantScope,
    t: &TargetsJson,
) -> Result<String, Error> {
    let t = t.normalized();
    let (screens, groups) = (
        t.screen_ids.clone().unwrap_or_default(),
        t.group_ids.clone().unwrap_or_default(),
    );
    if !t.all && screens.is_empty() && groups.is_empty() {
        return Err(Error::invalid(
            "targets",
            "Aim at something: {\"all\": true} or screen_ids / group_ids.",
        ));
    }
    if screens.len() + groups.len() > 1000 {
        return Err(Error::invalid(
            "targets",
            "At most 1000 screens and groups.",
        ));
    }
    for id in &screens {
        if screen::find(c, s, id)?.is_none() {
            return Err(Error::invalid(
                "targets",
                format!("No screen {id} in this tenant."),
            ));
        }
    }
    for id in &groups {
        if screen::find_group(c, s, id)?.is_none() {
            return Err(Error::invalid(
                "targets",
                format!("No group {id} in this tenant."),
            ));
        }
    }
    Ok(serde_json::to_string(&t).unwrap_or_else(|_| "{}".into()))
}

// ---- playlists ----

/// A playlist with its items.
pub struct FullPlaylist {
    pub playlist: Playlist,
    pub items: Vec<Item>,
}

fn with_items(playlists: Vec<Playlist>, items: Vec<Item>) -> Vec<FullPlaylist> {
    let mut by: HashMap<String, Vec<Item>> = HashMap::new();
    for i in items {
        by.entry(i.playlist_id.clone()).or_default().push(i);
    }
    playlists
        .into_iter()
        .map(|p| FullPlaylist {
            items: by.remove(&p.id).unwrap_or_default(),
            playlist: p,
        })
        .collect()
}

fn no_playlist() -> Error {
    Error::NotFound("No playlist with this id in this tenant.".into())
}

pub async fn playlists(ctx: &Ctx<'_>) -> Result<Vec<FullPlaylist>, Error> {
    let (p, i) = ctx
        .read(|c, s| Ok((rows::playlists(c, s)?, rows::items(c, s, None)?)))
        .await?;
    Ok(with_items(p, i))
}

pub async fn playlist(ctx: &Ctx<'_>, id: &str) -> Result<FullPlaylist, Error> {
    let id = id.to_string();
    ctx.read(move |c, s| {
        let p = rows::find_playlist(c, s, &id)?.ok_or_else(no_playlist)?;
        let items = rows::items(c, s, Some(std::slice::from_ref(&id)))?;
        Ok(FullPlaylist { playlist: p, items })
    })
    .await
}

/// An item as the API takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub asset_id: String,
    pub duration: Option<i64>,
}

/// Most items in a playlist.
const ITEMS_MAX: usize = 1000;

fn check_items(
    c: &mut crate::db::AnyConnection,
    s: &crate::tenancy::TenantScope,
    playlist_id: &str,
    items: &[ItemInput],
) -> Result<Vec<Item>, Error> {
    if items.len() > ITEMS_MAX {
        return Err(Error::invalid(
            "items",
            format!("At most {ITEMS_MAX} items."),
        ));
    }
    let wanted: BTreeSet<String> = items.iter().map(|i| i.asset_id.clone()).collect();
    let known = crate::db::models::asset::existing_ids(c, s, &wanted)?;
    let mut out = Vec::with_capacity(items.len());
    for (n, i) in items.iter().enumerate() {
        if !known.contains(&i.asset_id) {
            return Err(Error::invalid(
                "items",
                format!("Item {n}: no asset {} in this tenant.", i.asset_id),
            ));
        }
        if let Some(d) = i.duration
            && !(1..=86_400).contains(&d)
        {
            return Err(Error::invalid(
                "items",
                format!("Item {n}: duration is 1 to 86400 seconds, or null for the asset's own."),
            ));
        }
        out.push(Item {
            playlist_id: playlist_id.to_string(),
            position: n as i32,
            tenant_id: s.id().to_string(),
            asset_id: i.asset_id.clone(),
            duration: i.duration.map(|d| d as i32),
        });
    }
    Ok(out)
}

fn check_playlist_name(name: &str) -> Result<String, Error> {
    crate::domain::screen::check_name(name).map_err(|m| Error::invalid("name", m))
}

pub async fn create_playlist(
    ctx: &Ctx<'_>,
    name: &str,
    shuffle: bool,
    items: Vec<ItemInput>,
) -> Result<FullPlaylist, Error> {
    let name = check_playlist_name(name)?;
    let at = now();
    let p = Playlist {
        id: new_id(),
        tenant_id: ctx.tenant_id().to_string(),
        name,
        shuffle,
        created_at: at,
        updated_at: at,
    };
    let audit = ctx.audit();
    let made = ctx
        .write(move |c, s| {
            let items = check_items(c, s, &p.id, &items)?;
            rows::insert_playlist(c, &p)?;
            rows::set_items(c, s, &p.id, &items)?;
            audit.record(
                c,
                s,
                "playlist.created",
                Some(("playlist", &p.id)),
                json!({ "name": p.name, "items": items.len() }),
            )?;
            Ok(FullPlaylist { playlist: p, items })
        })
        .await?;
    changed(ctx);
    Ok(made)
}

pub async fn update_playlist(
    ctx: &Ctx<'_>,
    id: &str,
    name: Option<String>,
    shuffle: Option<bool>,
    items: Option<Vec<ItemInput>>,
) -> Result<FullPlaylist, Error> {
    let name = name.as_deref().map(check_playlist_name).transpose()?;
    let (id, audit) = (id.to_string(), ctx.audit());
    let done = ctx
        .write(move |c, s| {
            rows::find_playlist(c, s, &id)?.ok_or_else(no_playlist)?;
            if let Some(items) = &items {
                let items = check_items(c, s, &id, items)?;
                rows::set_items(c, s, &id, &items)?;
            }
            rows::update_playlist(c, s, &id, name.as_deref(), shuffle, now())?;
            let p = rows::find_playlist(c, s, &id)?.ok_or_else(no_playlist)?;
            let items = rows::items(c, s, Some(std::slice::from_ref(&id)))?;
            audit.record(
                c,
                s,
                "playlist.updated",
                Some(("playlist", &id)),
                json!({ "name": p.name, "items": items.len() }),
            )?;
            Ok(FullPlaylist { playlist: p, items })
        })
        .await?;
    changed(ctx);
    Ok(done)
}

/// Deletes a playlist no schedule plays (else 409 naming the schedules).
pub async fn delete_playlist(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (id, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        let p = rows::find_playlist(c, s, &id)?.ok_or_else(no_playlist)?;
        let users = rows::schedules_of_playlist(c, s, &id)?;
        if !users.is_empty() {
            let names: Vec<String> = users.iter().map(|(_, n)| format!("\"{n}\"")).collect();
            return Err(Error::Conflict(format!(
                "Schedules play this playlist: {}; delete them or give them another playlist first.",
                names.join(", ")
            )));
        }
        rows::delete_playlist(c, s, &id)?;
        audit.record(
            c,
            s,
            "playlist.deleted",
            Some(("playlist", &id)),
            json!({ "name": p.name }),
        )
    })
    .await?;
    changed(ctx);
    Ok(())
}

// ---- schedules ----

fn no_schedule() -> Error {
    Error::NotFound("No schedule with this id in this tenant.".into())
}

/// A schedule as the API takes it; absent fields are unchanged (PATCH) or defaults (POST).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    pub name: Option<String>,
    pub playlist_id: Option<String>,
    pub targets: Option<TargetsJson>,
    #[serde(default, deserialize_with = "nullable")]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub end_date: Option<Option<String>>,
    pub play_days: Option<Vec<u8>>,
    #[serde(default, deserialize_with = "nullable")]
    pub play_time_from: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub play_time_to: Option<Option<String>>,
    pub priority: Option<i64>,
    pub is_enabled: Option<bool>,
}

fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn date(field: &str, v: Option<String>) -> Result<Option<NaiveDateTime>, Error> {
    v.map(|s| {
        crate::domain::time::parse_datetime(&s).ok_or_else(|| {
            Error::invalid(
                field,
                format!("{field} must be an ISO 8601 date and time, e.g. 2026-12-24T18:00:00Z."),
            )
        })
    })
    .transpose()
}

fn time(field: &str, v: Option<String>) -> Result<Option<String>, Error> {
    v.map(|s| {
        parse_time(&s).map(format_time).ok_or_else(|| {
            Error::invalid(
                field,
                format!("{field} is a time of day: HH:MM or HH:MM:SS."),
            )
        })
    })
    .transpose()
}

/// Applies `input` to `row`, checking every rule; `playlist_id` and `targets` checked against
/// the tenant.
fn apply(
    c: &mut crate::db::AnyConnection,
    s: &crate::tenancy::TenantScope,
    row: &mut Schedule,
    input: ScheduleInput,
) -> Result<(), Error> {
    if let Some(n) = input.name {
        row.name = crate::domain::screen::check_name(&n).map_err(|m| Error::invalid("name", m))?;
    }
    if let Some(p) = input.playlist_id {
        if rows::find_playlist(c, s, &p)?.is_none() {
            return Err(Error::invalid(
                "playlist_id",
                "No playlist with this id in this tenant.",
            ));
        }
        row.playlist_id = p;
    }
    if let Some(t) = input.targets {
        row.targets = check_targets(c, s, &t)?;
    }
    if let Some(v) = input.start_date {
        row.start_date = date("start_date", v)?;
    }
    if let Some(v) = input.end_date {
        row.end_date = date("end_date", v)?;
    }
    if let (Some(a), Some(b)) = (row.start_date, row.end_date)
        && b <= a
    {
        return Err(Error::invalid(
            "end_date",
            "end_date must be after start_date.",
        ));
    }
    if let Some(days) = input.play_days {
        let days = PlayDays::new(days).ok_or_else(|| {
            Error::invalid(
                "play_days",
                "play_days lists ISO weekdays (1 = Monday … 7 = Sunday), at least one.",
            )
        })?;
        row.play_days = days.to_json_text();
    }
    if let Some(v) = input.play_time_from {
        row.play_time_from = time("play_time_from", v)?;
    }
    if let Some(v) = input.play_time_to {
        row.play_time_to = time("play_time_to", v)?;
    }
    if row.play_time_from.is_some() != row.play_time_to.is_some() {
        return Err(Error::invalid(
            "play_time_to",
            "Give both play_time_from and play_time_to, or neither.",
        ));
    }
    if let Some(p) = input.priority {
        if !(0..=i64::from(rule::PRIORITY_MAX)).contains(&p) {
            return Err(Error::invalid("priority", "priority is 0 to 100."));
        }
        row.priority = p as i32;
    }
    if let Some(e) = input.is_enabled {
        row.is_enabled = e;
    }
    Ok(())
}

pub async fn schedules(ctx: &Ctx<'_>) -> Result<Vec<Schedule>, Error> {
    ctx.read(rows::schedules).await
}

pub async fn schedule(ctx: &Ctx<'_>, id: &str) -> Result<Schedule, Error> {
    let id = id.to_string();
    ctx.read(move |c, s| rows::find_schedule(c, s, &id))
        .await?
        .ok_or_else(no_schedule)
}

/// Most schedules per tenant: what a screen's timeline and program are computed from stays
/// bounded.
pub const SCHEDULES_MAX: usize = 500;

/// Most instants a timeline is cut at (days × window edges); past it the range must narrow.
const TIMELINE_CUTS_MAX: usize = 40_000;

pub async fn create_schedule(ctx: &Ctx<'_>, input: ScheduleInput) -> Result<Schedule, Error> {
    for (field, missing) in [
        ("name", input.name.is_none()),
        ("playlist_id", input.playlist_id.is_none()),
        ("targets", input.targets.is_none()),
    ] {
        if missing {
            return Err(Error::invalid(field, format!("{field} is required.")));
        }
    }
    let at = now();
    let mut row = Schedule {
        id: new_id(),
        tenant_id: ctx.tenant_id().to_string(),
        name: String::new(),
        playlist_id: String::new(),
        targets: String::new(),
        start_date: None,
        end_date: None,
        play_days: PlayDays::all().to_json_text(),
        play_time_from: None,
        play_time_to: None,
        priority: 50,
        is_enabled: true,
        created_at: at,
        updated_at: at,
    };
    let audit = ctx.audit();
    let made = ctx
        .write(move |c, s| {
            if rows::schedules(c, s)?.len() >= SCHEDULES_MAX {
                return Err(Error::LimitExceeded(format!(
                    "A tenant has at most {SCHEDULES_MAX} schedules; delete some that ended."
                )));
            }
            apply(c, s, &mut row, input)?;
            rows::insert_schedule(c, &row)?;
            audit.record(
                c,
                s,
                "schedule.created",
                Some(("schedule", &row.id)),
                json!({ "name": row.name, "priority": row.priority }),
            )?;
            Ok(row)
        })
        .await?;
    changed(ctx);
    Ok(made)
}

pub async fn update_schedule(
    ctx: &Ctx<'_>,
    id: &str,
    input: ScheduleInput,
) -> Result<Schedule, Error> {
    let (id, audit) = (id.to_string(), ctx.audit());
    let done = ctx
        .write(move |c, s| {
            let mut row = rows::find_schedule(c, s, &id)?.ok_or_else(no_schedule)?;
            apply(c, s, &mut row, input)?;
            row.updated_at = now();
            rows::save_schedule(c, &row)?;
            audit.record(
                c,
                s,
                "schedule.updated",
                Some(("schedule", &row.id)),
                json!({ "name": row.name, "priority": row.priority }),
            )?;
            Ok(row)
        })
        .await?;
    changed(ctx);
    Ok(done)
}

pub async fn delete_schedule(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (id, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        let row = rows::find_schedule(c, s, &id)?.ok_or_else(no_schedule)?;
        rows::delete_schedule(c, s, &id)?;
        audit.record(
            c,
            s,
            "schedule.deleted",
            Some(("schedule", &id)),
            json!({ "name": row.name }),
        )
    })
    .await?;
    changed(ctx);
    Ok(())
}

// ---- interrupts ----

/// A full-screen message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub text: String,
    #[serde(default = "default_background")]
    pub background: String,
    #[serde(default = "default_color")]
    pub color: String,
}

fn default_background() -> String {
    "#000000".into()
}

fn default_color() -> String {
    "#ffffff".into()
}

fn is_colour(c: &str) -> bool {
    let hex = c.strip_prefix('#').unwrap_or("");
    matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What starts an interrupt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterruptInput {
    pub targets: TargetsJson,
    pub asset_id: Option<String>,
    pub message: Option<Message>,
    pub until: Option<String>,
}

fn no_interrupt() -> Error {
    Error::NotFound("No interrupt with this id in this tenant.".into())
}

pub async fn interrupts(ctx: &Ctx<'_>, all: bool) -> Result<Vec<Interrupt>, Error> {
    let live = (!all).then(now);
    ctx.read(move |c, s| rows::interrupts(c, s, live)).await
}

/// Starts an interrupt: the targeted screens show it within a second.
pub async fn start_interrupt(ctx: &Ctx<'_>, input: InterruptInput) -> Result<Interrupt, Error> {
    let message = match (&input.asset_id, input.message) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "message",
                "Give asset_id or message, not both.",
            ));
        }
        (None, None) => {
            return Err(Error::invalid(
                "asset_id",
                "Give asset_id (an asset to show) or message ({\"text\": …}).",
            ));
        }
        (_, Some(m)) => {
            let text = m.text.trim();
            if text.is_empty() || text.chars().count() > 500 {
                return Err(Error::invalid(
                    "message",
                    "message.text is 1 to 500 characters.",
                ));
            }
            if !is_colour(&m.background) || !is_colour(&m.color) {
                return Err(Error::invalid(
                    "message",
                    "message.background and message.color are #rgb or #rrggbb.",
                ));
            }
            Some(Message {
                text: text.to_string(),
                ..m
            })
        }
        (Some(_), None) => None,
    };
    let at = now();
    let until = date("until", input.until)?;
    if until.is_some_and(|u| u <= at) {
        return Err(Error::invalid("until", "until must be in the future."));
    }
    let mut row = Interrupt {
        id: new_id(),
        tenant_id: ctx.tenant_id().to_string(),
        targets: String::new(),
        asset_id: input.asset_id.clone(),
        message: message.map(|m| serde_json::to_string(&m).unwrap_or_default()),
        until,
        created_by: actor_id(ctx),
        created_at: at,
        ended_at: None,
    };
    let (targets, audit) = (input.targets, ctx.audit());
    let asset = input.asset_id;
    let made = ctx
        .write(move |c, s| {
            row.targets = check_targets(c, s, &targets)?;
            if let Some(a) = &asset
                && crate::db::models::asset::get(c, s, a)?.is_none()
            {
                return Err(Error::invalid(
                    "asset_id",
                    "No asset with this id in this tenant.",
                ));
            }
            rows::insert_interrupt(c, &row)?;
            audit.record(
                c,
                s,
                "interrupt.started",
                Some(("interrupt", &row.id)),
                json!({ "targets": TargetsJson::parse(&row.targets), "asset_id": row.asset_id }),
            )?;
            Ok(row)
        })
        .await?;
    changed(ctx);
    Ok(made)
}

/// Ends an interrupt now.
pub async fn end_interrupt(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (id, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        rows::find_interrupt(c, s, &id)?.ok_or_else(no_interrupt)?;
        if rows::end_interrupt(c, s, &id, now())? {
            audit.record(c, s, "interrupt.ended", Some(("interrupt", &id)), json!({}))?;
        }
        Ok(())
    })
    .await?;
    changed(ctx);
    Ok(())
}

#[cfg(feature = "cloud")]
fn actor_id(ctx: &Ctx<'_>) -> Option<String> {
    ctx.actor.as_ref().map(|a| a.id.clone())
}

#[cfg(not(feature = "cloud"))]
fn actor_id(_: &Ctx<'_>) -> Option<String> {
    None
}

// ---- the rule's inputs ----

/// A schedule row as the rule reads it.
pub fn slot(s: &Schedule) -> Slot {
    Slot {
        id: s.id.clone(),
        playlist_id: s.playlist_id.clone(),
        targets: TargetsJson::parse(&s.targets).rule(),
        is_enabled: s.is_enabled,
        start: s.start_date,
        end: s.end_date,
        window: Window {
            play_days: PlayDays::from_json_text(&s.play_days),
            from: s.play_time_from.as_deref().and_then(parse_time),
            to: s.play_time_to.as_deref().and_then(parse_time),
        },
        priority: s.priority,
        created_at: s.created_at,
    }
}

/// An interrupt row as the rule reads it.
pub fn interruption(i: &Interrupt) -> Interruption {
    Interruption {
        id: i.id.clone(),
        targets: TargetsJson::parse(&i.targets).rule(),
        created_at: i.created_at,
        until: i.until,
        ended_at: i.ended_at,
    }
}

/// The plan for a screen of the tenant from `from` to `to` (at most 31 days).
pub async fn timeline(
    ctx: &Ctx<'_>,
    screen_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<rule::Segment>, Error> {
    if to <= from {
        return Err(Error::invalid("to", "to must be after from."));
    }
    if to - from > rule::TIMELINE_MAX {
        return Err(Error::invalid("to", "A timeline covers at most 31 days."));
    }
    let tz = ctx.tz().await?;
    let id = screen_id.to_string();
    let (scr, schedules, interrupts) = ctx
        .read(move |c, s| {
            let scr = screen::find(c, s, &id)?
                .ok_or_else(|| Error::NotFound("No screen with this id in this tenant.".into()))?;
            Ok((scr, rows::schedules(c, s)?, rows::interrupts(c, s, None)?))
        })
        .await?;
    let who = ScreenRef {
        id: Some(scr.id),
        group_id: scr.group_id,
    };
    let slots: Vec<Slot> = schedules.iter().map(slot).collect();
    let stops: Vec<Interruption> = interrupts.iter().map(interruption).collect();
    let days = (to - from).num_days() as usize + 3;
    if days * (1 + 2 * slots.len()) + 3 * stops.len() > TIMELINE_CUTS_MAX {
        return Err(Error::invalid(
            "to",
            "This screen has too many schedules for a timeline this long; ask for fewer days.",
        ));
    }
    // CPU work: off the request threads.
    tokio::task::spawn_blocking(move || rule::timeline(from, to, tz, &who, &slots, &stops))
        .await
        .map_err(|e| Error::Internal(format!("timeline: {e}")))
}

/// What a player takes with its playlist to apply the rule itself: the schedules and
/// interrupts aimed at it that can still play, and the playlists they use.
pub struct Program {
    pub screen: ScreenRef,
    pub schedules: Vec<Schedule>,
    pub playlists: Vec<FullPlaylist>,
    pub interrupts: Vec<Interrupt>,
}

/// The program of a screen (`None`: a player that is no paired screen).
pub async fn for_screen(ctx: &Ctx<'_>, screen_id: Option<&str>) -> Result<Program, Error> {
    let id = screen_id.map(str::to_string);
    let at = now();
    let (who, schedules, interrupts, playlists, items) = ctx
        .read(move |c, s| {
            let who = match &id {
                Some(i) => {
                    let row = screen::find(c, s, i)?;
                    ScreenRef {
                        id: Some(i.clone()),
                        group_id: row.and_then(|r| r.group_id),
                    }
                }
                None => ScreenRef::default(),
            };
            let schedules: Vec<Schedule> = rows::schedules(c, s)?
                .into_iter()
                .filter(|x| {
                    x.is_enabled
                        && x.end_date.is_none_or(|e| e > at)
                        && TargetsJson::parse(&x.targets).rule().aims_at(&who)
                })
                .collect();
            let interrupts: Vec<Interrupt> = rows::interrupts(c, s, Some(at))?
                .into_iter()
                .filter(|x| TargetsJson::parse(&x.targets).rule().aims_at(&who))
                .collect();
            let ids: Vec<String> = schedules
                .iter()
                .map(|x| x.playlist_id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let playlists: Vec<Playlist> = rows::playlists(c, s)?
                .into_iter()
                .filter(|p| ids.contains(&p.id))
                .collect();
            let items = rows::items(c, s, Some(&ids))?;
            Ok((who, schedules, interrupts, playlists, items))
        })
        .await?;
    Ok(Program {
        screen: who,
        schedules,
        playlists: with_items(playlists, items),
        interrupts,
    })
}
