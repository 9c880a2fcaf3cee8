//! Signing in and staying signed in: sign-in with a password, the session it opens and its
//! token pair (a short-lived signed access token and a refresh token), refresh with rotation
//! and reuse detection, sign-out, and who-am-I.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::auth::password;
use crate::cloud::{throttle, tokens};
use crate::db::models::audit::{self, Actor};
use crate::db::models::membership;
use crate::db::models::session;
use crate::db::models::tenant::{self, Tenant};
use crate::db::models::user::{self, User};
use crate::db::{AnyConnection, Binding};
use crate::error::Error;
use crate::services::accounts::{normalise_email, required, required_password};
use crate::services::context::Core;
use crate::services::principal::{self, Authed, Presented, Principal};
use crate::tenancy::TenantScope;

/// Tokens handed out at sign-in and refresh.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// A sign-in: the tokens, who signed in, where, and with which role.
#[derive(Debug)]
pub struct Started {
    pub tokens: Issued,
    pub user: User,
    pub tenant: Tenant,
    pub role: String,
}

/// Opens a session for `user` in `tenant` and signs its first access token.
pub(crate) async fn start(
    core: &Core,
    tenant: Tenant,
    user: User,
    role: String,
    ip: Option<String>,
) -> Result<Started, Error> {
    let scope = tenant.scope();
    let lifetime = core.config.cloud.refresh_token_seconds as i64;
    let (s, uid) = (scope.clone(), user.id.clone());
    let (session, refresh) = core
        .db
        .write(&scope, move |c| {
            let id = session::open(c, &s, &uid, ip.as_deref())?;
            let refresh = new_refresh_token(c, &s, &id, lifetime)?;
            Ok((id, refresh))
        })
        .await?;
    let tokens = issue(core, &user.id, &tenant.id, &session, refresh)?;
    Ok(Started {
        tokens,
        user,
        tenant,
        role,
    })
}

/// A new refresh token in a session.
fn new_refresh_token(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    session_id: &str,
    lifetime: i64,
) -> Result<String, Error> {
    let token = tokens::random("sgr_");
    session::insert_refresh(conn, scope, session_id, &tokens::hash(&token), lifetime)?;
    Ok(token)
}

/// A signed access token for the session, with its refresh token.
fn issue(
    core: &Core,
    user: &str,
    tenant: &str,
    session: &str,
    refresh_token: String,
) -> Result<Issued, Error> {
    let jwt = &super::cloud(core)?.jwt;
    Ok(Issued {
        access_token: jwt.issue(user, tenant, session)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: jwt.lifetime,
    })
}

/// What a sign-in form holds.
#[derive(Debug, Default)]
pub struct Login {
    pub email: Option<String>,
    pub password: Option<String>,
    /// The tenant to sign in to (slug or id); else the one the request names, else the
    /// user's first.
    pub tenant: Option<String>,
}

/// Signs a user in with their password. Attempts are throttled per (account, address) pair
/// and per address, and slowed down past a per-account limit (`cloud::throttle`).
pub async fn login(core: &Core, form: Login, req: &Presented) -> Result<Started, Error> {
    let email = normalise_email(required(&form.email, "email")?);
    let password = required_password(&form.password)?;
    let ip = req.ip.clone();
    let keys = throttle::SignIn::new(&email, ip.as_deref(), &core.config.cloud);
    // Counted before the password is checked; waits here when the account is slowed down.
    throttle::attempt(&core.db, &keys).await?;
    let e = email.clone();
    let user = core
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            user::find_by_email(c, &e)
        })
        .await?;
    let bad = || Error::Unauthorized("Incorrect e-mail address or password.".into());
    let Some(user) = user else {
        // Spend the same time as a real check, so timing does not tell which addresses exist.
        let _ = password::verify_gated(&password, dummy_hash()).await;
        return Err(bad());
    };
    if !password::verify_gated(&password, &user.password_hash).await {
        return Err(bad());
    }
    throttle::succeed(&core.db, &keys).await?;
    let uid = user.id.clone();
    let mine = core
        .db
        .bound(Binding::user(user.id.clone()), move |c| {
            membership::tenants_of(c, &uid)
        })
        .await?;
    // The tenant: the form's, else the one the request names (subdomain, header), else the
    // user's first.
    let wanted = match form
        .tenant
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => Some(t.to_lowercase()),
        None => principal::named_tenant(core, req)
            .await
            .ok()
            .flatten()
            .map(|t| t.slug),
    };
    let named_in_form = form.tenant.as_deref().is_some_and(|t| !t.trim().is_empty());
    let found = wanted
        .as_ref()
        .and_then(|w| mine.iter().find(|t| &t.slug == w || &t.id == w));
    let tenant = match found {
        Some(t) => t.clone(),
        // Only a tenant named in the form is a demand; one the host names is a hint.
        None if named_in_form => {
            return Err(Error::Forbidden(format!(
                "You are not a member of tenant {:?}.",
                wanted.unwrap_or_default()
            )));
        }
        None => mine.first().cloned().ok_or_else(|| {
            Error::Forbidden(
                "Your account belongs to no active tenant; ask for an invitation.".into(),
            )
        })?,
    };
    let scope = tenant.scope();
    let (s, uid) = (scope.clone(), user.id.clone());
    let member = core
        .db
        .read(&scope, move |c| membership::get(c, &s, &uid))
        .await?
        .ok_or_else(|| Error::Forbidden("You are not a member of this tenant.".into()))?;
    let actor = Actor {
        kind: "user",
        id: user.id.clone(),
        label: user.email.clone(),
        ip: ip.clone(),
    };
    let s = scope.clone();
    core.db
        .write(&scope, move |c| {
            audit::insert(
                c,
                &s,
                &actor,
                "auth.login",
                Some(("user", &actor.id)),
                json!({}),
            )
        })
        .await?;
    start(core, tenant, user, member.role, ip).await
}

