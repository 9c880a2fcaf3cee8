//! Checks a web page the way a screen will open it: does it answer, and will a browser show it
//! inside the player's frame (`X-Frame-Options`, CSP `frame-ancestors`)? Queued when a web
//! page is made or its address changes, and again for every tenant's pages every six hours
//! (a bounded number per tenant per round). The verdict is stored on the asset
//! (`page_status`, `page_reason`, `page_checked_at`, and Anthias's `is_reachable` /
//! `last_reachability_check`); screens get it in their playlist and skip what they cannot
//! show. A check never fails the request that queued it, and an unreachable page is a verdict,
//! not a failed job.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Failure, Job};
use crate::config::Mode;
use crate::db::AnyConnection;
use crate::db::models::asset::{self, PageCheck as Outcome};
use crate::domain::headers;
use crate::error::Error;
use crate::events::Event;
use crate::services::content::{self, PageProbe};
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// The job kind.
pub const KIND: &str = "page_check";
/// A verdict older than this is checked again.
pub const EVERY: TimeDelta = TimeDelta::hours(6);
/// How often the sweep looks for pages due.
const SWEEP: Duration = Duration::from_secs(600);
/// At most this many checks queued per tenant and sweep, so one tenant's thousand pages do not
/// hold the queue (the rest are due at the next sweep).
const PER_TENANT: usize = 50;

/// Which page to check, at which address (an edit since makes the check moot).
#[derive(Debug, Serialize, Deserialize)]
pub struct PageCheck {
    pub asset_id: String,
    pub uri: String,
}

/// Whether `a` is a web page the server can check: an http(s) address, not a stored file.
pub fn applies(a: &asset::Asset) -> bool {
    use crate::domain::asset::Kind;
    a.file_key.is_none()
        && Kind::of(a.mimetype.as_deref().unwrap_or("")) == Kind::Webpage
        && a.uri
            .as_deref()
            .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"))
}

/// Queues a check of `a` inside the caller's transaction when it is a web page, unless one of
/// the same address is already waiting.
pub fn enqueue(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    a: &asset::Asset,
) -> Result<(), Error> {
    if !applies(a) {
        return Ok(());
    }
    let payload = PageCheck {
        asset_id: a.asset_id.clone(),
        uri: a.uri.clone().unwrap_or_default(),
    };
    let text = serde_json::to_string(&payload).map_err(|e| Error::Internal(e.to_string()))?;
    use crate::db::schema::jobs;
    let waiting: i64 = jobs::table
        .filter(jobs::tenant_id.eq(scope.id()))
        .filter(jobs::kind.eq(KIND))
        .filter(jobs::state.eq("pending"))
        .filter(jobs::payload.eq(&text))
        .count()
        .get_result(conn)?;
    if waiting > 0 {
        return Ok(());
    }
    super::enqueue(conn, scope, KIND, &payload)
}

/// Origins the player's page may have: the device's addresses (and loopback, where its kiosk
/// opens it), or the cloud's public address. Only `SAMEORIGIN`, `'self'` and explicit source
/// lists depend on it.
///
/// In the cloud only the public address: screens open the player there. On a device, the
/// addresses the LAN's screens use; loopback only when it has no other (the device's own
/// kiosk runs the extension, which lets any page be framed, so a page allowing only
/// `localhost` must not count as frameable for the LAN's screens).
fn player_origins(state: &Core) -> Vec<Url> {
    let port = state.config.listen.port();
    let urls = if state.config.mode == Mode::Device {
        let lan = crate::host::reachable_urls(state.config.listen);
        if lan.is_empty() {
            vec![crate::host::admin_url(
                std::net::Ipv4Addr::LOCALHOST.into(),
                port,
            )]
        } else {
            lan
        }
    } else {
        vec![state.config.public_url()]
    };
    urls.iter().filter_map(|u| Url::parse(u).ok()).collect()
}

/// The longest one page check may take, everything included.
const CHECK_LIMIT: std::time::Duration = std::time::Duration::from_secs(25);

