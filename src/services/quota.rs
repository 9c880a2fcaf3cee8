//! Storage quotas: what a tenant stores is the sum of its assets' file sizes, kept exact
//! because every stored file belongs to a row that records its size.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::assets;
use crate::domain::billing::Limit;
use crate::error::Error;
use crate::services::limits::{self, Rules};
use crate::tenancy::TenantScope;

/// Bytes the tenant's assets take.
pub fn used(conn: &mut AnyConnection, scope: &TenantScope) -> Result<u64, Error> {
    // Summed here rather than with SUM(): PostgreSQL's SUM(bigint) is numeric, which the
    // portable subset of both backends does not read.
    let sizes: Vec<Option<i64>> = assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .select(assets::file_size)
        .load(conn)?;
    Ok(sizes.into_iter().flatten().map(|s| s.max(0) as u64).sum())
}

/// The tenant's quota (`None`: unlimited, as on a device, where the disk is the limit): its
/// plan's, or its row's when no plans are configured (see `services::limits`).
pub fn quota(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    rules: &Rules,
) -> Result<Option<u64>, Error> {
    let q = limits::applied(conn, scope, rules)?
        .limits
        .storage_quota_bytes;
    Ok((q > 0).then_some(q as u64))
}

/// Refuses `size` more bytes when they do not fit in the tenant's plan, naming the limit and
/// the plan that lifts it. Inside the transaction that stores the row, so two copies at once
/// cannot both pass.
pub fn ensure_room(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    rules: &Rules,
    size: u64,
) -> Result<(), Error> {
    let applied = limits::applied(conn, scope, rules)?;
    if applied.limits.storage_quota_bytes <= 0 {
        return Ok(());
    }
    let used = used(conn, scope)?;
    limits::ensure(
        &applied,
        rules,
        Limit::StorageQuotaBytes,
        (used + size) as i64,
        &format!("of storage; this needs {size} bytes and {used} are in use"),
    )
}

/// What the tenant may still store: `(quota, used)` when there is a quota.
pub fn headroom(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    rules: &Rules,
) -> Result<Option<(u64, u64)>, Error> {
    match quota(conn, scope, rules)? {
        Some(q) => Ok(Some((q, used(conn, scope)?))),
        None => Ok(None),
    }
}

/// The tenant's quota and use (see [`headroom`]), in a transaction of its own.
pub async fn headroom_of(
    ctx: &crate::services::context::Ctx<'_>,
) -> Result<Option<(u64, u64)>, Error> {
    let rules = Rules::of(ctx.core);
    ctx.read(move |c, s| headroom(c, s, &rules)).await
}
