//! `/api/v3/users`: members of the tenant, invitations by e-mail, role changes and removal.
//! A tenant always keeps at least one `tenant_admin`.

use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Allowed, ApiResult, cloud, iso, perm};
use crate::cloud::accounts::{self, Membership, User};
use crate::cloud::{audit, mail, rbac, tokens};
use crate::db::Binding;
use crate::db::schema::{invitations, memberships, tenants};
use crate::error::Error;
use crate::tenancy::Tenant;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users/invite", web::post().to(invite))
        .route("/users/invitations", web::get().to(list_invitations))
        .route(
            "/users/invitations/{id}",
            web::delete().to(cancel_invitation),
        )
        .route("/users/{id}", web::patch().to(update))
        .route("/users/{id}", web::delete().to(remove));
}

fn view(m: &Membership, u: &User) -> Value {
    json!({
        "id": u.id,
        "email": u.email,
        "name": u.name,
        "role": m.role,
        "permissions": m.grant().extra,
        "email_verified": u.email_verified_at.is_some(),
        "joined_at": iso(m.created_at),
    })
}

/// Serialises membership changes within a tenant, so two admins demoting each other at once
/// cannot both pass the last-admin check.
fn lock_members(
    c: &mut crate::db::AnyConnection,
    scope: &crate::tenancy::TenantScope,
) -> Result<(), Error> {
    #[allow(irrefutable_let_patterns)]
    if let crate::db::AnyConnection::Postgresql(pg) = c {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("members:{}", scope.id()))
            .execute(pg)?;
    }
    Ok(())
}

fn not_member() -> Error {
    Error::NotFound("No member with this id in this tenant.".into())
}

async fn list(allowed: Allowed<perm::UsersView>) -> ApiResult<HttpResponse> {
    let s = allowed.authed.scope.clone();
    let rows = allowed
        .state
        .db
        .read(&allowed.authed.scope, move |c| accounts::members(c, &s))
        .await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "items": rows.iter().map(|(m, u)| view(m, u)).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
struct InviteBody {
    email: Option<String>,
    role: Option<String>,
}

fn check_role(role: &str) -> Result<(), Error> {
    if rbac::is_role(role) {
        Ok(())
    } else {
        Err(Error::invalid(
            "role",
            "role must be one of tenant_admin, content_manager, device_operator, viewer.",
        ))
    }
}

/// `POST /api/v3/users/invite`: records the invitation and queues its e-mail in one
/// transaction; the seat is held (members + pending invitations count against max_users).
async fn invite(
    allowed: Allowed<perm::UsersInvite>,
    body: web::Json<InviteBody>,
) -> ApiResult<HttpResponse> {
    let email = accounts::normalise_email(body.email.as_deref().unwrap_or(""));
    if email.is_empty() {
        return Err(Error::invalid("email", "email is required.").into());
    }
    accounts::check_email(&email)?;
    let role = body.role.clone().unwrap_or_default();
    check_role(&role)?;
    super::check_grant(&allowed.state, &allowed.authed, &role, &[], None).await?;
    let token = tokens::random("");
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = Utc::now().naive_utc() + Duration::days(7);
    let (s, actor, st) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        allowed.state.clone(),
    );
    let binding = Binding::tenant(&s).with_lookup(email.clone());
    let (e, r, i, t) = (email.clone(), role.clone(), id.clone(), token.clone());
    allowed
        .state
        .db
        .bound(binding, move |c| {
            let tenant: Tenant = tenants::table.find(s.id()).select(Tenant::as_select()).first(c)?;
            if let Some(existing) = accounts::find_user_by_email(c, &e)?
                && accounts::membership(c, &s, &existing.id)?.is_some()
            {
                return Err(Error::Taken { field: "email".into(), message: "This person is already a member.".into() });
            }
            let now = Utc::now().naive_utc();
            // A new invitation to the same address replaces a pending one.
            diesel::delete(
                invitations::table
                    .filter(invitations::tenant_id.eq(s.id()))
                    .filter(invitations::email.eq(&e))
                    .filter(invitations::accepted_at.is_null()),
            )
            .execute(c)?;
            let pending: i64 = invitations::table
                .filter(invitations::tenant_id.eq(s.id()))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::expires_at.gt(now))
                .count()
                .get_result(c)?;
            let members = accounts::member_count(c, &s)?;
            if members + pending >= tenant.max_users as i64 {
                return Err(Error::LimitExceeded(format!(
                    "This tenant has {members} members and {pending} pending invitations, its limit is {} users (max_users). \
                     Remove a member or move to a larger plan to raise it.",
                    tenant.max_users
                )));
            }
            diesel::insert_into(invitations::table)
                .values((
                    invitations::id.eq(&i),
                    invitations::tenant_id.eq(s.id()),
                    invitations::email.eq(&e),
                    invitations::role.eq(&r),
                    invitations::token_hash.eq(tokens::hash(&t)),
                    invitations::invited_by.eq(&actor.id),
                    invitations::expires_at.eq(expires_at),
                    invitations::created_at.eq(now),
                ))
                .execute(c)?;
            let link = format!("{}/accept-invite?token={t}", st.config.public_url());
            let who = if actor.label.is_empty() { "Someone".to_string() } else { actor.label.clone() };
            let m = mail::with_link(
                &e,
                &format!("You are invited to {} on Signate", tenant.name),
                &[
                    "Hello,".into(),
                    format!("{who} invited you to join {} on Signate as {}.", tenant.name, r.replace('_', " ")),
                ],
                "Accept the invitation",
                &link,
                "The invitation is valid for 7 days. If you did not expect it, ignore this message.",
            );
            mail::queue(c, &cloud(&st).secrets, &s, &m)?;
            audit::record(c, &s, &actor, "user.invited", Some(("invitation", &i)), json!({ "email": e, "role": r }))
        })
        .await?;
    allowed.state.jobs.wake();
    Ok(HttpResponse::Created()
        .json(json!({ "id": id, "email": email, "role": role, "expires_at": iso(expires_at) })))
}

