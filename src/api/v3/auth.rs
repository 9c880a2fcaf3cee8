//! `/api/v3/auth/…`: sign-up (a tenant and its first admin), sign-in, token refresh with
//! rotation and reuse detection, sign-out, password reset, e-mail verification, and accepting
//! an invitation.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, SignedIn, cloud};
use crate::app::AppState;
use crate::auth::password;
use crate::cloud::accounts::{self, Purpose, User, UserView};
use crate::cloud::principal::{self, Principal, client_ip};
use crate::cloud::{audit, mail, throttle, tokens};
use crate::db::Binding;
use crate::db::schema::{invitations, tenants};
use crate::error::Error;
use crate::tenancy::{Tenant, TenantScope};
use diesel::prelude::*;

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

/// Slugs that name parts of the service rather than tenants.
const RESERVED_SLUGS: &[&str] = &[
    "www", "api", "admin", "app", "mail", "static", "default", "share", "player",
];

/// 3–40 of a-z, 0-9 and inner hyphens.
pub fn check_slug(slug: &str) -> Result<(), Error> {
    let ok = (3..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !ok {
        return Err(Error::invalid(
            "tenant_slug",
            "The slug must be 3 to 40 lowercase letters, digits or hyphens, not starting or ending with a hyphen.",
        ));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(Error::invalid(
            "tenant_slug",
            format!("The slug {slug:?} is reserved; choose another."),
        ));
    }
    Ok(())
}

fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str, Error> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Error::invalid(field, format!("{field} is required."))),
    }
}

/// The password field, present and not empty (kept as sent: spaces count).
fn required_password(v: &Option<String>) -> Result<String, Error> {
    match v.as_deref() {
        Some(p) if !p.is_empty() => Ok(p.to_string()),
        _ => Err(Error::invalid("password", "password is required.")),
    }
}

fn check_password(password: &str, email: &str) -> Result<(), Error> {
    if password.len() > 1024 {
        return Err(Error::invalid(
            "password",
            "The password is longer than 1024 characters.",
        ));
    }
    let local = email.split('@').next().unwrap_or("");
    password::check_strength(password, local).map_err(|m| Error::invalid("password", m))
}

