//! Share links (cloud): anyone holding a link sees one asset until the link expires.

use chrono::{NaiveDateTime, Utc};
use serde_json::json;

use crate::db::models::{asset, share};
use crate::error::Error;
use crate::services::context::Ctx;

fn not_found() -> Error {
    Error::NotFound("No asset with this id in this tenant.".into())
}

/// Makes a link to the asset valid for `hours` (1 to 720); returns the token (shown once,
/// only its hash is kept) and the expiry.
pub async fn create(
    ctx: &Ctx<'_>,
    asset_id: &str,
    hours: i64,
) -> Result<(String, NaiveDateTime), Error> {
    if !(1..=720).contains(&hours) {
        return Err(Error::invalid(
            "expires_in_hours",
            "expires_in_hours must be between 1 and 720 (30 days).",
        ));
    }
    let created_by =
        ctx.actor.as_ref().map(|a| a.id.clone()).ok_or_else(|| {
            Error::Forbidden("Share links are made by a user or an API key.".into())
        })?;
    let token = crate::cloud::tokens::random("");
    let hash = crate::cloud::tokens::hash(&token);
    let expires_at = Utc::now().naive_utc() + chrono::Duration::hours(hours);
    let (id, audit) = (asset_id.to_string(), ctx.audit());
    ctx.write(move |c, scope| {
        asset::get(c, scope, &id)?.ok_or_else(not_found)?;
        share::insert(c, scope, &hash, &id, &created_by, expires_at)?;
        audit.record(
            c,
            scope,
            "asset.shared",
            Some(("asset", &id)),
            json!({ "expires_at": expires_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true) }),
        )
    })
    .await?;
    Ok((token, expires_at))
}

/// Ends every link to the asset; returns how many there were.
pub async fn revoke(ctx: &Ctx<'_>, asset_id: &str) -> Result<usize, Error> {
    let (id, audit) = (asset_id.to_string(), ctx.audit());
    ctx.write(move |c, scope| {
        asset::get(c, scope, &id)?.ok_or_else(not_found)?;
        let n = share::delete_for_asset(c, scope, &id)?;
        audit.record(
            c,
            scope,
            "asset.unshared",
            Some(("asset", &id)),
            json!({ "links": n }),
        )?;
        Ok(n)
    })
    .await
}
