//! Who a cloud request acts for, in which tenant, and whether it may.
//!
//! The tenant comes from the credential (an access token or API key carries its own) or, for
//! requests without one, from the request: the subdomain of `cloud.base_domain`, a tenant's
//! custom domain, then the `X-Tenant-ID` header (id or slug). A request that names one tenant
//! and carries a credential of another is refused. Reading those from HTTP is the handlers'
//! (`api::principal`); this module looks them up and applies the rules.

use chrono::Utc;

use crate::config::Config;
use crate::db::Binding;
use crate::db::models::audit::Actor;
use crate::db::models::tenant::{self, Tenant};
use crate::db::models::{api_key, membership, session, user};
use crate::domain::permission::{Grant, Permission};
use crate::error::Error;
use crate::services::cloud;
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// The header API clients name their tenant with.
pub const TENANT_HEADER: &str = "X-Tenant-ID";

/// What a request presents: where it was sent, the tenant it names, its credential, and where
/// it comes from.
#[derive(Debug, Clone, Default)]
pub struct Presented {
    /// The host the request was sent to, without the port, in lower case.
    pub host: String,
    /// The `X-Tenant-ID` header as sent (empty when it is not text).
    pub tenant_header: Option<String>,
    /// The bearer credential: an access token or an API key.
    pub bearer: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
}

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

/// How a request named its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    /// `<slug>.<base_domain>` or the `X-Tenant-ID` header: the client chose it.
    Choice,
    /// A tenant's custom domain: a claim by that tenant, never checked against DNS, so it never
    /// overrides (or blocks) a credential of another tenant.
    CustomDomain,
}

/// The tenant a request names (host or header), if any. Unknown or inactive: 404.
pub async fn named_tenant(core: &Core, req: &Presented) -> Result<Option<Tenant>, Error> {
    Ok(named(core, req).await?.map(|(t, _)| t))
}

async fn named(core: &Core, req: &Presented) -> Result<Option<(Tenant, NamedBy)>, Error> {
    let base = core.config.cloud.base_domain.trim().to_lowercase();
    let host = req.host.clone();
    let is_address = host.parse::<std::net::IpAddr>().is_ok()
        || host.starts_with('[')
        || host == "localhost"
        || !host.contains('.');
    if !is_address && !is_service_host(&core.config, &host) {
        if !base.is_empty()
            && let Some(sub) = host.strip_suffix(&format!(".{base}"))
        {
            if sub != "www" && !sub.contains('.') {
                return by_key(core, Lookup::Slug(sub.to_string()))
                    .await
                    .map(|t| Some((t, NamedBy::Choice)));
            }
        } else if let Some(t) = find(core, Lookup::Domain(host)).await? {
            // A custom domain the database does not know is just another name of ours.
            return active(t).map(|t| Some((t, NamedBy::CustomDomain)));
        }
    }
    match &req.tenant_header {
        Some(v) => {
            let v = v.trim();
            if v.is_empty() {
                return Err(Error::invalid(TENANT_HEADER, "X-Tenant-ID is empty."));
            }
            let key = if uuid::Uuid::parse_str(v).is_ok() {
                Lookup::Id(v.to_string())
            } else {
                Lookup::Slug(v.to_lowercase())
            };
            by_key(core, key).await.map(|t| Some((t, NamedBy::Choice)))
        }
        None => Ok(None),
    }
}

