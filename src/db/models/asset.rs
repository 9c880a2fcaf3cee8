//! Assets: the one row type every API version views, and the queries on it. Every query takes
//! the tenant scope and filters by it (on PostgreSQL row-level security guards as well). The
//! use cases built on these are in `services::assets`.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::{Map, Value};

use crate::db::AnyConnection;
use crate::db::schema::{assets, shares};
use crate::domain::schedule::{PlayDays, Schedule, Window, parse_time};
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `assets`: every Anthias field plus what Signate keeps about the stored file.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assets, treat_none_as_null = true)]
pub struct Asset {
    pub tenant_id: String,
    pub asset_id: String,
    pub name: Option<String>,
    pub uri: Option<String>,
    pub md5: Option<String>,
    pub start_date: Option<NaiveDateTime>,
    pub end_date: Option<NaiveDateTime>,
    pub duration: Option<i64>,
    pub mimetype: Option<String>,
    pub is_enabled: bool,
    pub is_processing: bool,
    pub nocache: bool,
    pub play_order: i32,
    pub skip_asset_check: bool,
    pub skip_ssl_verify: bool,
    pub play_days: String,
    pub play_time_from: Option<String>,
    pub play_time_to: Option<String>,
    pub is_reachable: bool,
    pub last_reachability_check: Option<NaiveDateTime>,
    pub metadata: String,
    pub file_key: Option<String>,
    pub file_size: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// SHA-256 (hex) of the stored file.
    pub sha256: Option<String>,
    /// Storage key of a small JPEG preview.
    pub thumbnail_key: Option<String>,
    /// JSON array of tags (API v3).
    pub tags: String,
    /// Web pages: the page check's verdict (`ok`, `not_frameable`, `unreachable`), its reason
    /// in words and when it was made; `None` until a check could be made (`jobs::page_check`).
    pub page_status: Option<String>,
    pub page_reason: Option<String>,
    pub page_checked_at: Option<NaiveDateTime>,
}

impl Asset {
    /// A new asset with Anthias's defaults and a fresh 32-hex id.
    pub fn new(scope: &TenantScope) -> Asset {
        let now = Utc::now().naive_utc();
        Asset {
            tenant_id: scope.id().to_string(),
            asset_id: new_asset_id(),
            name: None,
            uri: None,
            md5: None,
            start_date: None,
            end_date: None,
            duration: None,
            mimetype: None,
            is_enabled: false,
            is_processing: false,
            nocache: false,
            play_order: 0,
            skip_asset_check: false,
            skip_ssl_verify: false,
            play_days: PlayDays::all().to_json_text(),
            play_time_from: None,
            play_time_to: None,
            is_reachable: true,
            last_reachability_check: None,
            metadata: "{}".into(),
            file_key: None,
            file_size: None,
            created_at: now,
            updated_at: now,
            sha256: None,
            thumbnail_key: None,
            tags: "[]".into(),
            page_status: None,
            page_reason: None,
            page_checked_at: None,
        }
    }

    /// The schedule fields, for the one schedule rule.
    pub fn schedule(&self) -> Schedule {
        stored_schedule(
            self.is_enabled,
            self.start_date,
            self.end_date,
            &self.play_days,
            self.play_time_from.as_deref(),
            self.play_time_to.as_deref(),
        )
    }

    /// Whether the asset plays at `now` in the device time zone `tz`.
    pub fn is_active(&self, now: DateTime<Utc>, tz: Tz) -> bool {
        self.schedule().is_active(now, tz)
    }

