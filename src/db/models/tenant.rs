//! Tenants. A tenant is found by slug, id or custom domain before a request knows which one it
//! acts in (unbound, or bound to the credential that names it); once known, its own row is read
//! and changed through its scope.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::tenants;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `tenants`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub domain: Option<String>,
    pub is_active: bool,
    pub plan: String,
    pub max_devices: i32,
    pub max_users: i32,
    pub storage_quota_bytes: i64,
    pub features: String,
    pub settings: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Tenant {
    /// A new active tenant with the default plan limits.
    pub fn new(slug: &str, name: &str) -> Tenant {
        let now = Utc::now().naive_utc();
        Tenant {
            id: uuid::Uuid::new_v4().to_string(),
            slug: slug.to_string(),
            name: name.to_string(),
            domain: None,
            is_active: true,
            plan: "free".into(),
            max_devices: 5,
            max_users: 10,
            storage_quota_bytes: 10 * 1024 * 1024 * 1024,
            features: "[]".into(),
            settings: "{}".into(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Puts a plan and its limits on the row (the columns are narrower than the limits: a
    /// limit past what they hold is recorded as their largest value).
    pub fn put_plan(
        &mut self,
        plan: &str,
        limits: &crate::domain::billing::Limits,
        features: &[String],
    ) {
        let narrow = |n: i64| n.clamp(0, i64::from(i32::MAX)) as i32;
        self.plan = plan.to_string();
        self.max_devices = narrow(limits.max_devices);
        self.max_users = narrow(limits.max_users);
        self.storage_quota_bytes = limits.storage_quota_bytes;
        self.features = serde_json::to_string(features).unwrap_or_else(|_| "[]".into());
    }

    /// The scope of this tenant's data.
    pub fn scope(&self) -> TenantScope {
        TenantScope::new(self.id.clone())
    }
}

/// The scoped tenant's row (an error when it is gone).
pub fn get(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Tenant, Error> {
    Ok(tenants::table
        .find(scope.id())
        .select(Tenant::as_select())
        .first(conn)?)
}

/// The scoped tenant's row, if it exists.
pub fn find(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Option<Tenant>, Error> {
    Ok(tenants::table
        .find(scope.id())
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the scoped tenant is active (an error when it is gone).
pub fn is_active(conn: &mut AnyConnection, scope: &TenantScope) -> Result<bool, Error> {
    Ok(tenants::table
        .find(scope.id())
        .select(tenants::is_active)
        .first(conn)?)
}

/// The tenant with this id, before a request is bound to it.
pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<Tenant>, Error> {
    Ok(tenants::table
        .filter(tenants::id.eq(id))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

/// The tenant with this slug.
pub fn find_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Option<Tenant>, Error> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

/// The tenant that claims this custom domain.
pub fn find_by_domain(conn: &mut AnyConnection, domain: &str) -> Result<Option<Tenant>, Error> {
    Ok(tenants::table
        .filter(tenants::domain.eq(domain))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

/// Whether some tenant has this slug.
pub fn slug_taken(conn: &mut AnyConnection, slug: &str) -> Result<bool, Error> {
    let n: i64 = tenants::table
        .filter(tenants::slug.eq(slug))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether a tenant other than the scoped one claims this custom domain.
pub fn domain_taken(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    domain: &str,
) -> Result<bool, Error> {
    let n: i64 = tenants::table
        .filter(tenants::domain.eq(domain))
        .filter(tenants::id.ne(scope.id()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Inserts a tenant.
pub fn insert(conn: &mut AnyConnection, tenant: &Tenant) -> Result<(), Error> {
    diesel::insert_into(tenants::table)
        .values(tenant)
        .execute(conn)?;
    Ok(())
}

/// What a tenant may change about itself; `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub name: Option<String>,
    /// `Some(None)` removes the custom domain.
    pub domain: Option<Option<String>>,
    /// The settings object as JSON text.
    pub settings: Option<String>,
}

/// Applies `changes` to the scoped tenant and moves its `updated_at`.
pub fn update(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    changes: &Changes,
) -> Result<(), Error> {
    let target = tenants::table.find(scope.id());
    if let Some(n) = &changes.name {
        diesel::update(target)
            .set(tenants::name.eq(n))
            .execute(conn)?;
    }
    if let Some(d) = &changes.domain {
        diesel::update(target)
            .set(tenants::domain.eq(d))
            .execute(conn)?;
    }
    if let Some(s) = &changes.settings {
        diesel::update(target)
            .set(tenants::settings.eq(s))
            .execute(conn)?;
    }
    diesel::update(target)
        .set(tenants::updated_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
    Ok(())
}

/// Records a tenant's plan and limits (as [`Tenant::put_plan`] set them) on its row.
pub fn set_plan(conn: &mut AnyConnection, t: &Tenant) -> Result<(), Error> {
    diesel::update(tenants::table.find(&t.id))
        .set((
            tenants::plan.eq(&t.plan),
            tenants::max_devices.eq(t.max_devices),
            tenants::max_users.eq(t.max_users),
            tenants::storage_quota_bytes.eq(t.storage_quota_bytes),
            tenants::features.eq(&t.features),
            tenants::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every tenant's id (for sweeps that run per tenant).
pub fn all_ids(conn: &mut AnyConnection) -> Result<Vec<String>, Error> {
    Ok(tenants::table
        .select(tenants::id)
        .order(tenants::id)
        .load(conn)?)
}
