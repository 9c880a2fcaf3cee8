//! Screens: pairing by code, the fleet (names, groups, tags), live commands, presence.
//!
//! Pairing: a screen without a token asks for a code (`start_pairing`) and polls with the
//! secret it got (`poll_pairing`); an admin claims the code (`claim`), which creates the screen;
//! the next poll hands the screen its device token, once. Only hashes of the secret and the
//! token are stored. Presence: a screen's WebSocket marks it connected (`connected`), its
//! heartbeats are gathered in memory and written in batches (`Heartbeats`), and the status is
//! `domain::screen::Status::of` the row.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::Binding;
use crate::db::models::screen::{self, Edit, Group, Pairing, Presence, Screen, Seen};
use crate::db::models::tenant::{self, Tenant};
use crate::domain::billing::Limit;
use crate::domain::screen::{self as rule, Command, Status};
use crate::error::Error;
use crate::events::Event;
use crate::services::context::{Core, Ctx};
use crate::services::limits;
use crate::tenancy::TenantScope;

/// Device tokens start with this.
pub const TOKEN_PREFIX: &str = "sgd_";
/// How often a screen polls its pairing, in seconds.
pub const POLL_SECONDS: u32 = 2;
/// The window `screens.pairings_per_address` counts in.
const PAIRING_WINDOW_MINUTES: i64 = 10;

/// 256 random bits (two v4 UUIDs' 122 each, plus the rest of them) as URL-safe text.
fn random_secret(prefix: &str) -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// How a secret is stored and looked up (it carries ~244 random bits: a fast hash is enough).
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

// ---- pairing (the screen's side) ----

/// A code a screen shows, and the secret it polls with.
pub struct Started {
    pub code: String,
    pub secret: String,
    pub expires_at: NaiveDateTime,
}

/// Starts a pairing for a screen at `ip`; the address may ask for
/// `screens.pairings_per_address` codes in 10 minutes.
pub async fn start_pairing(
    core: &Core,
    ip: Option<String>,
    resolution: Option<&str>,
    player_version: Option<&str>,
) -> Result<Started, Error> {
    let now = now();
    if let Some(ip) = &ip {
        let since = now - chrono::Duration::minutes(PAIRING_WINDOW_MINUTES);
        let i = ip.clone();
        let asked = core
            .db
            .bound(Binding::lookup(format!("ip:{ip}")), move |c| {
                screen::recent_pairings(c, &i, since, now)
            })
            .await?;
        if asked >= i64::from(core.config.screens.pairings_per_address) {
            return Err(Error::RateLimited {
                message: "Too many pairing codes asked for from this address; try again in a \
                          minute."
                    .into(),
                retry_after: 60,
            });
        }
    }
    let secret = random_secret("sgp_");
    let resolution = rule::reported(resolution, 32);
    let player_version = rule::reported(player_version, 64);
    // A clash with a live code is rare (32⁶ codes); a few tries settle it.
    for _ in 0..8 {
        let mut random = [0u8; rule::CODE_LEN];
        random.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..rule::CODE_LEN]);
        let pairing = Pairing {
            secret_hash: hash(&secret),
            code: rule::code_from(random),
            ip: ip.clone(),
            resolution: resolution.clone(),
            player_version: player_version.clone(),
            tenant_id: None,
            screen_id: None,
            expires_at: now + rule::CODE_TTL,
            claimed_at: None,
            delivered_at: None,
            created_at: now,
        };
        let p = pairing.clone();
        let stored = core
            .db
            .bound(Binding::lookup(format!("code:{}", p.code)), move |c| {
                screen::insert_pairing(c, &p, now)
            })
            .await?;
        if stored {
            return Ok(Started {
                code: pairing.code,
                secret,
                expires_at: pairing.expires_at,
            });
        }
    }
    Err(Error::Internal("no free pairing code found".into()))
}

/// Where a pairing stands, as its screen sees it.
pub enum Poll {
    Pending { expires_at: NaiveDateTime },
    Paired(Box<Paired>),
}

/// A claimed pairing's hand-over.
pub struct Paired {
    pub token: String,
    pub screen: Screen,
    pub tenant: Tenant,
}

