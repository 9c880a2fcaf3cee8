//! Invitations to join a tenant, sent by e-mail; the link's token is stored as a hash.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::invitations;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `invitations`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub role: String,
    pub token_hash: String,
    pub invited_by: Option<String>,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The invitation with this token hash, before its tenant is known (binding: lookup = hash).
pub fn find_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<Invitation>, Error> {
    Ok(invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

/// Stores an invitation.
pub fn insert(conn: &mut AnyConnection, invitation: &Invitation) -> Result<(), Error> {
    diesel::insert_into(invitations::table)
        .values(invitation)
        .execute(conn)?;
    Ok(())
}

/// Deletes the scoped tenant's pending invitations to `email`.
pub fn delete_pending_to(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    email: &str,
) -> Result<(), Error> {
    diesel::delete(
        invitations::table
            .filter(invitations::tenant_id.eq(scope.id()))
            .filter(invitations::email.eq(email))
            .filter(invitations::accepted_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes one pending invitation; whether there was one.
pub fn delete_pending(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<bool, Error> {
    let n = diesel::delete(
        invitations::table
            .filter(invitations::tenant_id.eq(scope.id()))
            .filter(invitations::id.eq(id))
            .filter(invitations::accepted_at.is_null()),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// How many invitations of the scoped tenant are pending and unexpired at `now`.
pub fn count_pending(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    now: NaiveDateTime,
) -> Result<i64, Error> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(scope.id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .count()
        .get_result(conn)?)
}

/// The scoped tenant's pending, unexpired invitations, newest first.
pub fn list_pending(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Vec<Invitation>, Error> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(scope.id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(Utc::now().naive_utc()))
        .order(invitations::created_at.desc())
        .select(Invitation::as_select())
        .load(conn)?)
}

/// Marks an invitation of the scoped tenant accepted.
pub fn mark_accepted(conn: &mut AnyConnection, scope: &TenantScope, id: &str) -> Result<(), Error> {
    diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(scope.id()))
            .filter(invitations::id.eq(id)),
    )
    .set(invitations::accepted_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}
