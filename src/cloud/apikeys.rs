//! API keys: a tenant's credentials for scripts (v3 and the Anthias v1–v2 API). The secret is
//! shown once at creation; the database keeps its SHA-256 and the first characters, which
//! lists show so that people can tell their keys apart.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::cloud::tokens;
use crate::db::AnyConnection;
use crate::db::schema::api_keys;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// What every key starts with, so that leaked keys are easy to recognise (and to tell from
/// access tokens).
pub const PREFIX: &str = "sgk_";

/// A row of `api_keys`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: String,
    #[serde(skip)]
    pub tenant_id: String,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub key_hash: String,
    pub role: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Creates a key in the bound tenant; returns the row and the secret (shown once).
pub fn create(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    name: &str,
    role: &str,
    created_by: Option<&str>,
) -> Result<(ApiKey, String), Error> {
    let secret = tokens::random(PREFIX);
    let key = ApiKey {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: scope.id().to_string(),
        name: name.to_string(),
        prefix: secret.chars().take(PREFIX.len() + 6).collect(),
        key_hash: tokens::hash(&secret),
        role: role.to_string(),
        created_by: created_by.map(str::to_string),
        created_at: Utc::now().naive_utc(),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(api_keys::table)
        .values(&key)
        .execute(conn)?;
    Ok((key, secret))
}

/// The bound tenant's keys that still work, newest first.
pub fn list(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<ApiKey>, Error> {
    Ok(api_keys::table
        .filter(api_keys::tenant_id.eq(scope.id()))
        .filter(api_keys::revoked_at.is_null())
        .order(api_keys::created_at.desc())
        .select(ApiKey::as_select())
        .load(conn)?)
}

/// Revokes a key of the bound tenant; the key if it was live.
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
        diesel::update(api_keys::table.filter(api_keys::id.eq(id)))
            .set(api_keys::revoked_at.eq(Utc::now().naive_utc()))
            .execute(conn)?;
    }
    Ok(key)
}

/// The live key with this secret (binding: lookup = the secret's hash).
pub fn find(conn: &mut AnyConnection, secret: &str) -> Result<Option<ApiKey>, Error> {
    let key: Option<ApiKey> = api_keys::table
        .filter(api_keys::key_hash.eq(tokens::hash(secret)))
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?;
    Ok(key.filter(|k| k.revoked_at.is_none()))
}

/// Whether the key's last use is older than a minute (a write per request would cost more
/// than the request).
pub fn needs_touch(key: &ApiKey) -> bool {
    let now = Utc::now().naive_utc();
    key.last_used_at
        .is_none_or(|t| now - t >= chrono::Duration::seconds(60))
}

/// Records use (see [`needs_touch`]).
pub fn touch(conn: &mut AnyConnection, key: &ApiKey) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    diesel::update(api_keys::table.filter(api_keys::id.eq(&key.id)))
        .set(api_keys::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}
