//! Who a cloud request acts for, in which tenant, and whether it may.
//!
//! The tenant comes from the credential (an access token or API key carries its own) or, for
//! requests without one, from the request: the subdomain of `cloud.base_domain`, a tenant's
//! custom domain, then the `X-Tenant-ID` header (id or slug). A request that names one tenant
//! and carries a credential of another is refused.

use actix_web::HttpRequest;
use diesel::prelude::*;

use crate::app::AppState;
use crate::cloud::audit::Actor;
use crate::cloud::rbac::Grant;
use crate::cloud::{accounts, apikeys};
use crate::db::Binding;
use crate::db::schema::tenants;
use crate::error::Error;
use crate::tenancy::{Tenant, TenantScope};

/// The header API clients name their tenant with.
pub const TENANT_HEADER: &str = "X-Tenant-ID";

/// A credential's holder.
#[derive(Debug, Clone)]
pub enum Principal {
    User { id: String, session: String },
    ApiKey { id: String },
}

impl Principal {
    /// The Casbin subject.
    pub fn subject(&self) -> String {
        match self {
            Principal::User { id, .. } => format!("user:{id}"),
            Principal::ApiKey { id } => format!("key:{id}"),
        }
    }
}

/// An authenticated cloud request.
#[derive(Debug, Clone)]
pub struct Authed {
    pub tenant: Tenant,
    pub scope: TenantScope,
    pub principal: Principal,
    pub grant: Grant,
    pub actor: Actor,
}

/// The client address: the peer, or, when the peer is one of `cloud.trusted_proxies`, the
/// last address in `X-Forwarded-For` that is not a trusted proxy (what a client writes
/// further left can be forged).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.cloud.trusted_proxies.clone())
        .unwrap_or_default();
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    let client = forwarded.into_iter().rev().find(|a| !trusted.contains(a));
    Some(client.unwrap_or(peer).to_string())
}

/// How a request named its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    /// `<slug>.<base_domain>` or the `X-Tenant-ID` header: the client chose it.
    Choice,
    /// A tenant's custom domain: a claim by that tenant, never checked against DNS, so it never
    /// overrides (or blocks) a credential of another tenant.
    CustomDomain,
}

/// The host the request was sent to, without the port, in lower case.
fn host_name(req: &HttpRequest) -> String {
    let info = req.connection_info();
    let host = info.host();
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        match host.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    name.to_lowercase()
}

/// The tenant a request names (host or header), if any. Unknown or inactive: 404.
pub async fn named_tenant(state: &AppState, req: &HttpRequest) -> Result<Option<Tenant>, Error> {
    Ok(named(state, req).await?.map(|(t, _)| t))
}

async fn named(state: &AppState, req: &HttpRequest) -> Result<Option<(Tenant, NamedBy)>, Error> {
    let base = state.config.cloud.base_domain.trim().to_lowercase();
    let host = host_name(req);
    let is_address = host.parse::<std::net::IpAddr>().is_ok()
        || host.starts_with('[')
        || host == "localhost"
        || !host.contains('.');
    if !is_address && !is_service_host(state, &host) {
        if !base.is_empty()
            && let Some(sub) = host.strip_suffix(&format!(".{base}"))
        {
            if sub != "www" && !sub.contains('.') {
                return by_key(state, Lookup::Slug(sub.to_string()))
                    .await
                    .map(|t| Some((t, NamedBy::Choice)));
            }
        } else if let Some(t) = find(state, Lookup::Domain(host)).await? {
            // A custom domain the database does not know is just another name of ours.
            return active(t).map(|t| Some((t, NamedBy::CustomDomain)));
        }
    }
    match req.headers().get(TENANT_HEADER) {
        Some(v) => {
            let v = v.to_str().unwrap_or("").trim();
            if v.is_empty() {
                return Err(Error::invalid(TENANT_HEADER, "X-Tenant-ID is empty."));
            }
            let key = if uuid::Uuid::parse_str(v).is_ok() {
                Lookup::Id(v.to_string())
            } else {
                Lookup::Slug(v.to_lowercase())
            };
            by_key(state, key).await.map(|t| Some((t, NamedBy::Choice)))
        }
        None => Ok(None),
    }
}

/// Whether `host` is one of the service's own names (the base domain, `www.` of it, the host
/// of `public_url`): those never name a tenant, and no tenant may claim them.
pub fn is_service_host(state: &AppState, host: &str) -> bool {
    let base = state.config.cloud.base_domain.trim().to_lowercase();
    let public = url::Url::parse(&state.config.public_url())
        .ok()
        .and_then(|u| u.host_str().map(str::to_lowercase));
    (!base.is_empty() && (host == base || host == format!("www.{base}")))
        || public.as_deref() == Some(host)
}

enum Lookup {
    Id(String),
    Slug(String),
    Domain(String),
}

async fn find(state: &AppState, key: Lookup) -> Result<Option<Tenant>, Error> {
    state
        .db
        .system(move |c| {
            let q = tenants::table.select(Tenant::as_select()).into_boxed();
            let q = match key {
                Lookup::Id(id) => q.filter(tenants::id.eq(id)),
                Lookup::Slug(s) => q.filter(tenants::slug.eq(s)),
                Lookup::Domain(d) => q.filter(tenants::domain.eq(d)),
            };
            Ok(q.first(c).optional()?)
        })
        .await
}

async fn by_key(state: &AppState, key: Lookup) -> Result<Tenant, Error> {
    match find(state, key).await? {
        Some(t) => active(t),
        None => Err(no_tenant()),
    }
}

fn active(t: Tenant) -> Result<Tenant, Error> {
    if t.is_active { Ok(t) } else { Err(no_tenant()) }
}

fn no_tenant() -> Error {
    Error::NotFound("No such tenant (or it is not active).".into())
}

