//! `/api/v3/analytics/plays` (JSON, or CSV with `Accept: text/csv`) and
//! `/api/v3/analytics/screens` (docs/programming.md). The use cases are `services::analytics`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::views::{PlaysReport, PlaysRow, UptimeReport, UptimeRow};
use super::{Allowed, ApiResult, perm};
use crate::db::models::analytics::GroupBy;
use crate::error::Error;
use crate::services::analytics;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/analytics/plays", web::get().to(plays))
        .route("/analytics/screens", web::get().to(screens));
}

#[derive(Deserialize)]
struct PlaysQuery {
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or
/// `@` is defused so a spreadsheet does not run it as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// `GET /api/v3/analytics/plays?from&to&group_by=asset|screen|day|schedule`
async fn plays(
    allowed: Allowed<perm::TenantAnalytics>,
    req: HttpRequest,
    q: web::Query<PlaysQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = allowed.ctx();
    let by = match q.group_by.as_deref() {
        None | Some("") => GroupBy::Asset,
        Some(v) => GroupBy::parse(v).ok_or_else(|| {
            Error::invalid(
                "group_by",
                "group_by is one of asset, screen, day, schedule.",
            )
        })?,
    };
    let (from, to) = analytics::range(&ctx, q.from.as_deref(), q.to.as_deref()).await?;
    let lines = analytics::plays(&ctx, from, to, by).await?;
    if wants_csv(&req) {
        let mut out = String::from("key,label,plays,seconds\r\n");
        for l in &lines {
            out.push_str(&format!(
                "{},{},{},{}\r\n",
                csv_field(&l.key),
                csv_field(&l.label),
                l.plays,
                l.seconds
            ));
        }
        let name = format!("plays-by-{}-{from}-{to}.csv", by.as_str());
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ))
            .body(out));
    }
    Ok(HttpResponse::Ok().json(PlaysReport {
        from: from.to_string(),
        to: to.to_string(),
        group_by: by.as_str(),
        rows: lines
            .into_iter()
            .map(|l| PlaysRow {
                key: l.key,
                label: l.label,
                plays: l.plays,
                seconds: l.seconds,
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v3/analytics/screens?from&to`: uptime per screen per day.
async fn screens(
    allowed: Allowed<perm::TenantAnalytics>,
    q: web::Query<RangeQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = allowed.ctx();
    let (from, to) = analytics::range(&ctx, q.from.as_deref(), q.to.as_deref()).await?;
    let rows = analytics::uptime(&ctx, from, to).await?;
    Ok(HttpResponse::Ok().json(UptimeReport {
        from: from.to_string(),
        to: to.to_string(),
        rows: rows
            .into_iter()
            .map(|u| UptimeRow {
                screen_id: u.screen_id,
                name: u.name,
                day: u.day,
                online_seconds: u.online_seconds,
                uptime_percent: u.uptime_percent,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Menu"), "Menu");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