/// An argon2id hash of a random password, verified against when the address is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash(&tokens::random("")).unwrap_or_default())
}

/// Spends the refresh token and hands out a new pair. A token that was already spent means it
/// leaked (or a client raced itself): the whole session ends.
pub async fn refresh(core: &Core, refresh_token: Option<String>) -> Result<Started, Error> {
    let token = required(&refresh_token, "refresh_token")?.to_string();
    let hash = tokens::hash(&token);
    let h = hash.clone();
    let row = core
        .db
        .bound(Binding::lookup(hash.clone()), move |c| {
            session::find_refresh(c, &h)
        })
        .await?;
    let invalid = |m: &str| Error::Unauthorized(m.to_string());
    let Some(row) = row else {
        return Err(invalid("The refresh token is not valid; sign in again."));
    };
    let scope = TenantScope::new(row.tenant_id.clone());
    let lifetime = core.config.cloud.refresh_token_seconds as i64;
    let (s, sid, h) = (scope.clone(), row.session_id.clone(), hash.clone());
    let expired = row.expires_at < Utc::now().naive_utc();
    // A client that lost the answer to its refresh (a page closed mid-request) may present the
    // same token again within a few seconds; that is not theft, so it gets a new pair too.
    let grace = core.config.cloud.refresh_reuse_grace_seconds as i64;
    let outcome = core
        .db
        .write(&scope, move |c| {
            let Some((user, open)) = session::get(c, &s, &sid)? else {
                return Ok(Err("The refresh token is not valid; sign in again."));
            };
            if !open {
                return Ok(Err("This sign-in has ended; sign in again."));
            }
            if expired {
                return Ok(Err("The refresh token has expired; sign in again."));
            }
            if !session::spend_refresh(c, &s, &h)? {
                if !spent_within(c, &s, &h, grace)? {
                    session::revoke(c, &s, &sid)?;
                    tracing::warn!(session = %sid, "a spent refresh token was presented again; session revoked");
                    return Ok(Err("This refresh token was already used, so the sign-in was ended to protect the account; sign in again."));
                }
                // A repeat within the grace period: the pair handed out first stops here, so
                // only the newest pair lives on and a copy of the token cannot fork the
                // sign-in (the other successor, presented later, is a reuse and ends it).
                session::spend_all_refresh(c, &s, &sid)?;
            }
            let next = new_refresh_token(c, &s, &sid, lifetime)?;
            let member = membership::get(c, &s, &user)?;
            let tenant = tenant::get(c, &s)?;
            let user = user::find(c, &user)?;
            Ok(Ok((next, member, tenant, user)))
        })
        .await?;
    let (next, member, tenant, user) = outcome.map_err(invalid)?;
    let (Some(member), Some(user)) = (member, user) else {
        return Err(Error::Forbidden(
            "You are no longer a member of this tenant.".into(),
        ));
    };
    if !tenant.is_active {
        return Err(Error::NotFound(
            "No such tenant (or it is not active).".into(),
        ));
    }
    let tokens = issue(core, &user.id, &tenant.id, &row.session_id, next)?;
    Ok(Started {
        tokens,
        user,
        tenant,
        role: member.role,
    })
}

/// Whether a spent refresh token was spent less than `seconds` ago.
fn spent_within(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    hash: &str,
    seconds: i64,
) -> Result<bool, Error> {
    if seconds <= 0 {
        return Ok(false);
    }
    Ok(session::refresh_spent_at(conn, scope, hash)?
        .is_some_and(|t| Utc::now().naive_utc() - t <= Duration::seconds(seconds)))
}

/// Ends the session of the access token presented.
pub async fn logout(core: &Core, authed: &Authed) -> Result<(), Error> {
    let Principal::User { session, .. } = &authed.principal else {
        return Err(Error::invalid(
            "authorization",
            "API keys do not sign in; revoke the key instead (DELETE /api/v3/api-keys/{id}).",
        ));
    };
    let (s, sid) = (authed.scope.clone(), session.clone());
    core.db
        .write(&authed.scope, move |c| session::revoke(c, &s, &sid))
        .await
}

/// How many seconds the presented access token has left, for the media cookie that carries
/// it (only a signed-in user's access token goes there).
pub fn media_token_left(core: &Core, authed: &Authed, token: &str) -> Result<i64, Error> {
    if !matches!(authed.principal, Principal::User { .. }) {
        return Err(Error::invalid(
            "authorization",
            "Only a signed-in user's access token goes in the media cookie.",
        ));
    }
    let claims = super::cloud(core)?.jwt.verify(token)?;
    Ok((claims.exp - Utc::now().timestamp()).max(0))
}

/// Who the credential is, and what it may do.
#[derive(Debug)]
pub struct Me {
    /// The signed-in user (`None` for an API key).
    pub user: Option<User>,
    pub permissions: Vec<&'static str>,
}

/// The credential's holder and permissions.
pub async fn me(core: &Core, authed: &Authed) -> Result<Me, Error> {
    let permissions = principal::held(core, authed).await?;
    let user = match &authed.principal {
        Principal::User { id, .. } => {
            let uid = id.clone();
            core.db
                .read(&authed.scope, move |c| user::find(c, &uid))
                .await?
        }
        Principal::ApiKey { .. } => None,
    };
    Ok(Me { user, permissions })
}