    /// `metadata` as a JSON object (anything else reads as empty).
    pub fn metadata_map(&self) -> Map<String, Value> {
        match serde_json::from_str(&self.metadata) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// Stores `map` as `metadata`.
    pub fn set_metadata(&mut self, map: Map<String, Value>) {
        self.metadata = Value::Object(map).to_string();
    }

    /// The page check's verdict, reason and time, when one was made.
    pub fn page_check(&self) -> Option<(crate::domain::framing::PageStatus, &str, NaiveDateTime)> {
        let status = crate::domain::framing::PageStatus::parse(self.page_status.as_deref()?)?;
        Some((
            status,
            self.page_reason.as_deref().unwrap_or(""),
            self.page_checked_at?,
        ))
    }

    /// Whether the mimetype names a video (Anthias branches on substrings).
    pub fn is_video(&self) -> bool {
        self.mimetype
            .as_deref()
            .is_some_and(|m| m.contains("video"))
    }
}

/// 32 lowercase hex digits, like Python's `uuid4().hex`.
pub fn new_asset_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Every asset of the tenant, in insertion order (the order Anthias lists them in).
pub fn list(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<Asset>, Error> {
    Ok(assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .order(assets::id.asc())
        .select(Asset::as_select())
        .load(conn)?)
}

/// One asset by its public id.
pub fn get(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
) -> Result<Option<Asset>, Error> {
    Ok(assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .filter(assets::asset_id.eq(asset_id))
        .select(Asset::as_select())
        .first(conn)
        .optional()?)
}

/// Which of `ids` are assets of the scoped tenant.
pub fn existing_ids(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    ids: &std::collections::BTreeSet<String>,
) -> Result<std::collections::BTreeSet<String>, Error> {
    let mut found = std::collections::BTreeSet::new();
    let all: Vec<&String> = ids.iter().collect();
    for chunk in all.chunks(1000) {
        let got: Vec<String> = assets::table
            .filter(assets::tenant_id.eq(scope.id()))
            .filter(assets::asset_id.eq_any(chunk.iter().map(|s| s.as_str())))
            .select(assets::asset_id)
            .load(conn)?;
        found.extend(got);
    }
    Ok(found)
}

/// One asset, locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite has one
/// writer at a time already): for read-change-write of a row a job may change meanwhile.
pub fn get_locked(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
) -> Result<Option<Asset>, Error> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(pg) => Ok(assets::table
            .filter(assets::tenant_id.eq(scope.id()))
            .filter(assets::asset_id.eq(asset_id))
            .select(Asset::as_select())
            .for_update()
            .first(pg)
            .optional()?),
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => get(conn, scope, asset_id),
    }
}