async fn hash_password(password: &str) -> Result<String, Error> {
    let p = password.to_string();
    tokio::task::spawn_blocking(move || password::hash(&p))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

fn token_body(issued: accounts::Issued, user: &User, tenant: &Tenant, role: &str) -> Value {
    json!({
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "token_type": issued.token_type,
        "expires_in": issued.expires_in,
        "user": UserView::from(user),
        "tenant": { "id": tenant.id, "slug": tenant.slug, "name": tenant.name },
        "role": role,
    })
}

/// Opens a session for `user` in `tenant` and signs its first access token.
async fn sign_in(
    state: &AppState,
    tenant: &Tenant,
    user: &User,
    ip: Option<String>,
) -> Result<accounts::Issued, Error> {
    let scope = TenantScope::new(tenant.id.clone());
    let lifetime = state.config.cloud.refresh_token_seconds as i64;
    let (s, uid) = (scope.clone(), user.id.clone());
    let (session, refresh) = state
        .db
        .write(&scope, move |c| {
            accounts::open_session(c, &s, &uid, ip.as_deref(), lifetime)
        })
        .await?;
    issued(state, &user.id, &tenant.id, &session, refresh)
}

/// A signed access token for the session, with its refresh token.
fn issued(
    state: &AppState,
    user: &str,
    tenant: &str,
    session: &str,
    refresh_token: String,
) -> Result<accounts::Issued, Error> {
    let jwt = &cloud(state).jwt;
    Ok(accounts::Issued {
        access_token: jwt.issue(user, tenant, session)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: jwt.lifetime,
    })
}

fn verification_mail(state: &AppState, user: &User, token: &str) -> mail::Mail {
    let link = format!("{}/verify-email?token={token}", state.config.public_url());
    mail::with_link(
        &user.email,
        "Confirm your e-mail address for Signate",
        &[
            format!("Hello {},", user.name),
            "Please confirm that this address is yours.".into(),
        ],
        "Confirm my address",
        &link,
        "The link is valid for 3 days. If you did not sign up for Signate, ignore this message.",
    )
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
    body: web::Json<SignupBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let email = accounts::normalise_email(required(&body.email, "email")?);
    accounts::check_email(&email)?;
    let password = required_password(&body.password)?;
    check_password(&password, &email)?;
    let name = required(&body.name, "name")?.to_string();
    let tenant_name = required(&body.tenant_name, "tenant_name")?.to_string();
    let slug = required(&body.tenant_slug, "tenant_slug")?.to_lowercase();
    check_slug(&slug)?;
    if name.chars().count() > 100 || tenant_name.chars().count() > 100 {
        return Err(Error::invalid("name", "Names are at most 100 characters.").into());
    }
    let limit = throttle::Keys::per_address("signup", client_ip(&req).as_deref(), 10);
    throttle::attempt(&state.db, &limit).await?;
    let hash = hash_password(&password).await?;
    let mut user = accounts::new_user(&email, &name, hash);
    let tenant = Tenant::new(&slug, &tenant_name);
    let scope = TenantScope::new(tenant.id.clone());
    let binding = Binding::tenant(&scope)
        .with_user(user.id.clone())
        .with_lookup(email.clone());
    let (t, u) = (tenant.clone(), user.clone());
    let actor = audit::Actor {
        kind: "user",
        id: user.id.clone(),
        label: email.clone(),
        ip: client_ip(&req),
    };
    let sbox_state = state.clone();
    let verify = state
        .db
        .bound(binding, move |c| {
            if accounts::find_user_by_email(c, &u.email)?.is_some() {
                return Err(Error::Taken {
                    field: "email".into(),
                    message: "An account with this e-mail address exists; sign in instead.".into(),
                });
            }
            let taken: i64 = tenants::table
                .filter(tenants::slug.eq(&t.slug))
                .count()
                .get_result(c)?;
            if taken > 0 {
                return Err(Error::Taken {
                    field: "tenant_slug".into(),
                    message: format!("The slug {:?} is taken; choose another.", t.slug),
                });
            }
            diesel::insert_into(tenants::table).values(&t).execute(c)?;
            accounts::insert_user(c, &u)?;
            let s = TenantScope::new(t.id.clone());
            accounts::add_member(c, &s, &u.id, "tenant_admin")?;
            let token =
                accounts::new_user_token(c, &u.id, Purpose::VerifyEmail, Duration::days(3))?;
            mail::queue(
                c,
                &cloud(&sbox_state).secrets,
                &s,
                &verification_mail(&sbox_state, &u, &token),
            )?;
            audit::record(
                c,
                &s,
                &actor,
                "tenant.created",
                Some(("tenant", &t.id)),
                json!({ "slug": t.slug }),
            )?;
            Ok(())
        })
        .await;
    verify?;
    state.jobs.wake();
    user.email_verified_at = None;
    tracing::info!(tenant = %tenant.slug, "new tenant signed up");
    let issued = sign_in(&state, &tenant, &user, client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(token_body(issued, &user, &tenant, "tenant_admin")))
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
    body: web::Json<LoginBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let email = accounts::normalise_email(required(&body.email, "email")?);
    let password = required_password(&body.password)?;
    let ip = client_ip(&req);
    let keys = throttle::Keys::new(
        &email,
        ip.as_deref(),
        state.config.cloud.login_failures_allowed,
    );
    throttle::attempt(&state.db, &keys).await?;
    let e = email.clone();
    let user = state
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            accounts::find_user_by_email(c, &e)
        })
        .await?;
    let bad = || Error::Unauthorized("Incorrect e-mail address or password.".into());
    let Some(user) = user else {
        // Spend the same time as a real check, so timing does not tell which addresses exist.
        let _ = password::verify_gated(&password, dummy_hash()).await;
        return Err(bad().into());
    };
    if !password::verify_gated(&password, &user.password_hash).await {
        return Err(bad().into());
    }
    throttle::succeed(&state.db, &keys).await?;
    let uid = user.id.clone();
    let mine = state
        .db
        .bound(Binding::user(user.id.clone()), move |c| {
            accounts::tenants_of(c, &uid)
        })
        .await?;
    // The tenant: the body's, else the one the request names (subdomain, header), else the
    // user's first.
    let wanted = match body
        .tenant
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => Some(t.to_lowercase()),
        None => principal::named_tenant(&state, &req)
            .await
            .ok()
            .flatten()
            .map(|t| t.slug),
    };
    let named_in_body = body.tenant.as_deref().is_some_and(|t| !t.trim().is_empty());
    let found = wanted
        .as_ref()
        .and_then(|w| mine.iter().find(|t| &t.slug == w || &t.id == w));
    let tenant = match found {
        Some(t) => t.clone(),
        // Only a tenant named in the body is a demand; one the host names is a hint.
        None if named_in_body => {
            return Err(Error::Forbidden(format!(
                "You are not a member of tenant {:?}.",
                wanted.unwrap_or_default()
            ))
            .into());
        }
        None => mine.first().cloned().ok_or_else(|| {
            Error::Forbidden(
                "Your account belongs to no active tenant; ask for an invitation.".into(),
            )
        })?,
    };
    let scope = TenantScope::new(tenant.id.clone());
    let (s, uid) = (scope.clone(), user.id.clone());
    let member = state
        .db
        .read(&scope, move |c| accounts::membership(c, &s, &uid))
        .await?
        .ok_or_else(|| Error::Forbidden("You are not a member of this tenant.".into()))?;
    let actor = audit::Actor {
        kind: "user",
        id: user.id.clone(),
        label: user.email.clone(),
        ip: ip.clone(),
    };
    let s = scope.clone();
    state
        .db
        .write(&scope, move |c| {
            audit::record(
                c,
                &s,
                &actor,
                "auth.login",
                Some(("user", &actor.id)),
                json!({}),
            )
        })
        .await?;
    let issued = sign_in(&state, &tenant, &user, ip).await?;
    Ok(HttpResponse::Ok().json(token_body(issued, &user, &tenant, &member.role)))
}

