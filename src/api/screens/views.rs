//! What the screens routes answer (docs/screens.md): one type per body, built from rows and
//! use-case results. In cloud mode they derive their JSON Schemas for `openapi/v3.json` like
//! every v3 view (see `api::v3::views`).

use chrono::Utc;
use serde::Serialize;

use crate::api::json::iso;
use crate::db::models::{screen, tenant};
use crate::services::screens;

/// What a screen shows now, as it last reported.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct NowPlaying {
    /// The asset on screen.
    pub asset_id: String,
    /// Since when (within a few seconds: reports are written in batches).
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub since: String,
}

/// A paired screen of the tenant.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct Screen {
    /// Screen id (UUID).
    #[cfg_attr(feature = "cloud", schema(format = "uuid"))]
    pub id: String,
    pub name: String,
    /// Its group, or null.
    #[cfg_attr(feature = "cloud", schema(required = true, format = "uuid"))]
    pub group_id: Option<String>,
    pub tags: Vec<String>,
    /// `online` while connected with a heartbeat under 90 s old, `offline` otherwise,
    /// `never_seen` before its first connection.
    #[cfg_attr(feature = "cloud", schema(pattern = "^(online|offline|never_seen)$"))]
    pub status: String,
    /// Its last connection or heartbeat, or null.
    #[cfg_attr(feature = "cloud", schema(required = true, format = DateTime))]
    pub last_seen_at: Option<String>,
    /// The address it last connected from, or null.
    #[cfg_attr(feature = "cloud", schema(required = true))]
    pub ip: Option<String>,
    /// As it reported, e.g. `1920x1080`, or null.
    #[cfg_attr(feature = "cloud", schema(required = true))]
    pub resolution: Option<String>,
    /// As it reported, or null.
    #[cfg_attr(feature = "cloud", schema(required = true))]
    pub player_version: Option<String>,
    /// What it shows now (while online), or null.
    #[cfg_attr(feature = "cloud", schema(required = true))]
    pub now_playing: Option<NowPlaying>,
    /// What it last said it could not show and skips (a page that refuses frames or that it
    /// cannot reach, a file it cannot play), with the reason; empty when it skips nothing.
    pub skipped: Vec<Skipped>,
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub updated_at: String,
}

impl From<&screen::Screen> for Screen {
    fn from(s: &screen::Screen) -> Screen {
        let status = screens::status_of(s, Utc::now().naive_utc());
        let online = status == crate::domain::screen::Status::Online;
        Screen {
            id: s.id.clone(),
            name: s.name.clone(),
            group_id: s.group_id.clone(),
            tags: s.tag_list(),
            status: status.as_str().to_string(),
            last_seen_at: s.last_seen_at.map(iso),
            ip: s.ip.clone(),
            resolution: s.resolution.clone(),
            player_version: s.player_version.clone(),
            now_playing: match (&s.now_playing_asset_id, s.now_playing_since) {
                (Some(asset_id), Some(since)) if online => Some(NowPlaying {
                    asset_id: asset_id.clone(),
                    since: iso(since),
                }),
                _ => None,
            },
            skipped: s
                .skipped
                .as_deref()
                .and_then(|j| serde_json::from_str::<Vec<crate::domain::screen::Skip>>(j).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|k| Skipped {
                    asset_id: k.asset_id,
                    reason: k.reason,
                })
                .collect(),
            created_at: iso(s.created_at),
            updated_at: iso(s.updated_at),
        }
    }
}

/// An item a screen skips.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct Skipped {
    /// The asset (32 hex digits).
    pub asset_id: String,
    /// Why, as the screen put it.
    pub reason: String,
}

/// A group of screens (a screen is in at most one).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct Group {
    /// Group id (UUID).
    #[cfg_attr(feature = "cloud", schema(format = "uuid"))]
    pub id: String,
    /// Unique in the tenant.
    pub name: String,
    /// How many screens it holds.
    pub screen_count: i64,
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub updated_at: String,
}

impl Group {
    pub fn new(g: &screen::Group, screen_count: i64) -> Group {
        Group {
            id: g.id.clone(),
            name: g.name.clone(),
            screen_count,
            created_at: iso(g.created_at),
            updated_at: iso(g.updated_at),
        }
    }
}

/// A screen in brief.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct ScreenRef {
    #[cfg_attr(feature = "cloud", schema(format = "uuid"))]
    pub id: String,
    pub name: String,
}

/// A command that went out.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct CommandSent {
    /// The command's id (screens see it in the command frame).
    #[cfg_attr(feature = "cloud", schema(format = "uuid"))]
    pub id: String,
    /// `next`, `previous`, `reload`, `blank`, `unblank` or `show`.
    pub command: String,
    /// The screens it was sent to (all online).
    pub sent_to: Vec<String>,
    /// Targeted screens that were offline and got nothing (nothing is queued).
    pub offline: Vec<ScreenRef>,
}

impl From<&screens::Sent> for CommandSent {
    fn from(s: &screens::Sent) -> CommandSent {
        CommandSent {
            id: s.id.clone(),
            command: s.command.name().to_string(),
            sent_to: s.sent_to.clone(),
            offline: s
                .offline
                .iter()
                .map(|(id, name)| ScreenRef {
                    id: id.clone(),
                    name: name.clone(),
                })
                .collect(),
        }
    }
}

/// A pairing code for a screen to show.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct PairingStarted {
    /// Six characters from `ABCDEFGHJKLMNPQRSTUVWXYZ23456789`.
    #[cfg_attr(
        feature = "cloud",
        schema(pattern = "^[A-HJ-NP-Z2-9]{6}$", example = "K7Q2XM")
    )]
    pub code: String,
    /// Poll `GET /api/v3/screens/pair/{secret}` with it; keep it private.
    pub secret: String,
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub expires_at: String,
    /// How often to poll.
    pub poll_seconds: u32,
    /// Where an admin enters the code (already filled in).
    pub claim_url: String,
    /// A QR code of `claim_url`, as an SVG document.
    pub qr_svg: String,
}

/// A pairing not claimed yet.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct PairingPending {
    /// `pending`.
    #[cfg_attr(feature = "cloud", schema(pattern = "^pending$"))]
    pub status: &'static str,
    #[cfg_attr(feature = "cloud", schema(format = DateTime))]
    pub expires_at: String,
}

/// A pairing claimed: the screen's device token, handed over once.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct PairingDone {
    /// `paired`.
    #[cfg_attr(feature = "cloud", schema(pattern = "^paired$"))]
    pub status: &'static str,
    /// Send as `Authorization: Bearer …` (the answer also sets it as the `signate_screen`
    /// cookie for browser players).
    #[cfg_attr(feature = "cloud", schema(pattern = "^sgd_"))]
    pub device_token: String,
    pub screen: ScreenRef,
    pub tenant: PairedTenant,
}

/// The tenant a screen was paired into.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct PairedTenant {
    /// Tenant id (the device's own tenant is `default`).
    pub id: String,
    pub slug: String,
    pub name: String,
}

impl From<&tenant::Tenant> for PairedTenant {
    fn from(t: &tenant::Tenant) -> PairedTenant {
        PairedTenant {
            id: t.id.clone(),
            slug: t.slug.clone(),
            name: t.name.clone(),
        }
    }
}
