//! `/api/v3/auth/…`: sign-up (a tenant and its first admin), sign-in, token refresh with
//! rotation and reuse detection, sign-out, password reset, e-mail verification, and accepting
//! an invitation. Parsing and views only: the use cases are in `services` (`signup`,
//! `sessions`, `passwords`, `verification`, `invitations`).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::views::{MailAck, Me, Status, TenantRef, TokenBody};
use super::{ApiResult, Json, SignedIn};
use crate::api::principal::{self, MEDIA_COOKIE, client_ip};
use crate::app::AppState;
use crate::services::principal::Principal;
use crate::services::sessions;
use crate::services::{invitations, passwords, signup, verification};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/signup", web::post().to(signup))
        .route("/auth/login", web::post().to(login))
        .route("/auth/refresh", web::post().to(refresh))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/me", web::get().to(me))
        .route("/auth/media-cookie", web::post().to(media_cookie))
        .route("/auth/forgot-password", web::post().to(forgot_password))
        .route("/auth/reset-password", web::post().to(reset_password))
        .route("/auth/verify-email", web::post().to(verify_email))
        .route(
            "/auth/resend-verification",
            web::post().to(resend_verification),
        )
        .route("/auth/accept-invite", web::post().to(accept_invite));
}

#[derive(Deserialize)]
struct SignupBody {
    email: Option<String>,
    password: Option<String>,
    name: Option<String>,
    tenant_name: Option<String>,
    tenant_slug: Option<String>,
}

/// `POST /api/v3/auth/signup`
async fn signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<SignupBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let b = body.into_inner();
    let form = signup::Form {
        email: b.email,
        password: b.password,
        name: b.name,
        tenant_name: b.tenant_name,
        tenant_slug: b.tenant_slug,
    };
    let (started, delivery) = signup::signup(&state.core, form, client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(TokenBody::signed_up(&started, delivery)))
}

#[derive(Deserialize)]
struct LoginBody {
    email: Option<String>,
    password: Option<String>,
    tenant: Option<String>,
}

/// `POST /api/v3/auth/login`
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let b = body.into_inner();
    let form = sessions::Login {
        email: b.email,
        password: b.password,
        tenant: b.tenant,
    };
    let started = sessions::login(&state.core, form, &principal::presented(&req)).await?;
    Ok(HttpResponse::Ok().json(TokenBody::from(&started)))
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: Option<String>,
}

/// `POST /api/v3/auth/refresh`: spends the refresh token and hands out a new pair. A token
/// that was already spent means it leaked (or a client raced itself): the whole session ends.
async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RefreshBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let started = sessions::refresh(&state.core, body.into_inner().refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenBody::from(&started)))
}

/// `POST /api/v3/auth/logout`: ends the session of the access token presented.
async fn logout(signed: SignedIn) -> ApiResult<HttpResponse> {
    sessions::logout(&signed.state.core, &signed.authed).await?;
    let mut gone = Cookie::build(MEDIA_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// `POST /api/v3/auth/media-cookie`: puts the presented access token in an `HttpOnly`,
/// `SameSite=Strict` cookie that only media reads and the event stream accept, so the web app's
/// pictures, videos and live updates work in cloud mode. It expires with the token; the app
/// calls this again after each refresh.
async fn media_cookie(signed: SignedIn, req: HttpRequest) -> ApiResult<HttpResponse> {
    let token = principal::bearer(&req).unwrap_or_default();
    let left = sessions::media_token_left(&signed.state.core, &signed.authed, &token)?;
    let secure = signed.state.config.public_url().starts_with("https://");
    let cookie = Cookie::build(MEDIA_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(left))
        .finish();
    Ok(HttpResponse::NoContent().cookie(cookie).finish())
}

/// `GET /api/v3/auth/me`
async fn me(signed: SignedIn) -> ApiResult<HttpResponse> {
    let a = &signed.authed;
    let held = sessions::me(&signed.state.core, a).await?;
    let key = match &a.principal {
        Principal::User { .. } => None,
        Principal::ApiKey { id } => Some((id.clone(), a.actor.label.clone())),
    };
    let tenant = TenantRef::from(&a.tenant);
    Ok(HttpResponse::Ok().json(Me::new(held, key, tenant, a.grant.role.clone())))
}

#[derive(Deserialize)]
struct EmailBody {
    email: Option<String>,
}

/// `POST /api/v3/auth/forgot-password`: always 202, so the answer does not tell which
/// addresses have accounts; the e-mail goes out only when one does. `email_sent` says whether
/// this server can send e-mail at all, which is the same for every address.
async fn forgot_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<EmailBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let delivery = passwords::forgot(&state.core, body.into_inner().email, client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().json(MailAck::new(
        delivery,
        "If an account exists for this address, a reset link is on its way.",
        "E-mail is not set up on this server, so no reset link was sent. Ask an admin of your \
         organisation for one.",
    )))
}

#[derive(Deserialize)]
struct ResetBody {
    token: Option<String>,
    password: Option<String>,
}

/// `POST /api/v3/auth/reset-password`: sets the password and ends every session of the user.
async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ResetBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let b = body.into_inner();
    passwords::reset(&state.core, b.token, b.password).await?;
    Ok(HttpResponse::Ok().json(Status::new(
        "Your password has been changed; sign in with it.",
    )))
}

#[derive(Deserialize)]
struct TokenOnly {
    token: Option<String>,
}

/// `POST /api/v3/auth/verify-email`
async fn verify_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<TokenOnly>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    verification::verify(&state.core, body.into_inner().token).await?;
    Ok(HttpResponse::Ok().json(Status::new("Your e-mail address is confirmed.")))
}

/// `POST /api/v3/auth/resend-verification`
async fn resend_verification(signed: SignedIn) -> ApiResult<HttpResponse> {
    let Some(delivery) = verification::resend(&signed.state.core, &signed.authed).await? else {
        return Ok(
            HttpResponse::Ok().json(Status::new("Your e-mail address is already confirmed."))
        );
    };
    Ok(HttpResponse::Accepted().json(MailAck::new(
        delivery,
        "A new confirmation link is on its way.",
        "E-mail is not set up on this server, so no confirmation link was sent.",
    )))
}

#[derive(Deserialize)]
struct AcceptBody {
    token: Option<String>,
    password: Option<String>,
    name: Option<String>,
}

/// `POST /api/v3/auth/accept-invite`: a new user sets a password; an existing one proves the
/// account is theirs with its password. Either way they join the tenant with the invited role.
async fn accept_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<AcceptBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let b = body.into_inner();
    let form = invitations::Acceptance {
        token: b.token,
        password: b.password,
        name: b.name,
    };
    let started = invitations::accept(&state.core, form, client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(TokenBody::from(&started)))
}
