//! API keys: a tenant's credentials for scripts. Only the secret's SHA-256 and its first
//! characters (which lists show, so that people can tell their keys apart) are stored.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::api_keys;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `api_keys`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub role: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a key (of the tenant its row names).
pub fn insert(conn: &mut AnyConnection, key: &ApiKey) -> Result<(), Error> {
    diesel::insert_into(api_keys::table)
        .values(key)
        .execute(conn)?;
    Ok(())
}

/// The scoped tenant's keys that still work, newest first.
pub fn list(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<ApiKey>, Error> {
    Ok(api_keys::table
        .filter(api_keys::tenant_id.eq(scope.id()))
        .filter(api_keys::revoked_at.is_null())
        .order(api_keys::created_at.desc())
        .select(ApiKey::as_select())
        .load(conn)?)
}

/// Revokes a key of the scoped tenant; the key if it was live.
pub fn revoke(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<ApiKey>, Error> {
    let key: Option<ApiKey> = api_keys::table
        .filter(api_keys::tenant_id.eq(scope.id()))
        .filter(api_keys::id.eq(id))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?;
    if key.is_some() {
        diesel::update(
            api_keys::table
                .filter(api_keys::tenant_id.eq(scope.id()))
                .filter(api_keys::id.eq(id)),
        )
        .set(api_keys::revoked_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
    }
    Ok(key)
}

/// The live key with this hash, before its tenant is known (binding: lookup = the hash).
pub fn find_live(conn: &mut AnyConnection, key_hash: &str) -> Result<Option<ApiKey>, Error> {
    let key: Option<ApiKey> = api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?;
    Ok(key.filter(|k| k.revoked_at.is_none()))
}

/// Records that a key of the scoped tenant was used now.
pub fn touch(conn: &mut AnyConnection, scope: &TenantScope, id: &str) -> Result<(), Error> {
    diesel::update(
        api_keys::table
            .filter(api_keys::tenant_id.eq(scope.id()))
            .filter(api_keys::id.eq(id)),
    )
    .set(api_keys::last_used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}
