//! Memberships: which users belong to which tenant, with what role and extra permissions.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::tenant::Tenant;
use crate::db::models::user::User;
use crate::db::schema::{memberships, tenants, users};
use crate::domain::permission::Grant;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `memberships`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub tenant_id: String,
    pub user_id: String,
    pub role: String,
    pub permissions: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Membership {
    /// The role and extra permissions, for the enforcer.
    pub fn grant(&self) -> Grant {
        Grant {
            role: self.role.clone(),
            extra: serde_json::from_str(&self.permissions).unwrap_or_default(),
        }
    }
}

/// Adds a member to the scoped tenant.
pub fn add(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
    role: &str,
) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(memberships::table)
        .values(Membership {
            tenant_id: scope.id().to_string(),
            user_id: user_id.to_string(),
            role: role.to_string(),
            permissions: "[]".into(),
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// The user's membership in the scoped tenant.
pub fn get(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
) -> Result<Option<Membership>, Error> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(scope.id()))
        .filter(memberships::user_id.eq(user_id))
        .select(Membership::as_select())
        .first(conn)
        .optional()?)
}

/// Every active tenant the user belongs to, oldest membership first (needs the user binding).
pub fn tenants_of(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<Tenant>, Error> {
    Ok(memberships::table
        .inner_join(tenants::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(tenants::is_active.eq(true))
        .order((memberships::created_at.asc(), tenants::slug.asc()))
        .select(Tenant::as_select())
        .load(conn)?)
}

/// How many tenants the user belongs to, suspended ones included (needs the user binding).
pub fn count_tenants_of(conn: &mut AnyConnection, user_id: &str) -> Result<i64, Error> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .count()
        .get_result(conn)?)
}

/// Members of the scoped tenant with their user rows, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Vec<(Membership, User)>, Error> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(scope.id()))
        .order(memberships::created_at.asc())
        .select((Membership::as_select(), User::as_select()))
        .load(conn)?)
}

/// How many members the tenant has.
pub fn count(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i64, Error> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(scope.id()))
        .count()
        .get_result(conn)?)
}

/// How many admins the tenant has.
pub fn admin_count(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i64, Error> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(scope.id()))
        .filter(memberships::role.eq("tenant_admin"))
        .count()
        .get_result(conn)?)
}

/// Sets a member's role and extra permissions (JSON text).
pub fn set_role(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
    role: &str,
    permissions: &str,
) -> Result<(), Error> {
    diesel::update(
        memberships::table
            .filter(memberships::tenant_id.eq(scope.id()))
            .filter(memberships::user_id.eq(user_id)),
    )
    .set((
        memberships::role.eq(role),
        memberships::permissions.eq(permissions),
        memberships::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    Ok(())
}

/// Removes a member from the scoped tenant.
pub fn delete(conn: &mut AnyConnection, scope: &TenantScope, user_id: &str) -> Result<(), Error> {
    diesel::delete(
        memberships::table
            .filter(memberships::tenant_id.eq(scope.id()))
            .filter(memberships::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Serialises membership changes within a tenant until the transaction ends, so two admins
/// demoting each other at once cannot both pass the last-admin check. (SQLite has one writer
/// at a time anyway.)
pub fn lock(conn: &mut AnyConnection, scope: &TenantScope) -> Result<(), Error> {
    #[allow(irrefutable_let_patterns)]
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("members:{}", scope.id()))
            .execute(pg)?;
    }
    Ok(())
}
