//! Playlists (with their items), schedules and interrupts: what plays where and when.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{interrupts, playlist_items, playlists, schedules};
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `playlists`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = playlists)]
pub struct Playlist {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub shuffle: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A row of `playlist_items`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = playlist_items)]
pub struct Item {
    pub playlist_id: String,
    pub position: i32,
    pub tenant_id: String,
    pub asset_id: String,
    pub duration: Option<i32>,
}

/// A row of `schedules`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schedules, treat_none_as_null = true)]
pub struct Schedule {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub playlist_id: String,
    /// JSON: `{"all":true}` or `{"screen_ids":[…],"group_ids":[…]}`.
    pub targets: String,
    pub start_date: Option<NaiveDateTime>,
    pub end_date: Option<NaiveDateTime>,
    /// JSON array of ISO weekdays.
    pub play_days: String,
    pub play_time_from: Option<String>,
    pub play_time_to: Option<String>,
    pub priority: i32,
    pub is_enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A row of `interrupts`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = interrupts)]
pub struct Interrupt {
    pub id: String,
    pub tenant_id: String,
    pub targets: String,
    pub asset_id: Option<String>,
    /// JSON `{"text","background","color"}`.
    pub message: Option<String>,
    pub until: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

// ---- playlists ----

pub fn playlists(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<Playlist>, Error> {
    Ok(playlists::table
        .filter(playlists::tenant_id.eq(scope.id()))
        .order((playlists::name.asc(), playlists::id.asc()))
        .select(Playlist::as_select())
        .load(conn)?)
}

pub fn find_playlist(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<Playlist>, Error> {
    Ok(playlists::table
        .filter(playlists::tenant_id.eq(scope.id()))
        .filter(playlists::id.eq(id))
        .select(Playlist::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_playlist(conn: &mut AnyConnection, p: &Playlist) -> Result<(), Error> {
    diesel::insert_into(playlists::table)
        .values(p)
        .execute(conn)?;
    Ok(())
}

/// Renames or (un)shuffles a playlist; touches it.
pub fn update_playlist(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    name: Option<&str>,
    shuffle: Option<bool>,
    at: NaiveDateTime,
) -> Result<(), Error> {
    let target = playlists::table
        .filter(playlists::tenant_id.eq(scope.id()))
        .filter(playlists::id.eq(id));
    diesel::update(target)
        .set(playlists::updated_at.eq(at))
        .execute(conn)?;
    if let Some(n) = name {
        diesel::update(target)
            .set(playlists::name.eq(n))
            .execute(conn)?;
    }
    if let Some(s) = shuffle {
        diesel::update(target)
            .set(playlists::shuffle.eq(s))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_playlist(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<(), Error> {
    diesel::delete(
        playlist_items::table
            .filter(playlist_items::tenant_id.eq(scope.id()))
            .filter(playlist_items::playlist_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(
        playlists::table
            .filter(playlists::tenant_id.eq(scope.id()))
            .filter(playlists::id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

/// The items of the given playlists (all of the tenant's when `None`), by playlist and position.
pub fn items(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    playlist_ids: Option<&[String]>,
) -> Result<Vec<Item>, Error> {
    let mut q = playlist_items::table
        .filter(playlist_items::tenant_id.eq(scope.id()))
        .into_boxed();
    if let Some(ids) = playlist_ids {
        q = q.filter(playlist_items::playlist_id.eq_any(ids.to_vec()));
    }
    Ok(q.order((
        playlist_items::playlist_id.asc(),
        playlist_items::position.asc(),
    ))
    .select(Item::as_select())
    .load(conn)?)
}

/// Replaces a playlist's items.
pub fn set_items(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    playlist_id: &str,
    items: &[Item],
) -> Result<(), Error> {
    diesel::delete(
        playlist_items::table
            .filter(playlist_items::tenant_id.eq(scope.id()))
            .filter(playlist_items::playlist_id.eq(playlist_id)),
    )
    .execute(conn)?;
    // One row at a time: batch inserts are not available across both backends.
    for item in items {
        diesel::insert_into(playlist_items::table)
            .values(item)
            .execute(conn)?;
    }
    Ok(())
}

/// The playlists (id, name) holding an asset.
pub fn playlists_with_asset(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
) -> Result<Vec<(String, String)>, Error> {
    let ids: Vec<String> = playlist_items::table
        .filter(playlist_items::tenant_id.eq(scope.id()))
        .filter(playlist_items::asset_id.eq(asset_id))
        .select(playlist_items::playlist_id)
        .distinct()
        .load(conn)?;
    Ok(playlists::table
        .filter(playlists::tenant_id.eq(scope.id()))
        .filter(playlists::id.eq_any(ids))
        .order(playlists::name.asc())
        .select((playlists::id, playlists::name))
        .load(conn)?)
}

/// Takes an asset out of every playlist, closing the gaps; the playlists it was in.
pub fn remove_asset(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
    at: NaiveDateTime,
) -> Result<Vec<(String, String)>, Error> {
    let holding = playlists_with_asset(conn, scope, asset_id)?;
    for (playlist_id, _) in &holding {
        let ids = [playlist_id.clone()];
        let kept: Vec<Item> = items(conn, scope, Some(&ids))?
            .into_iter()
            .filter(|i| i.asset_id != asset_id)
            .enumerate()
            .map(|(n, mut i)| {
                i.position = n as i32;
                i
            })
            .collect();
        set_items(conn, scope, playlist_id, &kept)?;
        diesel::update(
            playlists::table
                .filter(playlists::tenant_id.eq(scope.id()))
                .filter(playlists::id.eq(playlist_id)),
        )
        .set(playlists::updated_at.eq(at))
        .execute(conn)?;
    }
    Ok(holding)
}

// ---- schedules ----

pub fn schedules(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<Schedule>, Error> {
    Ok(schedules::table
        .filter(schedules::tenant_id.eq(scope.id()))
        .order((schedules::created_at.asc(), schedules::id.asc()))
        .select(Schedule::as_select())
        .load(conn)?)
}

pub fn find_schedule(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<Schedule>, Error> {
    Ok(schedules::table
        .filter(schedules::tenant_id.eq(scope.id()))
        .filter(schedules::id.eq(id))
        .select(Schedule::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_schedule(conn: &mut AnyConnection, s: &Schedule) -> Result<(), Error> {
    diesel::insert_into(schedules::table)
        .values(s)
        .execute(conn)?;
    Ok(())
}

/// Writes every field of a schedule row (of its tenant).
pub fn save_schedule(conn: &mut AnyConnection, s: &Schedule) -> Result<(), Error> {
    diesel::update(
        schedules::table
            .filter(schedules::tenant_id.eq(&s.tenant_id))
            .filter(schedules::id.eq(&s.id)),
    )
    .set(s)
    .execute(conn)?;
    Ok(())
}

pub fn delete_schedule(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<bool, Error> {
    let n = diesel::delete(
        schedules::table
            .filter(schedules::tenant_id.eq(scope.id()))
            .filter(schedules::id.eq(id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// The schedules (id, name) that play a playlist.
pub fn schedules_of_playlist(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    playlist_id: &str,
) -> Result<Vec<(String, String)>, Error> {
    Ok(schedules::table
        .filter(schedules::tenant_id.eq(scope.id()))
        .filter(schedules::playlist_id.eq(playlist_id))
        .order(schedules::name.asc())
        .select((schedules::id, schedules::name))
        .load(conn)?)
}

// ---- interrupts ----

pub fn insert_interrupt(conn: &mut AnyConnection, i: &Interrupt) -> Result<(), Error> {
    diesel::insert_into(interrupts::table)
        .values(i)
        .execute(conn)?;
    Ok(())
}

/// The tenant's interrupts, newest first: those not ended nor past `until` at `now`, or all.
pub fn interrupts(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    live_at: Option<NaiveDateTime>,
) -> Result<Vec<Interrupt>, Error> {
    let mut q = interrupts::table
        .filter(interrupts::tenant_id.eq(scope.id()))
        .into_boxed();
    if let Some(now) = live_at {
        q = q
            .filter(interrupts::ended_at.is_null())
            .filter(interrupts::until.is_null().or(interrupts::until.gt(now)));
    }
    Ok(
        q.order((interrupts::created_at.desc(), interrupts::id.desc()))
            .limit(500)
            .select(Interrupt::as_select())
            .load(conn)?,
    )
}

pub fn find_interrupt(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<Interrupt>, Error> {
    Ok(interrupts::table
        .filter(interrupts::tenant_id.eq(scope.id()))
        .filter(interrupts::id.eq(id))
        .select(Interrupt::as_select())
        .first(conn)
        .optional()?)
}

/// Ends an interrupt now (if it was not already).
pub fn end_interrupt(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    at: NaiveDateTime,
) -> Result<bool, Error> {
    let n = diesel::update(
        interrupts::table
            .filter(interrupts::tenant_id.eq(scope.id()))
            .filter(interrupts::id.eq(id))
            .filter(interrupts::ended_at.is_null()),
    )
    .set(interrupts::ended_at.eq(at))
    .execute(conn)?;
    Ok(n > 0)
}
