//! Members of a tenant: the list, role changes and removal. A tenant always keeps at least
//! one `tenant_admin`, and nobody grants more than they hold themselves.

use serde_json::json;

use crate::cloud::rbac;
use crate::db::models::membership::{self, Membership};
use crate::db::models::session;
use crate::db::models::user::{self, User};
use crate::error::Error;
use crate::services::context::Ctx;
use crate::services::principal::{self, Authed};

/// A role name, or the error naming the roles.
pub fn check_role(role: &str) -> Result<(), Error> {
    if rbac::is_role(role) {
        Ok(())
    } else {
        Err(Error::invalid(
            "role",
            "role must be one of tenant_admin, content_manager, device_operator, viewer.",
        ))
    }
}

fn not_member() -> Error {
    Error::NotFound("No member with this id in this tenant.".into())
}

/// The tenant's members with their accounts, oldest first.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<(Membership, User)>, Error> {
    ctx.read(membership::list).await
}

/// What a role change asks for; `None` keeps the current value.
#[derive(Debug, Default)]
pub struct RoleChange {
    pub role: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// Changes a member's role and/or extra permissions; the member as they are now.
pub async fn change_role(
    ctx: &Ctx<'_>,
    by: &Authed,
    user_id: &str,
    change: RoleChange,
) -> Result<(Membership, User), Error> {
    if let Some(r) = &change.role {
        check_role(r)?;
    }
    if let Some(ps) = &change.permissions
        && let Some(bad) = ps.iter().find(|p| !rbac::is_permission(p))
    {
        return Err(Error::invalid(
            "permissions",
            format!("{bad:?} is not a permission; see the docs for the list."),
        ));
    }
    let uid = user_id.to_string();
    if by.actor.kind == "user" && by.actor.id == uid {
        return Err(Error::Forbidden(
            "You cannot change your own role or permissions; ask another admin.".into(),
        ));
    }
    let u = uid.clone();
    let current = ctx
        .read(move |c, s| membership::get(c, s, &u))
        .await?
        .ok_or_else(not_member)?;
    let new_role = change.role.clone().unwrap_or(current.role.clone());
    let new_extra = change
        .permissions
        .clone()
        .unwrap_or_else(|| current.grant().extra);
    principal::check_grant(ctx.core, by, &new_role, &new_extra, Some(&current.role)).await?;
    let audit = ctx.audit();
    ctx.write(move |c, s| {
        membership::lock(c, s)?;
        let m = membership::get(c, s, &uid)?.ok_or_else(not_member)?;
        if m.role != current.role {
            return Err(Error::Conflict(
                "The member's role changed meanwhile; reload and try again.".into(),
            ));
        }
        if let Some(r) = &change.role
            && m.role == "tenant_admin"
            && r != "tenant_admin"
            && membership::admin_count(c, s)? <= 1
        {
            return Err(Error::Conflict(
                "This is the tenant's last admin; make someone else tenant_admin first.".into(),
            ));
        }
        let role = change.role.clone().unwrap_or(m.role.clone());
        let perms = match &change.permissions {
            Some(p) => serde_json::to_string(p).unwrap_or_else(|_| "[]".into()),
            None => m.permissions.clone(),
        };
        membership::set_role(c, s, &uid, &role, &perms)?;
        audit.record(
            c,
            s,
            "user.role_changed",
            Some(("user", &uid)),
            json!({ "from": m.role, "role": role, "permissions": change.permissions }),
        )?;
        let m = membership::get(c, s, &uid)?.ok_or_else(not_member)?;
        let u = user::find(c, &uid)?.ok_or_else(not_member)?;
        Ok((m, u))
    })
    .await
}

/// Removes a member (or the caller leaves): the membership goes and the member's sessions in
/// this tenant end at once; the account itself stays (it may belong to other tenants).
pub async fn remove(ctx: &Ctx<'_>, by: &Authed, user_id: &str) -> Result<(), Error> {
    let uid = user_id.to_string();
    let u = uid.clone();
    let current = ctx
        .read(move |c, s| membership::get(c, s, &u))
        .await?
        .ok_or_else(not_member)?;
    let is_self = by.actor.kind == "user" && by.actor.id == uid;
    if !is_self {
        principal::check_grant(ctx.core, by, "viewer", &[], Some(&current.role)).await?;
    }
    let (u, audit) = (uid.clone(), ctx.audit());
    ctx.write(move |c, s| {
        membership::lock(c, s)?;
        let m = membership::get(c, s, &u)?.ok_or_else(not_member)?;
        if m.role == "tenant_admin" && membership::admin_count(c, s)? <= 1 {
            return Err(Error::Conflict(
                "This is the tenant's last admin and cannot be removed.".into(),
            ));
        }
        membership::delete(c, s, &u)?;
        session::revoke_member(c, s, &u)?;
        audit.record(
            c,
            s,
            "user.removed",
            Some(("user", &u)),
            json!({ "role": m.role }),
        )
    })
    .await?;
    super::cloud(ctx.core)?
        .rbac
        .forget(&format!("user:{uid}"), ctx.tenant_id())
        .await
}
