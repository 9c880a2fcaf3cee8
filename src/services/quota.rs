//! Storage quotas: what a tenant stores is the sum of its assets' file sizes, kept exact
//! because every stored file belongs to a row that records its size.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{assets, tenants};
use crate::error::Error;
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

/// The tenant's quota (`None`: unlimited, as on a device, where the disk is the limit).
pub fn quota(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Option<u64>, Error> {
    let q: i64 = tenants::table
        .find(scope.id())
        .select(tenants::storage_quota_bytes)
        .first(conn)?;
    Ok((q > 0).then_some(q as u64))
}

/// Refuses `size` more bytes when they do not fit in the quota (`headroom` from [`headroom`]),
/// saying which limit and how to raise it.
pub fn ensure_room(headroom: Option<(u64, u64)>, size: u64) -> Result<(), Error> {
    if let Some((quota, used)) = headroom
        && used + size > quota
    {
        return Err(Error::LimitExceeded(format!(
            "Storage quota exceeded: this needs {size} bytes and the tenant uses {used} of its {quota} \
             (storage_quota_bytes). Delete files or move to a larger plan to raise it."
        )));
    }
    Ok(())
}

/// What the tenant may still store: `(quota, used)` when there is a quota.
pub fn headroom(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Option<(u64, u64)>, Error> {
    match quota(conn, scope)? {
        Some(q) => Ok(Some((q, used(conn, scope)?))),
        None => Ok(None),
    }
}

/// The tenant's quota and use (see [`headroom`]), in a transaction of its own.
pub async fn headroom_of(
    ctx: &crate::services::context::Ctx<'_>,
) -> Result<Option<(u64, u64)>, Error> {
    ctx.read(headroom).await
}
