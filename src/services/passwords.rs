//! Forgotten passwords: a one-time link by e-mail, then a new password that ends every
//! session of the account.

use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::json;

use crate::auth::password;
use crate::cloud::mail::{self, Delivery};
use crate::cloud::{throttle, tokens};
use crate::db::Binding;
use crate::db::models::user_token::Purpose;
use crate::db::models::{membership, session, user};
use crate::error::Error;
use crate::jobs;
use crate::services::accounts::{
    check_email, check_password_length, check_user_token, hash_password, new_user_token,
    normalise_email, required, required_password, spend_user_token,
};
use crate::services::context::{Core, Ctx};
use crate::services::principal::{self, Authed};

/// Queues a reset link to the address when an account has it. What it answers depends only on
/// whether this server can send e-mail, never on the account, so the answer does not tell
/// which addresses have accounts. Limited per client address.
pub async fn forgot(
    core: &Core,
    email: Option<String>,
    ip: Option<String>,
) -> Result<Delivery, Error> {
    let email = normalise_email(required(&email, "email")?);
    check_email(&email)?;
    throttle::per_address(&core.db, "reset", ip.as_deref(), 10).await?;
    let cloud = super::cloud(core)?.clone();
    if cloud.mailer.is_none() {
        // No link is made that nobody would receive: an admin hands one over instead.
        return Ok(Delivery::NotConfigured);
    }
    let e = email.clone();
    let user = core
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            user::find_by_email(c, &e)
        })
        .await?;
    let Some(user) = user else {
        return Ok(Delivery::Queued);
    };
    let uid = user.id.clone();
    let tenants = core
        .db
        .bound(Binding::user(uid.clone()), move |c| {
            membership::tenants_of(c, &uid)
        })
        .await?;
    // Queued jobs belong to a tenant; any of the user's will do.
    let Some(t) = tenants.first() else {
        return Ok(Delivery::Queued);
    };
    let scope = t.scope();
    let binding = Binding::tenant(&scope).with_user(user.id.clone());
    let public_url = core.config.public_url();
    core.db
        .bound(binding, move |c| {
            let token = new_user_token(c, &user.id, Purpose::ResetPassword, Duration::hours(1))?;
            let link = format!("{public_url}/reset-password?token={token}");
            let m = mail::with_link(
                &user.email,
                "Reset your Signate password",
                &[format!("Hello {},", user.name), "Someone (hopefully you) asked to reset the password of this account.".into()],
                "Choose a new password",
                &link,
                "The link is valid for 1 hour and works once. If you did not ask for it, ignore this message: your password stays as it is.",
            );
            jobs::mail::queue(c, &cloud.secrets, &scope, &m)
        })
        .await?;
    core.jobs.wake();
    Ok(Delivery::Queued)
}

/// How long a reset link an admin hands over works: long enough to reach its holder by other
/// means than e-mail.
const HANDED_OVER: Duration = Duration::hours(24);

/// A reset link an admin hands over.
#[derive(Debug)]
pub struct ResetLink {
    pub link: String,
    pub expires_at: NaiveDateTime,
}

/// A one-time reset link for a member of the tenant, for an admin to hand over (when the
/// server cannot e-mail, or the member's mailbox is lost). Nobody gets one for someone holding
/// more than they hold, nor for an account that also belongs to another tenant: the link
/// would open that tenant too, which this tenant's admin has no say over.
pub async fn reset_link(ctx: &Ctx<'_>, by: &Authed, user_id: &str) -> Result<ResetLink, Error> {
    let not_member = || Error::NotFound("No member with this id in this tenant.".into());
    let u = user_id.to_string();
    let member = ctx
        .read(move |c, s| membership::get(c, s, &u))
        .await?
        .ok_or_else(not_member)?;
    principal::check_grant(
        ctx.core,
        by,
        &member.role,
        &member.grant().extra,
        Some(&member.role),
    )
    .await?;
    let (scope, uid, audit) = (ctx.scope.clone(), user_id.to_string(), ctx.audit());
    let public_url = ctx.core.config.public_url();
    let binding = Binding::tenant(&scope).with_user(uid.clone());
    let token = ctx
        .core
        .db
        .bound(binding, move |c| {
            membership::get(c, &scope, &uid)?.ok_or_else(not_member)?;
            // Every membership counts, a suspended tenant's too: the link would open it the day
            // it is active again.
            if membership::count_tenants_of(c, &uid)? > 1 {
                return Err(Error::Forbidden(
                    "This person also belongs to another organisation, so only they can reset \
                     their password (with \"Forgot password\")."
                        .into(),
                ));
            }
            let token = new_user_token(c, &uid, Purpose::ResetPassword, HANDED_OVER)?;
            audit.record(
                c,
                &scope,
                "user.reset_link_created",
                Some(("user", &uid)),
                json!({}),
            )?;
            Ok(token)
        })
        .await?;
    Ok(ResetLink {
        link: format!("{public_url}/reset-password?token={token}"),
        expires_at: Utc::now().naive_utc() + HANDED_OVER,
    })
}

/// Sets the password a reset link was for and ends every session of the user.
pub async fn reset(
    core: &Core,
    token: Option<String>,
    new_password: Option<String>,
) -> Result<(), Error> {
    let token = required(&token, "token")?.to_string();
    let new_password = required_password(&new_password)?;
    check_password_length(&new_password)?;
    let (t, lookup) = (token.clone(), tokens::hash(&token));
    let user_id = core
        .db
        .bound(Binding::lookup(lookup.clone()), move |c| {
            check_user_token(c, &t, Purpose::ResetPassword)
        })
        .await?;
    let hash = hash_password(&new_password).await?;
    let uid = user_id.clone();
    // One transaction: a refused password leaves the link unspent.
    let email = core
        .db
        .bound(Binding::user(user_id).with_lookup(lookup), move |c| {
            let user = user::find(c, &uid)?
                .ok_or_else(|| Error::NotFound("The account no longer exists.".into()))?;
            if let Err(m) =
                password::check_strength(&new_password, user.email.split('@').next().unwrap_or(""))
            {
                return Err(Error::invalid("password", m));
            }
            spend_user_token(c, &token, Purpose::ResetPassword)?;
            user::set_password(c, &uid, &hash)?;
            // Whoever reset it got the e-mail, so the address is theirs.
            user::mark_verified(c, &uid)?;
            session::revoke_user(c, &uid)?;
            Ok(user.email)
        })
        .await?;
    // Whoever reset the password proved the address: lift the account's sign-in limits.
    throttle::lift(&core.db, &email).await
}