/// Whether `host` is one of the service's own names (the base domain, `www.` of it, the host
/// of `public_url`): those never name a tenant, and no tenant may claim them.
pub fn is_service_host(config: &Config, host: &str) -> bool {
    let base = config.cloud.base_domain.trim().to_lowercase();
    let public = url::Url::parse(&config.public_url())
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

async fn find(core: &Core, key: Lookup) -> Result<Option<Tenant>, Error> {
    core.db
        .system(move |c| match key {
            Lookup::Id(id) => tenant::find_by_id(c, &id),
            Lookup::Slug(s) => tenant::find_by_slug(c, &s),
            Lookup::Domain(d) => tenant::find_by_domain(c, &d),
        })
        .await
}

async fn by_key(core: &Core, key: Lookup) -> Result<Tenant, Error> {
    match find(core, key).await? {
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

/// Authenticates the presented bearer credential and, when `permission` is given, checks it.
pub async fn authenticate(
    core: &Core,
    req: &Presented,
    permission: Option<&str>,
) -> Result<Authed, Error> {
    let cloud = core
        .cloud
        .as_ref()
        .ok_or_else(|| Error::NotFound("API v3 is served in cloud mode.".into()))?;
    let named = named(core, req).await?;
    let Some(token) = &req.bearer else {
        return Err(match named {
            None => tenant_required(),
            Some(_) => Error::Unauthorized(
                "Sign in: send Authorization: Bearer <access token or API key>.".into(),
            ),
        });
    };
    let ip = req.ip.clone();
    let authed = if token.starts_with(crate::cloud::tokens::API_KEY_PREFIX) {
        by_api_key(core, token, ip).await?
    } else {
        by_access_token(core, token, ip).await?
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

/// Whether the key's last use is older than a minute (a write per request would cost more
/// than the request).
fn needs_touch(key: &api_key::ApiKey) -> bool {
    let now = Utc::now().naive_utc();
    key.last_used_at
        .is_none_or(|t| now - t >= chrono::Duration::seconds(60))
}

async fn by_api_key(core: &Core, secret: &str, ip: Option<String>) -> Result<Authed, Error> {
    let invalid = || Error::Unauthorized("The API key is not valid (unknown or revoked).".into());
    let hash = crate::cloud::tokens::hash(secret);
    let h = hash.clone();
    let found = core
        .db
        .bound(Binding::lookup(hash), move |c| {
            let Some(key) = api_key::find_live(c, &h)? else {
                return Ok(None);
            };
            let tenant = tenant::get(c, &TenantScope::new(key.tenant_id.clone()))?;
            Ok(Some((key, tenant)))
        })
        .await?;
    let (key, tenant) = found.ok_or_else(invalid)?;
    let tenant = active(tenant)?;
    let scope = TenantScope::new(tenant.id.clone());
    if needs_touch(&key) {
        let (s, id) = (scope.clone(), key.id.clone());
        core.db
            .write(&scope, move |c| api_key::touch(c, &s, &id))
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

async fn by_access_token(core: &Core, token: &str, ip: Option<String>) -> Result<Authed, Error> {
    let claims = cloud(core)?.jwt.verify(token)?;
    let scope = TenantScope::new(claims.tid.clone());
    let (user_id, sid) = (claims.sub.clone(), claims.sid.clone());
    let row = core
        .db
        .read(&scope, {
            let s = scope.clone();
            move |c| {
                let Some(tenant) = tenant::find(c, &s)? else {
                    return Ok(None);
                };
                let open = matches!(session::get(c, &s, &sid)?, Some((u, true)) if u == user_id);
                let member = membership::get(c, &s, &user_id)?;
                let email = user::find(c, &user_id)?.map(|u| u.email);
                Ok(Some((tenant, open, member, email)))
            }
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

/// Every permission the credential holds.
pub async fn held(core: &Core, authed: &Authed) -> Result<Vec<&'static str>, Error> {
    let rbac = &cloud(core)?.rbac;
    let mut out = Vec::new();
    for p in Permission::ALL {
        if rbac
            .check(
                &authed.principal.subject(),
                authed.scope.id(),
                &authed.grant,
                p.as_str(),
            )
            .await?
        {
            out.push(p.as_str());
        }
    }
    Ok(out)
}

/// Refuses a grant beyond the actor's own (see `rbac::may_grant`).
pub async fn check_grant(
    core: &Core,
    authed: &Authed,
    role: &str,
    extra: &[String],
    target_role: Option<&str>,
) -> Result<(), Error> {
    let held = held(core, authed).await?;
    crate::cloud::rbac::may_grant(&authed.grant.role, &held, role, extra, target_role)
        .map_err(Error::Forbidden)
}