/// Points an asset at a (converted) file: key, size, SHA-256 and `uri`, with its metadata, and
/// ends its processing. Only these columns: an edit of the others is not undone.
pub fn set_file(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
    file: &(Option<String>, Option<i64>, Option<String>, Option<String>),
    metadata: &str,
) -> Result<(), Error> {
    diesel::update(
        assets::table
            .filter(assets::tenant_id.eq(scope.id()))
            .filter(assets::asset_id.eq(asset_id)),
    )
    .set((
        assets::file_key.eq(&file.0),
        assets::file_size.eq(file.1),
        assets::sha256.eq(&file.2),
        assets::uri.eq(&file.3),
        assets::metadata.eq(metadata),
        assets::is_processing.eq(false),
        assets::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    Ok(())
}

/// A page check's outcome, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCheck {
    /// `ok`, `not_frameable` or `unreachable`; `None` when the server may not fetch the page
    /// (the time is still kept, so the page is not due again at once).
    pub status: Option<String>,
    pub reason: Option<String>,
    pub checked_at: NaiveDateTime,
    /// The Anthias field `is_reachable` it implies, when it says anything about it.
    pub reachable: Option<bool>,
}

/// Records a page check on the asset, but only while its address is still `uri` (an edit
/// meanwhile queued a check of the new one). Not `updated_at`: the asset did not change.
/// Returns whether it was written and the status it replaced.
pub fn set_page_check(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
    uri: &str,
    check: &PageCheck,
) -> Result<(bool, Option<String>), Error> {
    let before: Option<Option<String>> = assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .filter(assets::asset_id.eq(asset_id))
        .filter(assets::uri.eq(uri))
        .select(assets::page_status)
        .first(conn)
        .optional()?;
    let Some(before) = before else {
        return Ok((false, None));
    };
    diesel::update(
        assets::table
            .filter(assets::tenant_id.eq(scope.id()))
            .filter(assets::asset_id.eq(asset_id))
            .filter(assets::uri.eq(uri)),
    )
    .set((
        assets::page_status.eq(&check.status),
        assets::page_reason.eq(&check.reason),
        assets::page_checked_at.eq(check.checked_at),
    ))
    .execute(conn)?;
    if let Some(reachable) = check.reachable {
        diesel::update(
            assets::table
                .filter(assets::tenant_id.eq(scope.id()))
                .filter(assets::asset_id.eq(asset_id)),
        )
        .set((
            assets::is_reachable.eq(reachable),
            assets::last_reachability_check.eq(check.checked_at),
        ))
        .execute(conn)?;
    }
    Ok((true, before))
}

/// Asset id, uri, mimetype and last page check of a candidate for [`pages_due`].
type DueRow = (
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// Up to `limit` web pages (an address, no stored file) never checked or last checked before
/// `before`, the longest unchecked first: (asset id, uri).
pub fn pages_due(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    before: NaiveDateTime,
    limit: usize,
) -> Result<Vec<(String, String)>, Error> {
    let rows: Vec<DueRow> = assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .filter(assets::file_key.is_null())
        .filter(
            assets::page_checked_at
                .is_null()
                .or(assets::page_checked_at.lt(before)),
        )
        .select((
            assets::asset_id,
            assets::uri,
            assets::mimetype,
            assets::page_checked_at,
        ))
        .load(conn)?;
    let mut due: Vec<_> = rows
        .into_iter()
        .filter(|(_, _, m, _)| {
            crate::domain::asset::Kind::of(m.as_deref().unwrap_or(""))
                == crate::domain::asset::Kind::Webpage
        })
        .filter_map(|(id, uri, _, at)| {
            let uri = uri.filter(|u| u.starts_with("http://") || u.starts_with("https://"))?;
            Some((at, id, uri))
        })
        .collect();
    due.sort();
    Ok(due
        .into_iter()
        .take(limit)
        .map(|(_, id, uri)| (id, uri))
        .collect())
}

/// Inserts a new asset (its `tenant_id` must be the scope's).
pub fn insert(conn: &mut AnyConnection, scope: &TenantScope, asset: &Asset) -> Result<(), Error> {
    if asset.tenant_id != scope.id() {
        return Err(Error::Internal("asset of another tenant".into()));
    }
    diesel::insert_into(assets::table)
        .values(asset)
        .execute(conn)?;
    Ok(())
}

/// Writes every field of `asset` back.
pub fn update(conn: &mut AnyConnection, scope: &TenantScope, asset: &Asset) -> Result<(), Error> {
    let mut asset = asset.clone();
    asset.tenant_id = scope.id().to_string();
    asset.updated_at = Utc::now().naive_utc();
    diesel::update(
        assets::table
            .filter(assets::tenant_id.eq(scope.id()))
            .filter(assets::asset_id.eq(&asset.asset_id)),
    )
    .set(&asset)
    .execute(conn)?;
    Ok(())
}

/// Deletes one asset; returns whether it existed.
pub fn delete(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
) -> Result<bool, Error> {
    let n = diesel::delete(
        assets::table
            .filter(assets::tenant_id.eq(scope.id()))
            .filter(assets::asset_id.eq(asset_id)),
    )
    .execute(conn)?;
    // Its share links go with it: an id that comes back (a restore) must not revive them.
    diesel::delete(
        shares::table
            .filter(shares::tenant_id.eq(scope.id()))
            .filter(shares::asset_id.eq(asset_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Deletes every asset of the tenant (restore replaces them all).
pub fn delete_all(conn: &mut AnyConnection, scope: &TenantScope) -> Result<usize, Error> {
    diesel::delete(shares::table.filter(shares::tenant_id.eq(scope.id()))).execute(conn)?;
    Ok(diesel::delete(assets::table.filter(assets::tenant_id.eq(scope.id()))).execute(conn)?)
}

/// `name`, or `name-1`, `name-2`, … whichever is free first (Anthias `get_unique_name`); a
/// suffix that would pass `NAME_MAX` shortens the name instead.
pub fn unique_name(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    name: &str,
) -> Result<String, Error> {
    use crate::domain::asset::{NAME_MAX, suffixed_name};
    // Every candidate starts with this: the name, or (when `-` and ten digits would not fit
    // after it) the part of it every shortened candidate keeps. Bounded by NAME_MAX, so the
    // pattern stays far below SQLite's LIKE limit whatever the name.
    const SUFFIX_MAX: usize = 11;
    let pattern = if name.chars().count() + SUFFIX_MAX <= NAME_MAX {
        format!("{}-%", like_escape(name))
    } else {
        let stem: String = name.chars().take(NAME_MAX - SUFFIX_MAX).collect();
        format!("{}%", like_escape(&stem))
    };
    let taken: Vec<Option<String>> = assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        // The pattern only narrows the rows read; names are compared exactly below.
        .filter(
            assets::name
                .eq(name)
                .or(assets::name.like(pattern).escape('\\')),
        )
        .select(assets::name)
        .load(conn)?;
    let taken: std::collections::HashSet<String> = taken.into_iter().flatten().collect();
    if !taken.contains(name) {
        return Ok(name.to_string());
    }
    let mut n = 1u64;
    loop {
        let candidate = suffixed_name(name, &format!("-{n}"));
        if !taken.contains(&candidate) {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Serialises changes of the tenant's playlist order until the transaction ends. Two writers
/// re-numbering the same rows in different orders would deadlock on PostgreSQL (and leave
/// positions shared); SQLite has one writer at a time already. A transaction that will
/// re-number takes this first, before any row lock, so the locks are always taken in one order.
pub fn lock_order(conn: &mut AnyConnection, scope: &TenantScope) -> Result<(), Error> {
    crate::db::transaction_lock(conn, &format!("assets.play_order:{}", scope.id()))
}

/// The position after every asset of the tenant: where an asset is appended.
pub fn next_position(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i32, Error> {
    let last: Option<i32> = assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .select(diesel::dsl::max(assets::play_order))
        .first(conn)?;
    Ok(last.map_or(0, |p| p.saturating_add(1)))
}

/// Sets `play_order = i` for the i-th listed id; unknown ids are ignored and unlisted assets
/// keep theirs (Anthias `assets/order`).
pub fn set_play_orders(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    ids: &[String],
) -> Result<(), Error> {
    lock_order(conn, scope)?;
    for (i, id) in ids.iter().enumerate() {
        diesel::update(
            assets::table
                .filter(assets::tenant_id.eq(scope.id()))
                .filter(assets::asset_id.eq(id)),
        )
        .set(assets::play_order.eq(i as i32))
        .execute(conn)?;
    }
    Ok(())
}

/// Re-numbers the active playlist 0..n after `changed` was created or edited: it is taken out
/// and, when active, put back at its requested `play_order` (Anthias's re-indexing).
///
/// Upstream lists the other active assets in storage order, which scrambles a custom order on
/// every write; we keep them in their current `play_order` (ties by insertion), which gives
/// the same result whenever the two orders agree.
pub fn reindex_active(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    changed: &Asset,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(), Error> {
    lock_order(conn, scope)?;
    let mut rows = order_rows(conn, scope)?;
    rows.sort_by_key(|r| r.play_order);
    let mut ids: Vec<&str> = rows
        .iter()
        .filter(|r| r.asset_id != changed.asset_id && r.schedule().is_active(now, tz))
        .map(|r| r.asset_id.as_str())
        .collect();
    if changed.is_active(now, tz) {
        let at = (changed.play_order.max(0) as usize).min(ids.len());
        ids.insert(at, changed.asset_id.as_str());
    }
    let current: HashMap<&str, i32> = rows
        .iter()
        .map(|r| (r.asset_id.as_str(), r.play_order))
        .collect();
    // Group the moves by how far they go: inserting at the front shifts every other row by
    // one, which is then one statement instead of one per row.
    let mut by_delta: HashMap<i64, Vec<&str>> = HashMap::new();
    let positions: HashMap<&str, i32> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as i32))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let old = current.get(id).copied().unwrap_or(changed.play_order);
        if old != i as i32 {
            by_delta.entry(i as i64 - old as i64).or_default().push(id);
        }
    }
    for (delta, ids) in by_delta {
        // A move too far for an `i32` step (a row given an extreme play_order) is written as
        // absolute positions instead.
        let Ok(step) = i32::try_from(delta) else {
            for id in ids {
                let at = positions[id];
                diesel::update(
                    assets::table
                        .filter(assets::tenant_id.eq(scope.id()))
                        .filter(assets::asset_id.eq(id)),
                )
                .set(assets::play_order.eq(at))
                .execute(conn)?;
            }
            continue;
        };
        for batch in ids.chunks(500) {
            diesel::update(
                assets::table
                    .filter(assets::tenant_id.eq(scope.id()))
                    .filter(assets::asset_id.eq_any(batch)),
            )
            .set(assets::play_order.eq(assets::play_order + step))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// What ordering needs of each asset: its id, position and schedule.
#[derive(Queryable, Selectable)]
#[diesel(table_name = assets)]
struct OrderRow {
    asset_id: String,
    play_order: i32,
    is_enabled: bool,
    start_date: Option<NaiveDateTime>,
    end_date: Option<NaiveDateTime>,
    play_days: String,
    play_time_from: Option<String>,
    play_time_to: Option<String>,
}

impl OrderRow {
    fn schedule(&self) -> Schedule {
        stored_schedule(
            self.is_enabled,
            self.start_date,
            self.end_date,
            &self.play_days,
            self.play_time_from.as_deref(),
            self.play_time_to.as_deref(),
        )
    }
}

/// A schedule from its stored columns (play days as JSON text, times as `HH:MM:SS`).
fn stored_schedule(
    is_enabled: bool,
    start: Option<NaiveDateTime>,
    end: Option<NaiveDateTime>,
    play_days: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Schedule {
    Schedule {
        is_enabled,
        start,
        end,
        window: Window {
            play_days: PlayDays::from_json_text(play_days),
            from: from.and_then(parse_time),
            to: to.and_then(parse_time),
        },
    }
}

fn order_rows(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<OrderRow>, Error> {
    Ok(assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .order(assets::id.asc())
        .select(OrderRow::as_select())
        .load(conn)?)
}

/// The keys an asset listing can be ordered by (each with the row id to break ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    PlayOrder,
    Created,
    Name,
}

/// Where a page starts: after the row with this sort key value and id.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    PlayOrder(i32, i64),
    Created(NaiveDateTime, i64),
    Name(String, i64),
}

/// A filtered, ordered page of the tenant's assets (API v3).
#[derive(Debug, Clone)]
pub struct Search {
    /// `image` matches `image` and `image/…`.
    pub mimetype: Option<String>,
    pub is_enabled: Option<bool>,
    pub tag: Option<String>,
    /// Words anywhere in the name or the metadata, any case.
    pub text: Option<String>,
    pub key: SortKey,
    pub descending: bool,
    pub after: Option<After>,
    pub limit: i64,
}

/// Escapes `%`, `_` and `\` for LIKE (backslash is PostgreSQL's default escape; SQLite needs
/// `ESCAPE '\'` said).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of `search`, with each row's internal id (the cursor's tie-breaker). Served by the
/// `(tenant_id, play_order, id)` index and its siblings, so a page costs the same whatever
/// the tenant's size. PostgreSQL only: API v3 runs in cloud mode.
#[cfg(feature = "postgres")]
pub fn search(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    search: &Search,
) -> Result<Vec<(i64, Asset)>, Error> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};
    #[allow(unreachable_patterns)] // without SQLite there is no other backend
    let pg = match conn {
        AnyConnection::Postgresql(pg) => pg,
        _ => return Err(Error::Internal("asset search needs PostgreSQL".into())),
    };
    let mut query = assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .select((assets::id, Asset::as_select()))
        .into_boxed::<diesel::pg::Pg>();
    if let Some(m) = &search.mimetype {
        query = query.filter(
            assets::mimetype
                .eq(m.clone())
                .or(assets::mimetype.like(format!("{}/%", like_escape(m)))),
        );
    }
    if let Some(e) = search.is_enabled {
        query = query.filter(assets::is_enabled.eq(e));
    }
    if let Some(tag) = &search.tag {
        let quoted = serde_json::to_string(tag).unwrap_or_default();
        query = query.filter(assets::tags.like(format!("%{}%", like_escape(&quoted))));
    }
    if let Some(text) = search.text.as_deref() {
        let pattern = format!("%{}%", like_escape(text));
        query = query.filter(
            assets::name
                .ilike(pattern.clone())
                .or(assets::metadata.ilike(pattern)),
        );
    }
    let cmp = if search.descending { "<" } else { ">" };
    query = match search.after.clone() {
        None => query,
        Some(After::PlayOrder(k, id)) => query.filter(
            sql::<Bool>(&format!("(assets.play_order, assets.id) {cmp} ("))
                .bind::<Integer, _>(k)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        ),
        Some(After::Created(t, id)) => query.filter(
            sql::<Bool>(&format!("(assets.created_at, assets.id) {cmp} ("))
                .bind::<Timestamp, _>(t)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        ),
        Some(After::Name(n, id)) => query.filter(
            sql::<Bool>(&format!("(COALESCE(assets.name, ''), assets.id) {cmp} ("))
                .bind::<Text, _>(n)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        ),
    };
    let dir = if search.descending { "DESC" } else { "ASC" };
    query = match search.key {
        SortKey::PlayOrder => query.order(sql::<Integer>(&format!(
            "assets.play_order {dir}, assets.id {dir}"
        ))),
        SortKey::Created => query.order(sql::<Timestamp>(&format!(
            "assets.created_at {dir}, assets.id {dir}"
        ))),
        SortKey::Name => query.order(sql::<Text>(&format!(
            "COALESCE(assets.name, '') {dir}, assets.id {dir}"
        ))),
    };
    Ok(query.limit(search.limit).load(pg)?)
}
