//! Proof of play: one row per showing a screen reported.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::play_events;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// One showing: which asset, when it started (UTC), for how long, on which screen (`None`:
/// the device's own kiosk, or a player without a screen of its own).
#[derive(Debug, Clone, Queryable)]
pub struct Play {
    pub asset_id: String,
    pub started_at: NaiveDateTime,
    pub duration_ms: i64,
    pub screen_id: Option<String>,
    /// What made it play: a playlist of a schedule, or an interrupt (all `None`: the default
    /// playlist).
    pub playlist_id: Option<String>,
    pub schedule_id: Option<String>,
    pub interrupt_id: Option<String>,
}

/// Records showings in the scoped tenant.
pub fn insert(conn: &mut AnyConnection, scope: &TenantScope, plays: &[Play]) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    for p in plays {
        diesel::insert_into(play_events::table)
            .values((
                play_events::tenant_id.eq(scope.id()),
                play_events::asset_id.eq(&p.asset_id),
                play_events::started_at.eq(p.started_at),
                play_events::duration_ms.eq(p.duration_ms),
                play_events::created_at.eq(now),
                play_events::screen_id.eq(&p.screen_id),
                play_events::playlist_id.eq(&p.playlist_id),
                play_events::schedule_id.eq(&p.schedule_id),
                play_events::interrupt_id.eq(&p.interrupt_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The scoped tenant's latest `limit` showings, newest first.
pub fn recent(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    limit: i64,
) -> Result<Vec<Play>, Error> {
    Ok(play_events::table
        .filter(play_events::tenant_id.eq(scope.id()))
        .order((play_events::started_at.desc(), play_events::id.desc()))
        .limit(limit)
        .select((
            play_events::asset_id,
            play_events::started_at,
            play_events::duration_ms,
            play_events::screen_id,
            play_events::playlist_id,
            play_events::schedule_id,
            play_events::interrupt_id,
        ))
        .load(conn)?)
}
