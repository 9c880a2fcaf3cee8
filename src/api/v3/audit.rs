//! `GET /api/v3/audit-log`: newest first, filtered, in cursor pages.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::views::{AuditEntry, AuditList};
use super::{Allowed, ApiResult, cursor, page_limit, perm};
use crate::db::models::audit::Filter;
use crate::error::Error;
use crate::services::audit_log;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit-log", web::get().to(list));
}

#[derive(Deserialize)]
struct Query {
    action: Option<String>,
    actor_id: Option<String>,
    object_id: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn list(
    allowed: Allowed<perm::TenantSettings>,
    q: web::Query<Query>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let limit = page_limit(q.limit)?;
    let before = match &q.cursor {
        Some(c) => Some(
            cursor::decode(c)?["before"]
                .as_i64()
                .ok_or_else(|| Error::invalid("cursor", "This cursor is not valid."))?,
        ),
        None => None,
    };
    let filter = Filter {
        before,
        action: q.action,
        actor_id: q.actor_id,
        object_id: q.object_id,
        limit: limit + 1,
    };
    let rows = audit_log::list(&allowed.ctx(), filter).await?;
    let more = rows.len() as i64 > limit;
    let page = &rows[..rows.len().min(limit as usize)];
    let next_cursor = match page.last() {
        Some(e) if more => Some(cursor::encode(&json!({ "before": e.id }))),
        _ => None,
    };
    let items = page.iter().map(AuditEntry::from).collect();
    Ok(HttpResponse::Ok().json(AuditList { items, next_cursor }))
}