fn pairing_gone() -> Error {
    Error::Gone(
        "This pairing code has expired or was already used; ask for a new one \
         (POST /api/v3/screens/pair)."
            .into(),
    )
}

/// Answers a screen polling with its secret: pending, paired (the token, once), or gone.
pub async fn poll_pairing(core: &Core, secret: &str) -> Result<Poll, Error> {
    let h = hash(secret);
    let key = h.clone();
    let pairing = core
        .db
        .bound(Binding::lookup(h.clone()), move |c| {
            screen::pairing_by_secret(c, &key)
        })
        .await?
        .ok_or_else(pairing_gone)?;
    let now = now();
    // A claimed code's token waits for its screen one code lifetime past the code's expiry,
    // no longer: a secret that leaked (a log, a photo of the screen) opens nothing later.
    if pairing.delivered_at.is_some() || pairing.expires_at + rule::CODE_TTL <= now {
        return Err(pairing_gone());
    }
    let (Some(tenant_id), Some(screen_id)) = (pairing.tenant_id.clone(), pairing.screen_id.clone())
    else {
        return if pairing.expires_at <= now {
            Err(pairing_gone())
        } else {
            Ok(Poll::Pending {
                expires_at: pairing.expires_at,
            })
        };
    };
    let token = random_secret(TOKEN_PREFIX);
    let scope = TenantScope::new(tenant_id);
    let (token_hash, s) = (hash(&token), scope.clone());
    let delivered = core
        .db
        .bound(Binding::lookup(h.clone()).with_tenant(&scope), move |c| {
            if !screen::deliver(c, &h, now)? {
                return Ok(None);
            }
            if !screen::set_token(c, &s, &screen_id, &token_hash)? {
                return Ok(None);
            }
            let found = screen::find(c, &s, &screen_id)?;
            let tenant = tenant::find(c, &s)?;
            Ok(found.zip(tenant))
        })
        .await?;
    let (screen, tenant) = delivered.ok_or_else(pairing_gone)?;
    tracing::info!(screen = %screen.id, tenant = %tenant.id, "screen paired");
    Ok(Poll::Paired(Box::new(Paired {
        token,
        screen,
        tenant,
    })))
}

/// The screen holding `token`, if it is a live device token of an active tenant.
pub async fn authenticate(core: &Core, token: &str) -> Result<Option<Screen>, Error> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let h = hash(token);
    let key = h.clone();
    let found = core
        .db
        .bound(Binding::lookup(h), move |c| {
            let Some(s) = screen::find_by_token(c, &key)? else {
                return Ok(None);
            };
            let tenant = tenant::find(c, &TenantScope::new(s.tenant_id.clone()))?;
            Ok(Some((s, tenant)))
        })
        .await?;
    Ok(match found {
        Some((s, Some(t))) if t.is_active => Some(s),
        _ => None,
    })
}

// ---- the fleet (the admin's side) ----

/// What an admin sets when claiming a code.
pub struct New {
    pub code: String,
    pub name: Option<String>,
    pub group_id: Option<String>,
    pub tags: Vec<String>,
}

fn unknown_code() -> Error {
    Error::NotFound(
        "No screen is showing this code (it may have expired: codes live 10 minutes). Open \
         /player/ on the screen to see its current code."
            .into(),
    )
}

fn no_screen() -> Error {
    Error::NotFound("No screen with this id in this tenant.".into())
}

fn no_group() -> Error {
    Error::NotFound("No group with this id in this tenant.".into())
}

fn invalid(field: &str) -> impl Fn(String) -> Error + '_ {
    move |m| Error::invalid(field, m)
}

/// Wrong codes a tenant may type in 15 minutes before it must wait (a code has 30 bits; this
/// keeps guessing another tenant's waiting screen out of reach).
#[cfg(feature = "cloud")]
const CLAIM_MISSES: u32 = 30;