/// Checks one page and records the verdict.
pub async fn run(state: &Core, job: &Job) -> Result<(), Failure> {
    let p: PageCheck = job.payload()?;
    let scope = job.scope();
    let (s, id) = (scope.clone(), p.asset_id.clone());
    let Some(a) = state
        .db
        .read(&scope, move |c| asset::get(c, &s, &id))
        .await?
    else {
        return Ok(());
    };
    if !applies(&a) || a.uri.as_deref() != Some(p.uri.as_str()) {
        return Ok(());
    }
    let settings = state.settings(&scope).await?;
    let verify = settings.verify_ssl && !a.skip_ssl_verify;
    let extra = headers::normalize(a.metadata_map().get("headers"));
    // One limit over everything (DNS, redirects, each hop's own 15 s): the job worker is
    // shared by every tenant, and a slow site must not hold up anyone's e-mail or videos.
    let probe = tokio::time::timeout(
        CHECK_LIMIT,
        content::check_page(
            &p.uri,
            &extra,
            verify,
            state.config.allow_private_urls,
            &player_origins(state),
        ),
    )
    .await
    .unwrap_or_else(|_| {
        PageProbe::Unreachable(format!(
            "The page did not answer within {} seconds.",
            CHECK_LIMIT.as_secs()
        ))
    });
    let now = Utc::now().naive_utc();
    let (status, reason, reachable) = match probe {
        PageProbe::Ok => (
            Some("ok"),
            Some("The page answers and may be shown inside the player.".to_string()),
            Some(true),
        ),
        PageProbe::NotFrameable(why) => (Some("not_frameable"), Some(why), Some(true)),
        PageProbe::Unreachable(why) => (Some("unreachable"), Some(why), Some(false)),
        // No verdict: screens judge for themselves.
        PageProbe::NotChecked => (None, None, None),
    };
    let outcome = Outcome {
        status: status.map(str::to_string),
        reason,
        checked_at: now,
        reachable,
    };
    let (s, id, uri) = (scope.clone(), p.asset_id.clone(), p.uri.clone());
    let (written, before) = state
        .db
        .write(&scope, move |c| {
            asset::set_page_check(c, &s, &id, &uri, &outcome)
        })
        .await?;
    // Screens refetch their playlist on a change; a verdict that stayed the same is not one.
    if written && before.as_deref() != status {
        tracing::info!(asset = %p.asset_id, status = status.unwrap_or("not checked"), "page check");
        state.events.publish(Event::AssetsChanged {
            tenant_id: scope.id().to_string(),
            asset_id: Some(p.asset_id),
        });
    }
    Ok(())
}

/// Queues the checks due in every tenant: pages never checked or checked over [`EVERY`] ago.
async fn sweep(state: &Core) {
    let tenants = state
        .db
        .system(|c| {
            use crate::db::schema::tenants;
            Ok(tenants::table.select(tenants::id).load::<String>(c)?)
        })
        .await;
    let mut queued = 0;
    for id in tenants.unwrap_or_default() {
        let scope = TenantScope::new(id);
        let s = scope.clone();
        let done = state
            .db
            .write(&scope, move |c| {
                let before = Utc::now().naive_utc() - EVERY;
                let due = asset::pages_due(c, &s, before, PER_TENANT)?;
                let mut n = 0;
                for (asset_id, uri) in due {
                    let a = asset::get(c, &s, &asset_id)?;
                    if let Some(a) = a.filter(|a| a.uri.as_deref() == Some(uri.as_str())) {
                        enqueue(c, &s, &a)?;
                        n += 1;
                    }
                }
                Ok(n)
            })
            .await;
        match done {
            Ok(n) => queued += n,
            Err(e) => tracing::warn!(tenant = %scope.id(), error = %e, "page checks not queued"),
        }
    }
    if queued > 0 {
        tracing::info!(pages = queued, "page checks queued");
        state.jobs.wake();
    }
}

/// Runs [`sweep`] a minute after start-up, then every ten minutes.
pub fn spawn_sweep(state: Arc<Core>) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut tick = tokio::time::interval(SWEEP);
        loop {
            tick.tick().await;
            sweep(&state).await;
        }
    });
}