/// An argon2id hash of a random password, verified against when the address is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash(&tokens::random("")).unwrap_or_default())
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
    body: web::Json<RefreshBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let token = required(&body.refresh_token, "refresh_token")?.to_string();
    let hash = tokens::hash(&token);
    let h = hash.clone();
    let row = state
        .db
        .bound(Binding::lookup(hash.clone()), move |c| {
            accounts::find_refresh(c, &h)
        })
        .await?;
    let invalid = |m: &str| Error::Unauthorized(m.to_string());
    let Some(row) = row else {
        return Err(invalid("The refresh token is not valid; sign in again.").into());
    };
    let scope = TenantScope::new(row.tenant_id.clone());
    let lifetime = state.config.cloud.refresh_token_seconds as i64;
    let (s, sid, h) = (scope.clone(), row.session_id.clone(), hash.clone());
    let expired = row.expires_at < Utc::now().naive_utc();
    // A client that lost the answer to its refresh (a page closed mid-request) may present the
    // same token again within a few seconds; that is not theft, so it gets a new pair too.
    let grace = state.config.cloud.refresh_reuse_grace_seconds as i64;
    let outcome = state
        .db
        .write(&scope, move |c| {
            let Some((user, open)) = accounts::session(c, &s, &sid)? else {
                return Ok(Err("The refresh token is not valid; sign in again."));
            };
            if !open {
                return Ok(Err("This sign-in has ended; sign in again."));
            }
            if expired {
                return Ok(Err("The refresh token has expired; sign in again."));
            }
            if !accounts::spend_refresh(c, &h)? {
                if !accounts::spent_within(c, &h, grace)? {
                    accounts::revoke_session(c, &sid)?;
                    tracing::warn!(session = %sid, "a spent refresh token was presented again; session revoked");
                    return Ok(Err("This refresh token was already used, so the sign-in was ended to protect the account; sign in again."));
                }
                // A repeat within the grace period: the pair handed out first stops here.
                accounts::spend_session_tokens(c, &sid)?;
            }
            let next = accounts::new_refresh_token(c, &s, &sid, lifetime)?;
            let member = accounts::membership(c, &s, &user)?;
            let tenant: Tenant = tenants::table.find(s.id()).select(Tenant::as_select()).first(c)?;
            let user = accounts::find_user(c, &user)?;
            Ok(Ok((next, member, tenant, user)))
        })
        .await?;
    let (next, member, tenant, user) = outcome.map_err(invalid)?;
    let (Some(member), Some(user)) = (member, user) else {
        return Err(Error::Forbidden("You are no longer a member of this tenant.".into()).into());
    };
    if !tenant.is_active {
        return Err(Error::NotFound("No such tenant (or it is not active).".into()).into());
    }
    let pair = issued(&state, &user.id, &tenant.id, &row.session_id, next)?;
    Ok(HttpResponse::Ok().json(token_body(pair, &user, &tenant, &member.role)))
}

