//! `GET /api/v3/audit-log`: newest first, filtered, in cursor pages.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Allowed, ApiResult, cursor, page_limit, perm};
use crate::db::models::audit::{Entry, Filter};
use crate::error::Error;
use crate::services::audit_log;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit-log", web::get().to(list));
}

/// One entry as clients see it.
fn view(e: &Entry) -> Value {
    json!({
        "id": e.id,
        "actor_type": e.actor_type,
        "actor_id": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "ip": e.ip,
        "created_at": format!("{}Z", e.created_at.format("%Y-%m-%dT%H:%M:%S%.6f")),
        "details": serde_json::from_str::<Value>(&e.details).unwrap_or(Value::Null),
    })
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
    let next = match page.last() {
        Some(e) if more => Value::String(cursor::encode(&json!({ "before": e.id }))),
        _ => Value::Null,
    };
    Ok(HttpResponse::Ok()
        .json(json!({ "items": page.iter().map(view).collect::<Vec<_>>(), "next_cursor": next })))
}
