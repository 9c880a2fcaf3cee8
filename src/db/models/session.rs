//! Sign-in sessions and their refresh tokens. An access token names its session, so ending
//! the session ends the token before it expires; refresh tokens are stored as hashes and
//! spent on use (rotation).

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{auth_sessions, refresh_tokens};
use crate::error::Error;
use crate::tenancy::TenantScope;

/// Opens a sign-in session in the scoped tenant; returns its id.
pub fn open(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
    ip: Option<&str>,
) -> Result<String, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(auth_sessions::table)
        .values((
            auth_sessions::id.eq(&id),
            auth_sessions::tenant_id.eq(scope.id()),
            auth_sessions::user_id.eq(user_id),
            auth_sessions::ip.eq(ip),
            auth_sessions::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Stores a refresh token (its hash) of a session, valid `lifetime` seconds.
pub fn insert_refresh(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    session_id: &str,
    token_hash: &str,
    lifetime: i64,
) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::tenant_id.eq(scope.id()),
            refresh_tokens::expires_at.eq(now + Duration::seconds(lifetime)),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A refresh token row, found by its hash (binding: lookup = the hash).
#[derive(Debug, Queryable)]
pub struct RefreshRow {
    pub token_hash: String,
    pub session_id: String,
    pub tenant_id: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Finds a refresh token by hash, before its tenant is known.
pub fn find_refresh(conn: &mut AnyConnection, hash: &str) -> Result<Option<RefreshRow>, Error> {
    Ok(refresh_tokens::table
        .find(hash)
        .first::<RefreshRow>(conn)
        .optional()?)
}

/// Marks a refresh token spent; false when it already was (a concurrent or replayed use).
pub fn spend_refresh(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    hash: &str,
) -> Result<bool, Error> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(scope.id()))
            .filter(refresh_tokens::token_hash.eq(hash))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Spends every unspent refresh token of a session.
pub fn spend_all_refresh(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    session_id: &str,
) -> Result<(), Error> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(scope.id()))
            .filter(refresh_tokens::session_id.eq(session_id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// When a refresh token was spent, if it was.
pub fn refresh_spent_at(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    hash: &str,
) -> Result<Option<NaiveDateTime>, Error> {
    let used: Option<Option<NaiveDateTime>> = refresh_tokens::table
        .filter(refresh_tokens::tenant_id.eq(scope.id()))
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(refresh_tokens::used_at)
        .first(conn)
        .optional()?;
    Ok(used.flatten())
}

/// A session's user and whether it is still open.
pub fn get(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<(String, bool)>, Error> {
    let row: Option<(String, Option<NaiveDateTime>)> = auth_sessions::table
        .filter(auth_sessions::id.eq(id))
        .filter(auth_sessions::tenant_id.eq(scope.id()))
        .select((auth_sessions::user_id, auth_sessions::revoked_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(user, revoked)| (user, revoked.is_none())))
}

/// Ends a session: its access tokens stop working at once, its refresh tokens too.
pub fn revoke(conn: &mut AnyConnection, scope: &TenantScope, id: &str) -> Result<(), Error> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::tenant_id.eq(scope.id()))
            .filter(auth_sessions::id.eq(id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user in the scoped tenant (removed member).
pub fn revoke_member(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
) -> Result<(), Error> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::tenant_id.eq(scope.id()))
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user in every tenant (binding: the user), after a password reset.
pub fn revoke_user(conn: &mut AnyConnection, user_id: &str) -> Result<(), Error> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}