/// `POST /api/v3/auth/logout`: ends the session of the access token presented.
async fn logout(signed: SignedIn) -> ApiResult<HttpResponse> {
    let Principal::User { session, .. } = &signed.authed.principal else {
        return Err(Error::invalid(
            "authorization",
            "API keys do not sign in; revoke the key instead (DELETE /api/v3/api-keys/{id}).",
        )
        .into());
    };
    let sid = session.clone();
    signed
        .state
        .db
        .write(&signed.authed.scope, move |c| {
            accounts::revoke_session(c, &sid)
        })
        .await?;
    let mut gone = actix_web::cookie::Cookie::build(principal::MEDIA_COOKIE, "")
        .path("/")
        .finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// `POST /api/v3/auth/media-cookie`: puts the presented access token in an `HttpOnly`,
/// `SameSite=Strict` cookie that only media reads and the event stream accept, so the web app's
/// pictures, videos and live updates work in cloud mode. It expires with the token; the app
/// calls this again after each refresh.
async fn media_cookie(signed: SignedIn, req: HttpRequest) -> ApiResult<HttpResponse> {
    if !matches!(signed.authed.principal, Principal::User { .. }) {
        return Err(Error::invalid(
            "authorization",
            "Only a signed-in user's access token goes in the media cookie.",
        )
        .into());
    }
    let token = principal::bearer(&req).unwrap_or_default();
    let claims = cloud(&signed.state).jwt.verify(&token)?;
    let left = (claims.exp - Utc::now().timestamp()).max(0);
    let secure = signed.state.config.public_url().starts_with("https://");
    let cookie = actix_web::cookie::Cookie::build(principal::MEDIA_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(left))
        .finish();
    Ok(HttpResponse::NoContent().cookie(cookie).finish())
}

/// `GET /api/v3/auth/me`
async fn me(signed: SignedIn) -> ApiResult<HttpResponse> {
    let a = &signed.authed;
    let permissions = super::held(&signed.state, a).await?;
    let tenant = json!({ "id": a.tenant.id, "slug": a.tenant.slug, "name": a.tenant.name });
    let body = match &a.principal {
        Principal::User { id, .. } => {
            let (s, uid) = (a.scope.clone(), id.clone());
            let user = signed
                .state
                .db
                .read(&a.scope, move |c| accounts::find_user(c, &uid))
                .await?;
            let _ = s;
            json!({ "user": user.as_ref().map(UserView::from), "api_key": null, "tenant": tenant, "role": a.grant.role, "permissions": permissions })
        }
        Principal::ApiKey { id } => {
            json!({ "user": null, "api_key": { "id": id, "name": a.actor.label }, "tenant": tenant, "role": a.grant.role, "permissions": permissions })
        }
    };
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
struct EmailBody {
    email: Option<String>,
}

/// `POST /api/v3/auth/forgot-password`: always 202, so the answer does not tell which
/// addresses have accounts; the e-mail goes out only when one does.
async fn forgot_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<EmailBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let email = accounts::normalise_email(required(&body.email, "email")?);
    accounts::check_email(&email)?;
    let limit = throttle::Keys::per_address("reset", client_ip(&req).as_deref(), 10);
    throttle::attempt(&state.db, &limit).await?;
    let st = state.clone();
    let e = email.clone();
    let user = state
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            accounts::find_user_by_email(c, &e)
        })
        .await?;
    if let Some(user) = user {
        let uid = user.id.clone();
        let tenants = state
            .db
            .bound(Binding::user(uid.clone()), move |c| {
                accounts::tenants_of(c, &uid)
            })
            .await?;
        // Queued jobs belong to a tenant; any of the user's will do.
        if let Some(t) = tenants.first() {
            let scope = TenantScope::new(t.id.clone());
            let binding = Binding::tenant(&scope).with_user(user.id.clone());
            state
                .db
                .bound(binding, move |c| {
                    let token = accounts::new_user_token(c, &user.id, Purpose::ResetPassword, Duration::hours(1))?;
                    let link = format!("{}/reset-password?token={token}", st.config.public_url());
                    let m = mail::with_link(
                        &user.email,
                        "Reset your Signate password",
                        &[format!("Hello {},", user.name), "Someone (hopefully you) asked to reset the password of this account.".into()],
                        "Choose a new password",
                        &link,
                        "The link is valid for 1 hour and works once. If you did not ask for it, ignore this message: your password stays as it is.",
                    );
                    mail::queue(c, &cloud(&st).secrets, &scope, &m)
                })
                .await?;
            state.jobs.wake();
        }
    }
    Ok(HttpResponse::Accepted().json(
        json!({ "status": "If an account exists for this address, a reset link is on its way." }),
    ))
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
    body: web::Json<ResetBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let token = required(&body.token, "token")?.to_string();
    let password = required_password(&body.password)?;
    if password.len() > 1024 {
        return Err(
            Error::invalid("password", "The password is longer than 1024 characters.").into(),
        );
    }
    let (t, lookup) = (token.clone(), tokens::hash(&token));
    let user_id = state
        .db
        .bound(Binding::lookup(lookup.clone()), move |c| {
            accounts::check_user_token(c, &t, Purpose::ResetPassword)
        })
        .await?;
    let hash = hash_password(&password).await?;
    let uid = user_id.clone();
    // One transaction: a refused password leaves the link unspent.
    let email = state
        .db
        .bound(Binding::user(user_id).with_lookup(lookup), move |c| {
            let user = accounts::find_user(c, &uid)?
                .ok_or_else(|| Error::NotFound("The account no longer exists.".into()))?;
            if let Err(m) =
                password::check_strength(&password, user.email.split('@').next().unwrap_or(""))
            {
                return Err(Error::invalid("password", m));
            }
            accounts::spend_user_token(c, &token, Purpose::ResetPassword)?;
            accounts::set_password(c, &uid, &hash)?;
            // Whoever reset it got the e-mail, so the address is theirs.
            accounts::mark_verified(c, &uid)?;
            accounts::revoke_user_sessions(c, &uid)?;
            Ok(user.email)
        })
        .await?;
    // Whoever reset the password proved the address: lift a lock on the account.
    throttle::clear_account(&state.db, &email).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "status": "Your password has been changed; sign in with it." })))
}

