//! The audit log: who did what, when, from where, on which object. Entries are written in the
//! same transaction as the change they describe, so the log cannot miss or invent a change.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::db::AnyConnection;
use crate::db::schema::audit_log;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// Who acts: a signed-in user or an API key, and the address the request came from.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    /// The user's e-mail address or the key's name.
    pub label: String,
    #[serde(skip)]
    pub ip: Option<String>,
}

/// One entry as clients see it.
#[derive(Debug, Serialize, Queryable)]
pub struct Entry {
    pub id: i64,
    #[serde(skip)]
    pub tenant_id: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_label: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    #[serde(skip)]
    pub details_text: String,
    pub created_at: NaiveDateTime,
}

/// Records an action in the bound tenant.
pub fn record(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    actor: &Actor,
    action: &str,
    object: Option<(&str, &str)>,
    details: Value,
) -> Result<(), Error> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::tenant_id.eq(scope.id()),
            audit_log::actor_type.eq(actor.kind),
            audit_log::actor_id.eq(&actor.id),
            audit_log::actor_label.eq(&actor.label),
            audit_log::action.eq(action),
            audit_log::object_type.eq(object.map(|o| o.0)),
            audit_log::object_id.eq(object.map(|o| o.1)),
            audit_log::ip.eq(&actor.ip),
            audit_log::details.eq(details.to_string()),
            audit_log::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Filters of the log listing.
#[derive(Debug, Default)]
pub struct Filter {
    pub before: Option<i64>,
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub object_id: Option<String>,
    pub limit: i64,
}

/// Entries of the bound tenant, newest first.
pub fn list(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    f: &Filter,
) -> Result<Vec<Entry>, Error> {
    let mut q = audit_log::table
        .filter(audit_log::tenant_id.eq(scope.id()))
        .into_boxed();
    if let Some(before) = f.before {
        q = q.filter(audit_log::id.lt(before));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(a) = &f.actor_id {
        q = q.filter(audit_log::actor_id.eq(a.clone()));
    }
    if let Some(o) = &f.object_id {
        q = q.filter(audit_log::object_id.eq(o.clone()));
    }
    Ok(q.order(audit_log::id.desc()).limit(f.limit).load(conn)?)
}

impl Entry {
    /// The entry with its details as JSON.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        v["details"] = serde_json::from_str(&self.details_text).unwrap_or(Value::Null);
        v["created_at"] = Value::String(format!(
            "{}Z",
            self.created_at.format("%Y-%m-%dT%H:%M:%S%.6f")
        ));
        v
    }
}
