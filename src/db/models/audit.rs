//! The audit log: who did what, when, from where, on which object. Entries are written in the
//! same transaction as the change they describe, so the log cannot miss or invent a change.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

use crate::db::AnyConnection;
use crate::db::schema::audit_log;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// Who acts: a signed-in user or an API key, and the address the request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user` or `api_key`.
    pub kind: &'static str,
    pub id: String,
    /// The user's e-mail address or the key's name.
    pub label: String,
    pub ip: Option<String>,
}

/// A row of `audit_log`.
#[derive(Debug, Queryable)]
pub struct Entry {
    pub id: i64,
    pub tenant_id: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_label: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    /// The details object as JSON text.
    pub details: String,
    pub created_at: NaiveDateTime,
}

/// Records an action in the scoped tenant.
pub fn insert(
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
    /// Entries older than this id (the page cursor).
    pub before: Option<i64>,
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub object_id: Option<String>,
    pub limit: i64,
}

/// Entries of the scoped tenant, newest first.
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