/// Claims the screen showing `new.code` for this tenant.
pub async fn claim(ctx: &Ctx<'_>, new: New) -> Result<Screen, Error> {
    #[cfg(feature = "cloud")]
    let misses = format!("screen-claim:{}", ctx.tenant_id());
    #[cfg(feature = "cloud")]
    if ctx.core.cloud.is_some() {
        crate::cloud::throttle::check_misses(
            &ctx.core.db,
            &misses,
            "this organisation",
            CLAIM_MISSES,
        )
        .await?;
    }
    let result = claim_checked(ctx, new).await;
    #[cfg(feature = "cloud")]
    if ctx.core.cloud.is_some() && matches!(result, Err(Error::NotFound(_))) {
        crate::cloud::throttle::record_miss(&ctx.core.db, &misses).await?;
    }
    result
}

async fn claim_checked(ctx: &Ctx<'_>, new: New) -> Result<Screen, Error> {
    let code = rule::normalize_code(&new.code).ok_or_else(unknown_code)?;
    let name = match new.name.as_deref() {
        Some(n) => rule::check_name(n).map_err(invalid("name"))?,
        None => format!("Screen {code}"),
    };
    let tags = rule::check_tags(&new.tags).map_err(invalid("tags"))?;
    let now = now();
    let screen = Screen {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: ctx.tenant_id().to_string(),
        name,
        group_id: new.group_id.clone(),
        tags: serde_json::Value::from(tags).to_string(),
        token_hash: None,
        connection: None,
        last_seen_at: None,
        ip: None,
        resolution: None,
        player_version: None,
        now_playing_asset_id: None,
        now_playing_since: None,
        skipped: None,
        created_by: actor_id(ctx),
        created_at: now,
        updated_at: now,
    };
    let (mut row, audit) = (screen, ctx.audit());
    let binding = Binding::tenant(&ctx.scope).with_lookup(format!("code:{code}"));
    let scope = ctx.scope.clone();
    // Plans limit a tenant's screens; a device has no plan.
    let cloud = ctx.core.config.mode == crate::config::Mode::Cloud;
    let rules = crate::services::limits::Rules::of(ctx.core);
    let created = ctx
        .core
        .db
        .bound(binding, move |c| {
            let s = &scope;
            screen::lock_fleet(c, s)?;
            if let Some(g) = &row.group_id
                && screen::find_group(c, s, g)?.is_none()
            {
                return Err(Error::invalid(
                    "group_id",
                    "No group with this id in this tenant.",
                ));
            }
            if cloud {
                let applied = limits::applied(c, s, &rules)?;
                limits::ensure(
                    &applied,
                    &rules,
                    Limit::MaxDevices,
                    screen::count(c, s)? + 1,
                    "screens",
                )?;
            }
            let pairing = screen::pairing_by_code(c, &code)?
                .filter(|p| p.claimed_at.is_none() && p.expires_at > now)
                .ok_or_else(unknown_code)?;
            row.ip = pairing.ip;
            row.resolution = pairing.resolution;
            row.player_version = pairing.player_version;
            screen::insert(c, &row)?;
            if !screen::claim(c, &code, s.id(), &row.id, now)? {
                return Err(unknown_code());
            }
            audit.record(
                c,
                s,
                "screen.paired",
                Some(("screen", &row.id)),
                json!({ "name": row.name }),
            )?;
            Ok(row)
        })
        .await?;
    ctx.core.events.publish(Event::ScreensChanged {
        tenant_id: ctx.tenant_id().to_string(),
    });
    Ok(created)
}

#[cfg(feature = "cloud")]
fn actor_id(ctx: &Ctx<'_>) -> Option<String> {
    ctx.actor.as_ref().map(|a| a.id.clone())
}

#[cfg(not(feature = "cloud"))]
fn actor_id(_: &Ctx<'_>) -> Option<String> {
    None
}

/// Which screens a list shows.
#[derive(Debug, Default)]
pub struct Filter {
    pub group_id: Option<String>,
    pub tag: Option<String>,
    pub status: Option<String>,
    /// Part of the name, any case.
    pub q: Option<String>,
}

/// The tenant's screens, by name, filtered.
pub async fn list(ctx: &Ctx<'_>, filter: Filter) -> Result<Vec<Screen>, Error> {
    let status = match filter.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            Error::invalid("status", "status is one of online, offline, never_seen.")
        })?),
    };
    let rows = ctx.read(screen::list).await?;
    let now = now();
    let q = filter.q.as_deref().map(str::to_lowercase);
    Ok(rows
        .into_iter()
        .filter(|s| {
            filter
                .group_id
                .as_deref()
                .is_none_or(|g| s.group_id.as_deref() == Some(g))
                && filter
                    .tag
                    .as_deref()
                    .is_none_or(|t| s.tag_list().iter().any(|x| x == t))
                && status.is_none_or(|st| status_of(s, now) == st)
                && q.as_deref()
                    .is_none_or(|q| s.name.to_lowercase().contains(q))
        })
        .collect())
}

