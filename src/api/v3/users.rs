//! `/api/v3/users`: members of the tenant, invitations by e-mail, role changes and removal.
//! Parsing and views only: the use cases (and the rule that a tenant keeps an admin) are in
//! `services::members` and `services::invitations`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{Invitation, InvitationList, Member, MemberList};
use super::{Allowed, ApiResult, Json, perm};
use crate::services::invitations;
use crate::services::members::{self, RoleChange};

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
async fn invite(
    allowed: Allowed<perm::UsersInvite>,
    body: Json<InviteBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let i = invitations::invite(&allowed.ctx(), &allowed.authed, b.email, b.role).await?;
    Ok(HttpResponse::Created().json(Invitation::from(&i)))
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