/// The error for a tenant-scoped route that got no tenant.
pub fn tenant_required() -> Error {
    Error::invalid(
        "tenant",
        "No tenant named: use your tenant's subdomain, its custom domain, an X-Tenant-ID header \
         (id or slug), or an access token or API key (Authorization: Bearer …).",
    )
}

/// The cookie that carries the web app's access token to what `<img>`, `<video>` and
/// `EventSource` fetch: they cannot send an `Authorization` header.
pub const MEDIA_COOKIE: &str = "signate_media";

/// The bearer credential, if the request has one: the `Authorization` header, or, for reads
/// of media and the event stream only, the media cookie (`SameSite=Strict`, so another site
/// cannot make a browser send it; and those routes change nothing).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    if let Some(h) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let (scheme, token) = h.to_str().ok()?.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    let path = req.path();
    let readable = req.method() == actix_web::http::Method::GET
        && (path.starts_with("/media/") || path == "/api/events");
    if readable {
        // Only an access token goes in it (see `media-cookie`); an API key found there was
        // planted by someone else (a sibling subdomain can set cookies) and is ignored.
        return req
            .cookie(MEDIA_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| !t.starts_with(apikeys::PREFIX));
    }
    None
}

/// Authenticates the request's bearer credential and, when `permission` is given, checks it.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    permission: Option<&str>,
) -> Result<Authed, Error> {
    let cloud = state
        .cloud
        .as_ref()
        .ok_or_else(|| Error::NotFound("API v3 is served in cloud mode.".into()))?;
    let named = named(state, req).await?;
    let Some(token) = bearer(req) else {
        return Err(match named {
            None => tenant_required(),
            Some(_) => Error::Unauthorized(
                "Sign in: send Authorization: Bearer <access token or API key>.".into(),
            ),
        });
    };
    let ip = client_ip(req);
    let authed = if token.starts_with(apikeys::PREFIX) {
        by_api_key(state, &token, ip).await?
    } else {
        by_access_token(state, &token, ip).await?
    };
    if let Some((named, NamedBy::Choice)) = &named
        && named.id != authed.tenant.id
    {
        return Err(Error::Forbidden(
            "These credentials belong to another tenant than the one this request names.".into(),
        ));
    }
    if let Some(permission) = permission {
        let allowed = cloud
            .rbac
            .check(
                &authed.principal.subject(),
                authed.scope.id(),
                &authed.grant,
                permission,
            )
            .await?;
        if !allowed {
            return Err(Error::Forbidden(format!(
                "Your role ({}) does not allow {permission}.",
                if authed.grant.role.is_empty() {
                    "none"
                } else {
                    &authed.grant.role
                }
            )));
        }
    }
    Ok(authed)
}

async fn by_api_key(state: &AppState, secret: &str, ip: Option<String>) -> Result<Authed, Error> {
    let invalid = || Error::Unauthorized("The API key is not valid (unknown or revoked).".into());
    let hash = crate::cloud::tokens::hash(secret);
    let secret = secret.to_string();
    let found = state
        .db
        .bound(Binding::lookup(hash), move |c| {
            let Some(key) = apikeys::find(c, &secret)? else {
                return Ok(None);
            };
            let tenant: Tenant = tenants::table
                .find(&key.tenant_id)
                .select(Tenant::as_select())
                .first(c)?;
            Ok(Some((key, tenant)))
        })
        .await?;
    let (key, tenant) = found.ok_or_else(invalid)?;
    let tenant = active(tenant)?;
    let scope = TenantScope::new(tenant.id.clone());
    if apikeys::needs_touch(&key) {
        let touched = key.clone();
        state
            .db
            .write(&scope, move |c| apikeys::touch(c, &touched))
            .await?;
    }
    Ok(Authed {
        scope,
        tenant,
        grant: Grant {
            role: key.role.clone(),
            extra: vec![],
        },
        actor: Actor {
            kind: "api_key",
            id: key.id.clone(),
            label: key.name.clone(),
            ip,
        },
        principal: Principal::ApiKey { id: key.id },
    })
}

async fn by_access_token(
    state: &AppState,
    token: &str,
    ip: Option<String>,
) -> Result<Authed, Error> {
    let cloud = state.cloud.as_ref().expect("checked by the caller");
    let claims = cloud.jwt.verify(token)?;
    let scope = TenantScope::new(claims.tid.clone());
    let (user, sid, s) = (claims.sub.clone(), claims.sid.clone(), scope.clone());
    let row = state
        .db
        .read(&scope, move |c| {
            let tenant: Option<Tenant> = tenants::table
                .find(s.id())
                .select(Tenant::as_select())
                .first(c)
                .optional()?;
            let Some(tenant) = tenant else {
                return Ok(None);
            };
            let open = matches!(accounts::session(c, &s, &sid)?, Some((u, true)) if u == user);
            let member = accounts::membership(c, &s, &user)?;
            let email = accounts::find_user(c, &user)?.map(|u| u.email);
            Ok(Some((tenant, open, member, email)))
        })
        .await?;
    let Some((tenant, open, member, email)) = row else {
        return Err(no_tenant());
    };
    let tenant = active(tenant)?;
    if !open {
        return Err(Error::Unauthorized(
            "This sign-in has ended (signed out or revoked); sign in again.".into(),
        ));
    }
    let member = member
        .ok_or_else(|| Error::Forbidden("You are no longer a member of this tenant.".into()))?;
    Ok(Authed {
        scope,
        tenant,
        grant: member.grant(),
        actor: Actor {
            kind: "user",
            id: claims.sub.clone(),
            label: email.unwrap_or_default(),
            ip,
        },
        principal: Principal::User {
            id: claims.sub,
            session: claims.sid,
        },
    })
}