async fn list_invitations(allowed: Allowed<perm::UsersView>) -> ApiResult<HttpResponse> {
    let s = allowed.authed.scope.clone();
    type Row = (String, String, String, chrono::NaiveDateTime);
    let rows: Vec<Row> = allowed
        .state
        .db
        .read(&allowed.authed.scope, move |c| {
            Ok(invitations::table
                .filter(invitations::tenant_id.eq(s.id()))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::expires_at.gt(Utc::now().naive_utc()))
                .order(invitations::created_at.desc())
                .select((
                    invitations::id,
                    invitations::email,
                    invitations::role,
                    invitations::expires_at,
                ))
                .load(c)?)
        })
        .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(id, email, role, exp)| json!({ "id": id, "email": email, "role": role, "expires_at": iso(exp) }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// `DELETE /api/v3/users/invitations/{id}`: the link stops working and the seat is freed.
async fn cancel_invitation(
    allowed: Allowed<perm::UsersInvite>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (s, actor, id) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            let n = diesel::delete(
                invitations::table
                    .filter(invitations::tenant_id.eq(s.id()))
                    .filter(invitations::id.eq(&id))
                    .filter(invitations::accepted_at.is_null()),
            )
            .execute(c)?;
            if n == 0 {
                return Err(Error::NotFound(
                    "No pending invitation with this id.".into(),
                ));
            }
            audit::record(
                c,
                &s,
                &actor,
                "user.invitation_cancelled",
                Some(("invitation", &id)),
                json!({}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct UpdateBody {
    role: Option<String>,
    permissions: Option<Vec<String>>,
}

/// `PATCH /api/v3/users/{id}` {role?, permissions?}
async fn update(
    allowed: Allowed<perm::UsersManage>,
    id: web::Path<String>,
    body: web::Json<UpdateBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    if let Some(r) = &body.role {
        check_role(r)?;
    }
    if let Some(ps) = &body.permissions
        && let Some(bad) = ps.iter().find(|p| !rbac::is_permission(p))
    {
        return Err(Error::invalid(
            "permissions",
            format!("{bad:?} is not a permission; see the docs for the list."),
        )
        .into());
    }
    let (s, actor, uid) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    if actor.kind == "user" && actor.id == uid {
        return Err(Error::Forbidden(
            "You cannot change your own role or permissions; ask another admin.".into(),
        )
        .into());
    }
    let (s2, u2) = (s.clone(), uid.clone());
    let current = allowed
        .state
        .db
        .read(&s, move |c| accounts::membership(c, &s2, &u2))
        .await?
        .ok_or_else(not_member)?;
    let new_role = body.role.clone().unwrap_or(current.role.clone());
    let new_extra = body
        .permissions
        .clone()
        .unwrap_or_else(|| current.grant().extra);
    super::check_grant(
        &allowed.state,
        &allowed.authed,
        &new_role,
        &new_extra,
        Some(&current.role),
    )
    .await?;
    let (m, u) = allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            lock_members(c, &s)?;
            let m = accounts::membership(c, &s, &uid)?.ok_or_else(not_member)?;
            if m.role != current.role {
                return Err(Error::Conflict(
                    "The member's role changed meanwhile; reload and try again.".into(),
                ));
            }
            if let Some(r) = &body.role
                && m.role == "tenant_admin"
                && r != "tenant_admin"
                && accounts::admin_count(c, &s)? <= 1
            {
                return Err(Error::Conflict(
                    "This is the tenant's last admin; make someone else tenant_admin first.".into(),
                ));
            }
            let role = body.role.clone().unwrap_or(m.role.clone());
            let perms = match &body.permissions {
                Some(p) => serde_json::to_string(p).unwrap_or_else(|_| "[]".into()),
                None => m.permissions.clone(),
            };
            diesel::update(
                memberships::table
                    .filter(memberships::tenant_id.eq(s.id()))
                    .filter(memberships::user_id.eq(&uid)),
            )
            .set((
                memberships::role.eq(&role),
                memberships::permissions.eq(&perms),
                memberships::updated_at.eq(Utc::now().naive_utc()),
            ))
            .execute(c)?;
            audit::record(
                c,
                &s,
                &actor,
                "user.role_changed",
                Some(("user", &uid)),
                json!({ "from": m.role, "role": role, "permissions": body.permissions }),
            )?;
            let m = accounts::membership(c, &s, &uid)?.ok_or_else(not_member)?;
            let u = accounts::find_user(c, &uid)?.ok_or_else(not_member)?;
            Ok((m, u))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(&m, &u)))
}

/// `DELETE /api/v3/users/{id}`: the membership goes and the member's sessions in this tenant
/// end at once; the account itself stays (it may belong to other tenants).
async fn remove(
    allowed: Allowed<perm::UsersManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (s, actor, uid) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    let u = uid.clone();
    let (s2, u2) = (s.clone(), uid.clone());
    let current = allowed
        .state
        .db
        .read(&s, move |c| accounts::membership(c, &s2, &u2))
        .await?
        .ok_or_else(not_member)?;
    let is_self = actor.kind == "user" && actor.id == uid;
    if !is_self {
        super::check_grant(
            &allowed.state,
            &allowed.authed,
            "viewer",
            &[],
            Some(&current.role),
        )
        .await?;
    }
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            lock_members(c, &s)?;
            let m = accounts::membership(c, &s, &u)?.ok_or_else(not_member)?;
            if m.role == "tenant_admin" && accounts::admin_count(c, &s)? <= 1 {
                return Err(Error::Conflict(
                    "This is the tenant's last admin and cannot be removed.".into(),
                ));
            }
            diesel::delete(
                memberships::table
                    .filter(memberships::tenant_id.eq(s.id()))
                    .filter(memberships::user_id.eq(&u)),
            )
            .execute(c)?;
            accounts::revoke_member_sessions(c, &s, &u)?;
            audit::record(
                c,
                &s,
                &actor,
                "user.removed",
                Some(("user", &u)),
                json!({ "role": m.role }),
            )
        })
        .await?;
    cloud(&allowed.state)
        .rbac
        .forget(&format!("user:{uid}"), allowed.authed.scope.id())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
