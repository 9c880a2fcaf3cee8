//! Tenants and the scope every tenant-owned query must take.

use chrono::Utc;
use diesel::prelude::*;

use crate::db::{Db, schema::tenants};
use crate::error::Error;

/// Slug of the one tenant of device mode.
pub const DEFAULT_TENANT_SLUG: &str = "default";

/// Proof that a request (or job) acts for one tenant. Queries on tenant data take it as an
/// argument, so there is no way to call them without naming a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    id: String,
}

impl TenantScope {
    /// A scope for a tenant id read from the database or a verified token.
    pub fn new(id: impl Into<String>) -> TenantScope {
        TenantScope { id: id.into() }
    }

    /// The tenant's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

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
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
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
}

/// Finds a tenant by slug.
pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Tenant>, Error> {
    let slug = slug.to_string();
    db.system(move |conn| {
        Ok(tenants::table
            .filter(tenants::slug.eq(slug))
            .select(Tenant::as_select())
            .first(conn)
            .optional()?)
    })
    .await
}

/// Inserts a tenant.
pub async fn create(db: &Db, tenant: Tenant) -> Result<Tenant, Error> {
    db.system(move |conn| {
        diesel::insert_into(tenants::table)
            .values(&tenant)
            .execute(conn)?;
        Ok(tenant)
    })
    .await
}

/// The device's tenant, created on first start.
pub async fn ensure_default(db: &Db) -> Result<TenantScope, Error> {
    if let Some(t) = find_by_slug(db, DEFAULT_TENANT_SLUG).await? {
        return Ok(TenantScope::new(t.id));
    }
    let mut tenant = Tenant::new(DEFAULT_TENANT_SLUG, "This device");
    // A device's limit is its disk (uploads answer 507 when it is full), not a plan quota.
    tenant.storage_quota_bytes = 0;
    let tenant = create(db, tenant).await?;
    tracing::info!(tenant = %tenant.id, "created the device's tenant");
    Ok(TenantScope::new(tenant.id))
}