/// A screen's status now.
pub fn status_of(s: &Screen, now: NaiveDateTime) -> Status {
    Status::of(s.last_seen_at, s.connection.is_some(), now)
}

/// One screen of the tenant.
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<Screen, Error> {
    let i = id.to_string();
    ctx.read(move |c, s| screen::find(c, s, &i))
        .await?
        .ok_or_else(no_screen)
}

/// What an admin changes on a screen (absent: unchanged; `group_id: Some(None)` ungroups).
#[derive(Debug, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub group_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

/// Renames, regroups or retags a screen.
pub async fn update(ctx: &Ctx<'_>, id: &str, changes: Changes) -> Result<Screen, Error> {
    let edit = Edit {
        name: changes
            .name
            .as_deref()
            .map(rule::check_name)
            .transpose()
            .map_err(invalid("name"))?,
        group_id: changes.group_id.clone(),
        tags: changes
            .tags
            .as_deref()
            .map(rule::check_tags)
            .transpose()
            .map_err(invalid("tags"))?
            .map(|t| serde_json::Value::from(t).to_string()),
        updated_at: Some(now()),
    };
    let (i, audit) = (id.to_string(), ctx.audit());
    let updated = ctx
        .write(move |c, s| {
            if let Some(Some(g)) = &edit.group_id
                && screen::find_group(c, s, g)?.is_none()
            {
                return Err(Error::invalid(
                    "group_id",
                    "No group with this id in this tenant.",
                ));
            }
            if !screen::update(c, s, &i, &edit)? {
                return Err(no_screen());
            }
            let row = screen::find(c, s, &i)?.ok_or_else(no_screen)?;
            audit.record(
                c,
                s,
                "screen.updated",
                Some(("screen", &i)),
                json!({ "name": row.name, "group_id": row.group_id, "tags": row.tag_list() }),
            )?;
            Ok(row)
        })
        .await?;
    ctx.core.events.publish(Event::ScreensChanged {
        tenant_id: ctx.tenant_id().to_string(),
    });
    Ok(updated)
}

/// Removes a screen: its token stops working at once and its connection is closed.
pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (i, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        let row = screen::find(c, s, &i)?.ok_or_else(no_screen)?;
        screen::delete(c, s, &i)?;
        audit.record(
            c,
            s,
            "screen.removed",
            Some(("screen", &i)),
            json!({ "name": row.name }),
        )
    })
    .await?;
    let tenant_id = ctx.tenant_id().to_string();
    ctx.core.events.publish(Event::ScreenRevoked {
        tenant_id: tenant_id.clone(),
        screen_id: id.to_string(),
    });
    ctx.core.events.publish(Event::ScreensChanged { tenant_id });
    Ok(())
}

// ---- groups ----

/// The tenant's groups by name, with their screen counts.
pub async fn groups(ctx: &Ctx<'_>) -> Result<Vec<(Group, i64)>, Error> {
    ctx.read(screen::groups).await
}

/// One group and its screen count.
pub async fn group(ctx: &Ctx<'_>, id: &str) -> Result<(Group, i64), Error> {
    groups(ctx)
        .await?
        .into_iter()
        .find(|(g, _)| g.id == id)
        .ok_or_else(no_group)
}

fn name_taken() -> Error {
    Error::Taken {
        field: "name".into(),
        message: "Another group of this tenant has this name.".into(),
    }
}

pub async fn create_group(ctx: &Ctx<'_>, name: &str) -> Result<Group, Error> {
    let name = rule::check_name(name).map_err(invalid("name"))?;
    let now = now();
    let group = Group {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: ctx.tenant_id().to_string(),
        name,
        created_at: now,
        updated_at: now,
    };
    let (g, audit) = (group.clone(), ctx.audit());
    ctx.write(move |c, s| {
        if screen::group_name_taken(c, s, &g.name, None)? {
            return Err(name_taken());
        }
        screen::insert_group(c, &g)?;
        audit.record(
            c,
            s,
            "group.created",
            Some(("group", &g.id)),
            json!({ "name": g.name }),
        )
    })
    .await?;
    ctx.core.events.publish(Event::ScreensChanged {
        tenant_id: ctx.tenant_id().to_string(),
    });
    Ok(group)
}

