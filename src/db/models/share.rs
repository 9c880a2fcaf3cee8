//! Public share links of assets: only a hash of each token is stored.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::shares;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// Stores a link to an asset (the caller has checked the asset is the tenant's).
pub fn insert(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    token_hash: &str,
    asset_id: &str,
    created_by: &str,
    expires_at: NaiveDateTime,
) -> Result<(), Error> {
    diesel::insert_into(shares::table)
        .values((
            shares::token_hash.eq(token_hash),
            shares::tenant_id.eq(scope.id()),
            shares::asset_id.eq(asset_id),
            shares::created_by.eq(created_by),
            shares::expires_at.eq(expires_at),
            shares::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes every link to an asset; returns how many there were.
pub fn delete_for_asset(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_id: &str,
) -> Result<usize, Error> {
    Ok(diesel::delete(
        shares::table
            .filter(shares::tenant_id.eq(scope.id()))
            .filter(shares::asset_id.eq(asset_id)),
    )
    .execute(conn)?)
}

/// The share with this token hash: (tenant, asset id, expiry) (binding: lookup = the hash).
pub fn find(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(String, String, NaiveDateTime)>, Error> {
    Ok(shares::table
        .filter(shares::token_hash.eq(hash))
        .select((shares::tenant_id, shares::asset_id, shares::expires_at))
        .first(conn)
        .optional()?)
}
