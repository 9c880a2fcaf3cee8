//! `/api/v3/users`: members of the tenant, invitations by e-mail (or by a copied link when the
//! server has no e-mail), reset links to hand over, role changes and removal; and
//! `/api/v3/status`, which says whether e-mail works.
//! Parsing and views only: the use cases (and the rule that a tenant keeps an admin) are in
//! `services::members` and `services::invitations`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{
    Invitation, InvitationList, InvitationSent, Member, MemberList, ResetLink, ServerStatus,
};
use super::{Allowed, ApiResult, Json, SignedIn, perm};
use crate::services::members::{self, RoleChange};
use crate::services::{health, invitations, passwords};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/status", web::get().to(status))
        .route("/users", web::get().to(list))
        .route("/users/invite", web::post().to(invite))
        .route("/users/invitations", web::get().to(list_invitations))
        .route(
            "/users/invitations/{id}",
            web::delete().to(cancel_invitation),
        )
        .route(
            "/users/invitations/{id}/resend",
            web::post().to(resend_invitation),
        )
        .route("/users/{id}/reset-link", web::post().to(reset_link))
        .route("/users/{id}", web::patch().to(update))
        .route("/users/{id}", web::delete().to(remove));
}

async fn list(allowed: Allowed<perm::UsersView>) -> ApiResult<HttpResponse> {
    let rows = members::list(&allowed.ctx()).await?;
    let items = rows.iter().map(|(m, u)| Member::new(m, u)).collect();
    Ok(HttpResponse::Ok().json(MemberList { items }))
}

#[derive(Deserialize)]
struct InviteBody {
    email: Option<String>,
    role: Option<String>,
}

/// `POST /api/v3/users/invite`: records the invitation and queues its e-mail in one
/// transaction; the seat is held (members + pending invitations count against max_users).
/// Says whether the e-mail went out, and without e-mail hands the link to a user manager.
async fn invite(
    allowed: Allowed<perm::UsersInvite>,
    body: Json<InviteBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let i = invitations::invite(&allowed.ctx(), &allowed.authed, b.email, b.role).await?;
    Ok(HttpResponse::Created().json(InvitationSent::from(&i)))
}

/// `POST /api/v3/users/invitations/{id}/resend`: a new link for a pending invitation (the old
/// one stops working), e-mailed when the server can.
async fn resend_invitation(
    allowed: Allowed<perm::UsersInvite>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let i = invitations::resend(&allowed.ctx(), &allowed.authed, &id).await?;
    Ok(HttpResponse::Created().json(InvitationSent::from(&i)))
}

/// `POST /api/v3/users/{id}/reset-link`: a one-time password reset link for a member, for an
/// admin to hand over by other means than e-mail. Recorded as `user.reset_link_created`.
async fn reset_link(
    allowed: Allowed<perm::UsersManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = passwords::reset_link(&allowed.ctx(), &allowed.authed, &id).await?;
    Ok(HttpResponse::Created().json(ResetLink::from(&r)))
}

/// `GET /api/v3/status`: whether this server's e-mail works, for any signed-in member (the
/// admin app warns when invitations and resets cannot be e-mailed).
pub async fn status(signed: SignedIn) -> ApiResult<HttpResponse> {
    let mail = health::mail(&signed.state.core)
        .await
        .unwrap_or(crate::cloud::mail::Health::NotConfigured);
    Ok(HttpResponse::Ok().json(ServerStatus::from(&mail)))
}

async fn list_invitations(allowed: Allowed<perm::UsersView>) -> ApiResult<HttpResponse> {
    let rows = invitations::list(&allowed.ctx()).await?;
    let items = rows.iter().map(Invitation::from).collect();
    Ok(HttpResponse::Ok().json(InvitationList { items }))
}

/// `DELETE /api/v3/users/invitations/{id}`: the link stops working and the seat is freed.
async fn cancel_invitation(
    allowed: Allowed<perm::UsersInvite>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    invitations::cancel(&allowed.ctx(), &id).await?;
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
    body: Json<UpdateBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let change = RoleChange {
        role: b.role,
        permissions: b.permissions,
    };
    let (m, u) = members::change_role(&allowed.ctx(), &allowed.authed, &id, change).await?;
    Ok(HttpResponse::Ok().json(Member::new(&m, &u)))
}

/// `DELETE /api/v3/users/{id}`: the membership goes and the member's sessions in this tenant
/// end at once; the account itself stays (it may belong to other tenants).
async fn remove(
    allowed: Allowed<perm::UsersManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    members::remove(&allowed.ctx(), &allowed.authed, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