pub async fn rename_group(ctx: &Ctx<'_>, id: &str, name: &str) -> Result<(), Error> {
    let name = rule::check_name(name).map_err(invalid("name"))?;
    let (i, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        if screen::find_group(c, s, &i)?.is_none() {
            return Err(no_group());
        }
        if screen::group_name_taken(c, s, &name, Some(&i))? {
            return Err(name_taken());
        }
        screen::rename_group(c, s, &i, &name, now())?;
        audit.record(
            c,
            s,
            "group.renamed",
            Some(("group", &i)),
            json!({ "name": name }),
        )
    })
    .await?;
    ctx.core.events.publish(Event::ScreensChanged {
        tenant_id: ctx.tenant_id().to_string(),
    });
    Ok(())
}

/// Deletes a group; its screens stay, ungrouped.
pub async fn delete_group(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (i, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        let g = screen::find_group(c, s, &i)?.ok_or_else(no_group)?;
        screen::delete_group(c, s, &i)?;
        audit.record(
            c,
            s,
            "group.deleted",
            Some(("group", &i)),
            json!({ "name": g.name }),
        )
    })
    .await?;
    ctx.core.events.publish(Event::ScreensChanged {
        tenant_id: ctx.tenant_id().to_string(),
    });
    Ok(())
}

// ---- commands ----

/// Whom a command is for.
pub enum Target {
    Screen(String),
    Group(String),
}

/// A command that went out: to which screens, and which of the targeted were offline.
pub struct Sent {
    pub command: Command,
    pub id: String,
    pub sent_to: Vec<String>,
    pub offline: Vec<(String, String)>,
}