#[derive(Deserialize)]
struct TokenOnly {
    token: Option<String>,
}

/// `POST /api/v3/auth/verify-email`
async fn verify_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<TokenOnly>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let token = required(&body.token, "token")?.to_string();
    let t = token.clone();
    let user_id = state
        .db
        .bound(Binding::lookup(tokens::hash(&token)), move |c| {
            accounts::spend_user_token(c, &t, Purpose::VerifyEmail)
        })
        .await?;
    let uid = user_id.clone();
    state
        .db
        .bound(Binding::user(user_id), move |c| {
            accounts::mark_verified(c, &uid)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "Your e-mail address is confirmed." })))
}

/// `POST /api/v3/auth/resend-verification`
async fn resend_verification(signed: SignedIn) -> ApiResult<HttpResponse> {
    let Principal::User { id, .. } = &signed.authed.principal else {
        return Err(
            Error::invalid("authorization", "Sign in as a user to confirm an address.").into(),
        );
    };
    let (st, scope, uid) = (
        signed.state.clone(),
        signed.authed.scope.clone(),
        id.clone(),
    );
    let binding = Binding::tenant(&scope).with_user(uid.clone());
    let sent = signed
        .state
        .db
        .bound(binding, move |c| {
            let user = accounts::find_user(c, &uid)?
                .ok_or_else(|| Error::NotFound("No such user.".into()))?;
            if user.email_verified_at.is_some() {
                return Ok(false);
            }
            let token = accounts::new_user_token(c, &uid, Purpose::VerifyEmail, Duration::days(3))?;
            mail::queue(
                c,
                &cloud(&st).secrets,
                &scope,
                &verification_mail(&st, &user, &token),
            )?;
            Ok(true)
        })
        .await?;
    if !sent {
        return Ok(HttpResponse::Ok()
            .json(json!({ "status": "Your e-mail address is already confirmed." })));
    }
    signed.state.jobs.wake();
    Ok(
        HttpResponse::Accepted()
            .json(json!({ "status": "A new confirmation link is on its way." })),
    )
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
    body: web::Json<AcceptBody>,
) -> ApiResult<HttpResponse> {
    super::app_state(&req)?;
    let token = required(&body.token, "token")?.to_string();
    let password = required_password(&body.password)?;
    let hash = tokens::hash(&token);
    let h = hash.clone();
    type Invite = (
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    );
    let invite: Option<Invite> = state
        .db
        .bound(Binding::lookup(hash.clone()), move |c| {
            Ok(invitations::table
                .filter(invitations::token_hash.eq(&h))
                .select((
                    invitations::id,
                    invitations::tenant_id,
                    invitations::email,
                    invitations::role,
                    invitations::expires_at,
                    invitations::accepted_at,
                ))
                .first(c)
                .optional()?)
        })
        .await?;
    let Some((invite_id, tenant_id, email, role, expires_at, accepted_at)) = invite else {
        return Err(Error::invalid("token", "This invitation is not valid.").into());
    };
    if accepted_at.is_some() {
        return Err(Error::invalid("token", "This invitation has already been accepted.").into());
    }
    if expires_at < Utc::now().naive_utc() {
        return Err(
            Error::invalid("token", "This invitation has expired; ask for a new one.").into(),
        );
    }
    let e = email.clone();
    let existing = state
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            accounts::find_user_by_email(c, &e)
        })
        .await?;
    let user = match existing {
        Some(u) => {
            if !password::verify_gated(&password, &u.password_hash).await {
                return Err(Error::Unauthorized(
                    "An account with this address exists; give its password to accept.".into(),
                )
                .into());
            }
            u
        }
        None => {
            check_password(&password, &email)?;
            let name = body
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| email.split('@').next().unwrap_or(""))
                .to_string();
            accounts::new_user(&email, &name, hash_password(&password).await?)
        }
    };
    let scope = TenantScope::new(tenant_id.clone());
    let binding = Binding::tenant(&scope)
        .with_user(user.id.clone())
        .with_lookup(email.clone());
    let (s, u, r) = (scope.clone(), user.clone(), role.clone());
    let actor = audit::Actor {
        kind: "user",
        id: user.id.clone(),
        label: user.email.clone(),
        ip: client_ip(&req),
    };
    let tenant = state
        .db
        .bound(binding, move |c| {
            let tenant: Tenant = tenants::table.find(s.id()).select(Tenant::as_select()).first(c)?;
            if !tenant.is_active {
                return Err(Error::NotFound("No such tenant (or it is not active).".into()));
            }
            if accounts::membership(c, &s, &u.id)?.is_some() {
                return Err(Error::Conflict("You are already a member of this tenant.".into()));
            }
            if accounts::member_count(c, &s)? >= tenant.max_users as i64 {
                return Err(Error::LimitExceeded(format!(
                    "This tenant has reached its limit of {} users (max_users); an admin can remove a member or move to a larger plan.",
                    tenant.max_users
                )));
            }
            if accounts::find_user(c, &u.id)?.is_none() {
                accounts::insert_user(c, &u)?;
            }
            accounts::add_member(c, &s, &u.id, &r)?;
            // Following the e-mailed link proves the address.
            accounts::mark_verified(c, &u.id)?;
            diesel::update(invitations::table.filter(invitations::id.eq(&invite_id)))
                .set(invitations::accepted_at.eq(Utc::now().naive_utc()))
                .execute(c)?;
            audit::record(c, &s, &actor, "user.joined", Some(("user", &u.id)), json!({ "role": r }))?;
            Ok(tenant)
        })
        .await?;
    let issued = sign_in(&state, &tenant, &user, client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(token_body(issued, &user, &tenant, &role)))
}
