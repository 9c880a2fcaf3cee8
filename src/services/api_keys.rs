//! API keys: a tenant's credentials for scripts (v3 and the Anthias v1–v2 API). The secret is
//! shown once at creation; the database keeps its SHA-256 and the first characters, which
//! lists show so that people can tell their keys apart.

use chrono::Utc;
use serde_json::json;

use crate::cloud::tokens::{self, API_KEY_PREFIX};
use crate::db::models::api_key::{self, ApiKey};
use crate::error::Error;
use crate::services::context::Ctx;
use crate::services::members::check_role;
use crate::services::principal::{self, Authed};

/// The tenant's keys that still work, newest first.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<ApiKey>, Error> {
    ctx.read(api_key::list).await
}

/// Creates a key named `name` with `role` (no more than its maker holds); returns the row and
/// the secret, which is never shown again.
pub async fn create(
    ctx: &Ctx<'_>,
    by: &Authed,
    name: Option<String>,
    role: Option<String>,
) -> Result<(ApiKey, String), Error> {
    let name = match name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() && n.chars().count() <= 100 => n.to_string(),
        _ => {
            return Err(Error::invalid(
                "name",
                "name is required (1 to 100 characters).",
            ));
        }
    };
    let role = role.unwrap_or_default();
    check_role(&role)?;
    principal::check_grant(ctx.core, by, &role, &[], None).await?;
    let secret = tokens::random(API_KEY_PREFIX);
    let key = ApiKey {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: ctx.tenant_id().to_string(),
        name,
        prefix: secret.chars().take(API_KEY_PREFIX.len() + 6).collect(),
        key_hash: tokens::hash(&secret),
        role,
        created_by: Some(by.actor.id.clone()),
        created_at: Utc::now().naive_utc(),
        last_used_at: None,
        revoked_at: None,
    };
    let (k, audit) = (key.clone(), ctx.audit());
    ctx.write(move |c, s| {
        api_key::insert(c, &k)?;
        audit.record(
            c,
            s,
            "apikey.created",
            Some(("api_key", &k.id)),
            json!({ "name": k.name, "role": k.role }),
        )
    })
    .await?;
    Ok((key, secret))
}

/// Revokes a key: it stops working at once.
pub async fn revoke(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (i, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        let key = api_key::revoke(c, s, &i)?
            .ok_or_else(|| Error::NotFound("No API key with this id in this tenant.".into()))?;
        audit.record(
            c,
            s,
            "apikey.revoked",
            Some(("api_key", &key.id)),
            json!({ "name": key.name }),
        )
    })
    .await?;
    super::cloud(ctx.core)?
        .rbac
        .forget(&format!("key:{id}"), ctx.tenant_id())
        .await
}