/// Sends a command to a screen or a group's screens, now. Screens that are not online get
/// nothing (nothing is queued for later); when none is online the answer is 409 naming them.
pub async fn command(ctx: &Ctx<'_>, target: Target, command: Command) -> Result<Sent, Error> {
    if let Command::Show(asset_id) = &command {
        crate::services::assets::get(ctx, asset_id)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => {
                    Error::invalid("asset_id", "No asset with this id in this tenant.")
                }
                other => other,
            })?;
    }
    let screens = match &target {
        Target::Screen(id) => {
            let s = get(ctx, id).await?;
            vec![Presence {
                id: s.id,
                name: s.name,
                connection: s.connection,
                last_seen_at: s.last_seen_at,
            }]
        }
        Target::Group(id) => {
            let i = id.clone();
            ctx.read(move |c, s| {
                screen::find_group(c, s, &i)?.ok_or_else(no_group)?;
                screen::in_group(c, s, &i)
            })
            .await?
        }
    };
    let now = now();
    let (online, offline): (Vec<&Presence>, Vec<&Presence>) = screens
        .iter()
        .partition(|s| Status::of(s.last_seen_at, s.connection.is_some(), now) == Status::Online);
    if online.is_empty() {
        let message = match (&target, screens.as_slice()) {
            (Target::Screen(_), [s]) => format!(
                "Screen \"{}\" is offline; the command was not sent (nothing is queued).",
                s.name
            ),
            (_, []) => "This group has no screens; the command was not sent.".to_string(),
            (_, all) => format!(
                "No screen of this group is online ({}); the command was not sent (nothing is \
                 queued).",
                all.iter()
                    .map(|s| format!("\"{}\"", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Err(Error::Conflict(message));
    }
    let sent = Sent {
        id: uuid::Uuid::new_v4().to_string(),
        sent_to: online.iter().map(|s| s.id.clone()).collect(),
        offline: offline
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        command,
    };
    ctx.core.events.publish(Event::ScreenCommand {
        tenant_id: ctx.tenant_id().to_string(),
        screen_ids: sent.sent_to.clone(),
        id: sent.id.clone(),
        command: sent.command.player_word(),
    });
    let (audit, target_json) = (
        ctx.audit(),
        match &target {
            Target::Screen(id) => json!({ "screen_id": id }),
            Target::Group(id) => json!({ "group_id": id }),
        },
    );
    let details = json!({
        "command": sent.command.name(),
        "target": target_json,
        "sent_to": sent.sent_to.len(),
        "offline": sent.offline.len(),
    });
    let object = match &target {
        Target::Screen(id) => ("screen", id.clone()),
        Target::Group(id) => ("group", id.clone()),
    };
    ctx.write(move |c, s| {
        audit.record(c, s, "screen.command", Some((object.0, &object.1)), details)
    })
    .await?;
    Ok(sent)
}

// ---- presence ----

/// What a screen reports about itself (on connecting and in heartbeats).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub resolution: Option<String>,
    pub player_version: Option<String>,
    /// What is on screen: `Some(None)` nothing, `None` not said.
    pub asset_id: Option<Option<String>>,
    /// What the screen could not show and skips (`None`: not said).
    pub skipped: Option<Vec<rule::Skip>>,
}

impl Report {
    /// Keeps what is well-formed.
    pub fn clean(self) -> Report {
        Report {
            resolution: rule::reported(self.resolution.as_deref(), 32),
            player_version: rule::reported(self.player_version.as_deref(), 64),
            asset_id: self.asset_id.map(|a| {
                a.filter(|id| !id.is_empty() && id.len() <= 64 && !crate::domain::text::has_nul(id))
            }),
            skipped: self.skipped.map(rule::clean_skips),
        }
    }
}

/// Marks a screen connected through `connection` (this instance's name for it), seen now at
/// `ip`; tells open UIs.
pub async fn connected(
    core: &Core,
    scope: &TenantScope,
    screen_id: &str,
    connection: &str,
    ip: Option<String>,
) -> Result<(), Error> {
    let at = now();
    let seen = Seen {
        last_seen_at: Some(at),
        ip,
        ..Seen::default()
    };
    let (s, i, conn) = (scope.clone(), screen_id.to_string(), connection.to_string());
    core.db
        .write(scope, move |c| screen::connected(c, &s, &i, &conn, &seen))
        .await?;
    publish_status(core, scope, screen_id, Status::Online, Some(at));
    Ok(())
}

/// Marks a connection gone (unless another took the screen over meanwhile); tells open UIs.
pub async fn disconnected(
    core: &Core,
    scope: &TenantScope,
    screen_id: &str,
    connection: &str,
) -> Result<(), Error> {
    let (s, i, conn) = (scope.clone(), screen_id.to_string(), connection.to_string());
    let gone = core
        .db
        .write(scope, move |c| screen::disconnected(c, &s, &i, &conn))
        .await?;
    if gone {
        publish_status(core, scope, screen_id, Status::Offline, None);
    }
    Ok(())
}

fn publish_status(
    core: &Core,
    scope: &TenantScope,
    screen_id: &str,
    status: Status,
    at: Option<NaiveDateTime>,
) {
    core.events.publish(Event::ScreenStatus {
        tenant_id: scope.id().to_string(),
        screen_id: screen_id.to_string(),
        status: status.as_str().to_string(),
        last_seen_at: at.map(|t| {
            t.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        }),
    });
}

/// Heartbeats gathered in memory and written in batches: one `UPDATE` per tenant for the
/// "seen" marks, one per screen only for what changed (resolution, version, what is on
/// screen). Ten thousand screens beating every 25 s cost a few statements per flush, not
/// four hundred writes a second.
///
/// They also count uptime: the time between two beats of a screen less than 90 s apart is
/// online time, added to its UTC day (`screen_uptime`) at the flush.
#[derive(Default)]
pub struct Heartbeats {
    pending: Mutex<HashMap<(String, String), Option<Report>>>,
    /// What each screen last reported, to write only changes.
    last: Mutex<HashMap<String, Report>>,
    /// When each screen last beat.
    beat_at: Mutex<HashMap<String, NaiveDateTime>>,
    /// Online seconds to add, by (tenant, screen, UTC day).
    online: Mutex<HashMap<(String, String, String), i64>>,
}

impl Heartbeats {
    /// Notes a heartbeat (or a `now_playing`) of a screen.
    pub fn beat(&self, tenant_id: &str, screen_id: &str, report: Report) {
        let report = report.clean();
        let at = now();
        let before = self
            .beat_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(screen_id.to_string(), at);
        if let Some(t) = before
            && at > t
            && at - t < rule::OFFLINE_AFTER
        {
            let day = at.format("%Y-%m-%d").to_string();
            *self
                .online
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry((tenant_id.to_string(), screen_id.to_string(), day))
                .or_default() += (at - t).num_seconds();
        }
        let changed = {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            let before = last.entry(screen_id.to_string()).or_default();
            let merged = Report {
                resolution: report.resolution.clone().or(before.resolution.clone()),
                player_version: report
                    .player_version
                    .clone()
                    .or(before.player_version.clone()),
                asset_id: report.asset_id.clone().or(before.asset_id.clone()),
                skipped: report.skipped.clone().or(before.skipped.clone()),
            };
            let changed = merged != *before;
            *before = merged;
            changed
        };
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending
            .entry((tenant_id.to_string(), screen_id.to_string()))
            .or_insert(None);
        if changed {
            let mut r = entry.take().unwrap_or_default();
            r.resolution = report.resolution.or(r.resolution);
            r.player_version = report.player_version.or(r.player_version);
            r.asset_id = report.asset_id.or(r.asset_id);
            r.skipped = report.skipped.or(r.skipped);
            *entry = Some(r);
        }
    }

    /// Forgets a screen's last report (its connection ended).
    pub fn forget(&self, screen_id: &str) {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(screen_id);
        self.beat_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(screen_id);
    }

    /// Writes what was gathered since the last flush.
    pub async fn flush(&self, core: &Core) -> Result<usize, Error> {
        let online = std::mem::take(&mut *self.online.lock().unwrap_or_else(|p| p.into_inner()));
        let mut uptime: HashMap<String, Vec<(String, String, i64)>> = HashMap::new();
        for ((tenant, screen, day), seconds) in online {
            uptime
                .entry(tenant)
                .or_default()
                .push((screen, day, seconds));
        }
        for (tenant, sums) in uptime {
            let scope = TenantScope::new(tenant);
            let s = scope.clone();
            let written = core
                .db
                .write(&scope, move |c| {
                    crate::db::models::analytics::add_uptime(c, &s, &sums)
                })
                .await;
            // One tenant's failure must not cost the others their uptime.
            if let Err(e) = written {
                tracing::warn!(tenant = %scope.id(), error = %e, "could not record screens' uptime");
            }
        }
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if pending.is_empty() {
            return Ok(0);
        }
        let n = pending.len();
        let at = now();
        let mut by_tenant: HashMap<String, Vec<(String, Option<Report>)>> = HashMap::new();
        for ((tenant, screen), report) in pending {
            by_tenant.entry(tenant).or_default().push((screen, report));
        }
        for (tenant, beats) in by_tenant {
            let scope = TenantScope::new(tenant);
            let s = scope.clone();
            core.db
                .write(&scope, move |c| {
                    let ids: Vec<String> = beats.iter().map(|(id, _)| id.clone()).collect();
                    screen::seen_many(c, &s, &ids, at)?;
                    for (id, report) in beats {
                        let Some(r) = report else { continue };
                        let seen = Seen {
                            last_seen_at: None,
                            ip: None,
                            resolution: r.resolution,
                            player_version: r.player_version,
                            now_playing_since: r.asset_id.as_ref().map(|_| Some(at)),
                            now_playing_asset_id: r.asset_id,
                            skipped: r.skipped.map(|list| {
                                (!list.is_empty())
                                    .then(|| serde_json::to_string(&list).unwrap_or_default())
                            }),
                        };
                        screen::seen(c, &s, &id, &seen)?;
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(n)
    }
}

/// How often gathered heartbeats are written.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Writes the gathered heartbeats every few seconds.
pub fn spawn_flusher(heartbeats: std::sync::Arc<Heartbeats>, core: std::sync::Arc<Core>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = heartbeats.flush(&core).await {
                tracing::warn!(error = %e, "could not record screens' heartbeats");
            }
        }
    });
}
