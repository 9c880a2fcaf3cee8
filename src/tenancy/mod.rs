//! Tenants and the scope every tenant-owned query must take.

use crate::db::Db;
use crate::db::models::tenant::{self, Tenant};
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

/// Finds a tenant by slug.
pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Tenant>, Error> {
    let slug = slug.to_string();
    db.system(move |conn| tenant::find_by_slug(conn, &slug))
        .await
}

/// Inserts a tenant.
pub async fn create(db: &Db, tenant: Tenant) -> Result<Tenant, Error> {
    db.system(move |conn| {
        tenant::insert(conn, &tenant)?;
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
