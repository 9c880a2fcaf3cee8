//! Screens, their groups, and the pairing codes screens show until an admin claims them.
//!
//! A screen's device token is stored as its SHA-256 (`token_hash`), like API keys. Pairings are
//! found before a tenant is known: by the hash of the secret the screen polls with, by the code
//! an admin types, or by the address that asked (the rate limit); on PostgreSQL the binding's
//! lookup key names which (`db::Binding::lookup`, see the migration's policies).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{screen_groups, screen_pairings, screens};
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `screens`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = screens)]
pub struct Screen {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub group_id: Option<String>,
    /// JSON array of strings.
    pub tags: String,
    pub token_hash: Option<String>,
    pub connection: Option<String>,
    pub last_seen_at: Option<NaiveDateTime>,
    pub ip: Option<String>,
    pub resolution: Option<String>,
    pub player_version: Option<String>,
    pub now_playing_asset_id: Option<String>,
    pub now_playing_since: Option<NaiveDateTime>,
    /// JSON array of `{"asset_id","reason"}`: what the screen last said it skipped.
    pub skipped: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Screen {
    /// The tags as a list (a malformed value reads as none).
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

/// A row of `screen_groups`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = screen_groups)]
pub struct Group {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A row of `screen_pairings`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = screen_pairings)]
pub struct Pairing {
    pub secret_hash: String,
    pub code: String,
    pub ip: Option<String>,
    pub resolution: Option<String>,
    pub player_version: Option<String>,
    pub tenant_id: Option<String>,
    pub screen_id: Option<String>,
    pub expires_at: NaiveDateTime,
    pub claimed_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

// ---- screens ----

/// Serialises the transactions that add screens to a tenant, so two claims at once cannot
/// both pass `max_devices` (PostgreSQL; SQLite has one writer at a time anyway).
pub fn lock_fleet(conn: &mut AnyConnection, scope: &TenantScope) -> Result<(), Error> {
    crate::db::transaction_lock(conn, &format!("screens:{}", scope.id()))
}

pub fn insert(conn: &mut AnyConnection, screen: &Screen) -> Result<(), Error> {
    diesel::insert_into(screens::table)
        .values(screen)
        .execute(conn)?;
    Ok(())
}

/// The scoped tenant's screens, by name.
pub fn list(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<Screen>, Error> {
    Ok(screens::table
        .filter(screens::tenant_id.eq(scope.id()))
        .order((screens::name.asc(), screens::id.asc()))
        .select(Screen::as_select())
        .load(conn)?)
}

/// How many screens the scoped tenant has.
pub fn count(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i64, Error> {
    Ok(screens::table
        .filter(screens::tenant_id.eq(scope.id()))
        .count()
        .get_result(conn)?)
}

pub fn find(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<Screen>, Error> {
    Ok(screens::table
        .filter(screens::tenant_id.eq(scope.id()))
        .filter(screens::id.eq(id))
        .select(Screen::as_select())
        .first(conn)
        .optional()?)
}

/// What a command needs to know of a screen: who it is and whether it is online.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = screens)]
pub struct Presence {
    pub id: String,
    pub name: String,
    pub connection: Option<String>,
    pub last_seen_at: Option<NaiveDateTime>,
}

/// The screens of a group, by name: only what a command needs. A group may hold thousands and a
/// command reads them all; with whole rows, 10,000 screens cost a command ~100 ms more and
/// ~15 MB of short-lived allocations (bench/screens).
pub fn in_group(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    group_id: &str,
) -> Result<Vec<Presence>, Error> {
    Ok(screens::table
        .filter(screens::tenant_id.eq(scope.id()))
        .filter(screens::group_id.eq(group_id))
        .order((screens::name.asc(), screens::id.asc()))
        .select(Presence::as_select())
        .load(conn)?)
}

/// The screen holding this token hash, before its tenant is known (binding: lookup = hash).
pub fn find_by_token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Screen>, Error> {
    Ok(screens::table
        .filter(screens::token_hash.eq(token_hash))
        .select(Screen::as_select())
        .first(conn)
        .optional()?)
}

/// What an admin may change: name, group, tags.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = screens)]
pub struct Edit {
    pub name: Option<String>,
    pub group_id: Option<Option<String>>,
    pub tags: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    edit: &Edit,
) -> Result<bool, Error> {
    let n = diesel::update(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::id.eq(id)),
    )
    .set(edit)
    .execute(conn)?;
    Ok(n > 0)
}

pub fn delete(conn: &mut AnyConnection, scope: &TenantScope, id: &str) -> Result<bool, Error> {
    let n = diesel::delete(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::id.eq(id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Gives the screen its token (once: only while it has none).
pub fn set_token(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    token_hash: &str,
) -> Result<bool, Error> {
    let n = diesel::update(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::id.eq(id))
            .filter(screens::token_hash.is_null()),
    )
    .set(screens::token_hash.eq(token_hash))
    .execute(conn)?;
    Ok(n > 0)
}

/// What a screen said about itself when it connected or in a heartbeat.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = screens)]
pub struct Seen {
    pub last_seen_at: Option<NaiveDateTime>,
    pub ip: Option<String>,
    pub resolution: Option<String>,
    pub player_version: Option<String>,
    pub now_playing_asset_id: Option<Option<String>>,
    pub now_playing_since: Option<Option<NaiveDateTime>>,
    pub skipped: Option<Option<String>>,
}

/// Records a screen's connection (`Some`: this connection holds it now) and what it said.
pub fn connected(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    connection: &str,
    seen: &Seen,
) -> Result<(), Error> {
    diesel::update(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::id.eq(id)),
    )
    .set((screens::connection.eq(connection), seen))
    .execute(conn)?;
    Ok(())
}

/// Records that a connection went away, unless another has taken the screen over since.
pub fn disconnected(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    connection: &str,
) -> Result<bool, Error> {
    let n = diesel::update(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::id.eq(id))
            .filter(screens::connection.eq(connection)),
    )
    .set(screens::connection.eq(None::<String>))
    .execute(conn)?;
    Ok(n > 0)
}

/// Records heartbeats: every screen in `ids` was seen at `at`.
pub fn seen_many(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    ids: &[String],
    at: NaiveDateTime,
) -> Result<(), Error> {
    // Bounded statements: PostgreSQL takes at most 65,535 bind parameters.
    for chunk in ids.chunks(5000) {
        diesel::update(
            screens::table
                .filter(screens::tenant_id.eq(scope.id()))
                .filter(screens::id.eq_any(chunk)),
        )
        .set(screens::last_seen_at.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

/// Records what one screen said that changed (resolution, version, what it shows).
pub fn seen(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    seen: &Seen,
) -> Result<(), Error> {
    let nothing = seen.last_seen_at.is_none()
        && seen.ip.is_none()
        && seen.resolution.is_none()
        && seen.player_version.is_none()
        && seen.now_playing_asset_id.is_none()
        && seen.now_playing_since.is_none()
        && seen.skipped.is_none();
    if nothing {
        return Ok(());
    }
    diesel::update(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::id.eq(id)),
    )
    .set(seen)
    .execute(conn)?;
    Ok(())
}

// ---- groups ----

pub fn insert_group(conn: &mut AnyConnection, group: &Group) -> Result<(), Error> {
    diesel::insert_into(screen_groups::table)
        .values(group)
        .execute(conn)?;
    Ok(())
}

/// The scoped tenant's groups by name, with how many screens each holds.
pub fn groups(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<(Group, i64)>, Error> {
    let groups: Vec<Group> = screen_groups::table
        .filter(screen_groups::tenant_id.eq(scope.id()))
        .order((screen_groups::name.asc(), screen_groups::id.asc()))
        .select(Group::as_select())
        .load(conn)?;
    let counts: Vec<(Option<String>, i64)> = screens::table
        .filter(screens::tenant_id.eq(scope.id()))
        .filter(screens::group_id.is_not_null())
        .group_by(screens::group_id)
        .select((screens::group_id, diesel::dsl::count_star()))
        .load(conn)?;
    let count = |id: &str| {
        counts
            .iter()
            .find(|(g, _)| g.as_deref() == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    Ok(groups
        .into_iter()
        .map(|g| {
            let n = count(&g.id);
            (g, n)
        })
        .collect())
}

pub fn find_group(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<Group>, Error> {
    Ok(screen_groups::table
        .filter(screen_groups::tenant_id.eq(scope.id()))
        .filter(screen_groups::id.eq(id))
        .select(Group::as_select())
        .first(conn)
        .optional()?)
}

/// Whether another group of the tenant has this name.
pub fn group_name_taken(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    name: &str,
    except: Option<&str>,
) -> Result<bool, Error> {
    let mut q = screen_groups::table
        .filter(screen_groups::tenant_id.eq(scope.id()))
        .filter(screen_groups::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(screen_groups::id.ne(id.to_string()));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

pub fn rename_group(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
    name: &str,
    at: NaiveDateTime,
) -> Result<bool, Error> {
    let n = diesel::update(
        screen_groups::table
            .filter(screen_groups::tenant_id.eq(scope.id()))
            .filter(screen_groups::id.eq(id)),
    )
    .set((
        screen_groups::name.eq(name),
        screen_groups::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Deletes a group; its screens stay, ungrouped.
pub fn delete_group(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<bool, Error> {
    // Explicit rather than ON DELETE SET NULL alone: SQLite enforces foreign keys only when
    // the connection asked, and the rule must hold on both.
    diesel::update(
        screens::table
            .filter(screens::tenant_id.eq(scope.id()))
            .filter(screens::group_id.eq(id)),
    )
    .set(screens::group_id.eq(None::<String>))
    .execute(conn)?;
    let n = diesel::delete(
        screen_groups::table
            .filter(screen_groups::tenant_id.eq(scope.id()))
            .filter(screen_groups::id.eq(id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

// ---- pairings ----

/// Stores a new pairing after removing an expired one with the same code (binding: lookup =
/// `code:<code>`). `Ok(false)`: the code is taken by a live pairing.
pub fn insert_pairing(
    conn: &mut AnyConnection,
    pairing: &Pairing,
    now: NaiveDateTime,
) -> Result<bool, Error> {
    diesel::delete(
        screen_pairings::table
            .filter(screen_pairings::code.eq(&pairing.code))
            .filter(screen_pairings::expires_at.le(now)),
    )
    .execute(conn)?;
    let taken: i64 = screen_pairings::table
        .filter(screen_pairings::code.eq(&pairing.code))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Ok(false);
    }
    // Another pairing may take the code between the check and the insert.
    crate::db::inserted(
        diesel::insert_into(screen_pairings::table)
            .values(pairing)
            .execute(conn),
    )
}

/// Pairings an address asked for since `since`, after deleting its expired ones (binding:
/// lookup = `ip:<address>`).
pub fn recent_pairings(
    conn: &mut AnyConnection,
    ip: &str,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<i64, Error> {
    // Claimed pairings whose screen has not collected its token yet stay (see `poll_pairing`).
    diesel::delete(
        screen_pairings::table
            .filter(screen_pairings::ip.eq(ip))
            .filter(screen_pairings::expires_at.le(now))
            .filter(screen_pairings::created_at.lt(since))
            .filter(
                screen_pairings::claimed_at
                    .is_null()
                    .or(screen_pairings::delivered_at.is_not_null()),
            ),
    )
    .execute(conn)?;
    Ok(screen_pairings::table
        .filter(screen_pairings::ip.eq(ip))
        .filter(screen_pairings::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// The pairing with this secret hash (binding: lookup = the hash).
pub fn pairing_by_secret(
    conn: &mut AnyConnection,
    secret_hash: &str,
) -> Result<Option<Pairing>, Error> {
    Ok(screen_pairings::table
        .filter(screen_pairings::secret_hash.eq(secret_hash))
        .select(Pairing::as_select())
        .first(conn)
        .optional()?)
}

/// The pairing with this code (binding: lookup = `code:<code>`).
pub fn pairing_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Pairing>, Error> {
    Ok(screen_pairings::table
        .filter(screen_pairings::code.eq(code))
        .select(Pairing::as_select())
        .first(conn)
        .optional()?)
}

/// Claims an unclaimed, live pairing for a tenant's new screen; false when someone else got
/// there first or it expired.
pub fn claim(
    conn: &mut AnyConnection,
    code: &str,
    tenant_id: &str,
    screen_id: &str,
    now: NaiveDateTime,
) -> Result<bool, Error> {
    let n = diesel::update(
        screen_pairings::table
            .filter(screen_pairings::code.eq(code))
            .filter(screen_pairings::claimed_at.is_null())
            .filter(screen_pairings::expires_at.gt(now)),
    )
    .set((
        screen_pairings::tenant_id.eq(tenant_id),
        screen_pairings::screen_id.eq(screen_id),
        screen_pairings::claimed_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Marks a claimed pairing's token as handed over (once).
pub fn deliver(
    conn: &mut AnyConnection,
    secret_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, Error> {
    let n = diesel::update(
        screen_pairings::table
            .filter(screen_pairings::secret_hash.eq(secret_hash))
            .filter(screen_pairings::claimed_at.is_not_null())
            .filter(screen_pairings::delivered_at.is_null()),
    )
    .set(screen_pairings::delivered_at.eq(now))
    .execute(conn)?;
    Ok(n > 0)
}
