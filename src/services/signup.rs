//! Sign-up: a new tenant and its first admin, in one transaction, then signed in.

use chrono::Duration;
use serde_json::json;

use crate::cloud::mail::Delivery;
use crate::cloud::throttle;
use crate::db::Binding;
use crate::db::models::audit::{self, Actor};
use crate::db::models::membership;
use crate::db::models::tenant::{self, Tenant};
use crate::db::models::user::{self, User};
use crate::db::models::user_token::Purpose;
use crate::error::Error;
use crate::jobs;
use crate::services::accounts::{
    check_email, check_password, hash_password, new_user_token, normalise_email, required,
    required_password, verification_mail,
};
use crate::services::context::Core;
use crate::services::sessions::{self, Started};

/// Slugs that name parts of the service rather than tenants.
const RESERVED_SLUGS: &[&str] = &[
    "www", "api", "admin", "app", "mail", "static", "default", "share", "player",
];

/// 3–40 of a-z, 0-9 and inner hyphens, and not a name the service uses itself.
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
            "The short name must be 3 to 40 lowercase letters, digits or hyphens, not starting or ending with a hyphen.",
        ));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(Error::invalid(
            "tenant_slug",
            format!("The short name {slug:?} is reserved; choose another."),
        ));
    }
    Ok(())
}

/// What a sign-up form holds.
#[derive(Debug, Default)]
pub struct Form {
    pub email: Option<String>,
    pub password: Option<String>,
    pub name: Option<String>,
    pub tenant_name: Option<String>,
    pub tenant_slug: Option<String>,
}

/// Creates the tenant, its first admin (who must confirm the address: the e-mail is queued in
/// the same transaction, when the server can send e-mail) and signs them in; says what became
/// of the e-mail. Sign-ups are limited per client address.
pub async fn signup(
    core: &Core,
    form: Form,
    ip: Option<String>,
) -> Result<(Started, Delivery), Error> {
    let email = normalise_email(required(&form.email, "email")?);
    check_email(&email)?;
    let password = required_password(&form.password)?;
    check_password(&password, &email)?;
    let name = required(&form.name, "name")?.to_string();
    let tenant_name = required(&form.tenant_name, "tenant_name")?.to_string();
    let slug = required(&form.tenant_slug, "tenant_slug")?.to_lowercase();
    check_slug(&slug)?;
    if name.chars().count() > 100 || tenant_name.chars().count() > 100 {
        return Err(Error::invalid("name", "Names are at most 100 characters."));
    }
    throttle::per_address(&core.db, "signup", ip.as_deref(), 10).await?;
    let hash = hash_password(&password).await?;
    let user = User::new(&email, &name, hash);
    let mut tenant = Tenant::new(&slug, &tenant_name);
    // With plans configured a new tenant starts on the free plan; its row records that plan's
    // limits (the limits applied are always the plan's: services::limits).
    if let Some(free) = core.catalogue.as_deref().and_then(|c| c.free()) {
        tenant.put_plan(&free.name, &free.limits, &free.features);
    }
    let scope = tenant.scope();
    let binding = Binding::tenant(&scope)
        .with_user(user.id.clone())
        .with_lookup(email.clone());
    let actor = Actor {
        kind: "user",
        id: user.id.clone(),
        label: email.clone(),
        ip: ip.clone(),
    };
    let (cloud, public_url) = (super::cloud(core)?.clone(), core.config.public_url());
    let (t, u) = (tenant.clone(), user.clone());
    let delivery = core
        .db
        .bound(binding, move |c| {
            if user::find_by_email(c, &u.email)?.is_some() {
                return Err(Error::Taken {
                    field: "email".into(),
                    message: "An account with this e-mail address exists; sign in instead.".into(),
                });
            }
            if tenant::slug_taken(c, &t.slug)? {
                return Err(Error::Taken {
                    field: "tenant_slug".into(),
                    message: format!("The short name {:?} is taken; choose another.", t.slug),
                });
            }
            tenant::insert(c, &t)?;
            user::insert(c, &u)?;
            let s = t.scope();
            membership::add(c, &s, &u.id, "tenant_admin")?;
            let delivery = if cloud.mailer.is_some() {
                let token = new_user_token(c, &u.id, Purpose::VerifyEmail, Duration::days(3))?;
                jobs::mail::deliver(c, &cloud, &s, &verification_mail(&public_url, &u, &token))?
            } else {
                Delivery::NotConfigured
            };
            audit::insert(
                c,
                &s,
                &actor,
                "tenant.created",
                Some(("tenant", &t.id)),
                json!({ "slug": t.slug }),
            )?;
            Ok(delivery)
        })
        .await?;
    if delivery.sent() {
        core.jobs.wake();
    }
    tracing::info!(tenant = %tenant.slug, "new tenant signed up");
    let started = sessions::start(core, tenant, user, "tenant_admin".into(), ip).await?;
    Ok((started, delivery))
}
