//! Confirming an e-mail address: the link sent at sign-up (or again on request).

use chrono::Duration;

use crate::cloud::mail::Delivery;
use crate::cloud::tokens;
use crate::db::Binding;
use crate::db::models::user;
use crate::db::models::user_token::Purpose;
use crate::error::Error;
use crate::jobs;
use crate::services::accounts::{new_user_token, required, spend_user_token, verification_mail};
use crate::services::context::Core;
use crate::services::principal::{Authed, Principal};

/// Marks the address of the link's user confirmed.
pub async fn verify(core: &Core, token: Option<String>) -> Result<(), Error> {
    let token = required(&token, "token")?.to_string();
    let t = token.clone();
    let user_id = core
        .db
        .bound(Binding::lookup(tokens::hash(&token)), move |c| {
            spend_user_token(c, &t, Purpose::VerifyEmail)
        })
        .await?;
    let uid = user_id.clone();
    core.db
        .bound(Binding::user(user_id), move |c| {
            user::mark_verified(c, &uid)
        })
        .await
}

/// Queues a new confirmation link to the signed-in user; `None` when the address is already
/// confirmed (nothing is sent), else what became of the e-mail.
pub async fn resend(core: &Core, authed: &Authed) -> Result<Option<Delivery>, Error> {
    let Principal::User { id, .. } = &authed.principal else {
        return Err(Error::invalid(
            "authorization",
            "Sign in as a user to confirm an address.",
        ));
    };
    let (scope, uid) = (authed.scope.clone(), id.clone());
    let (cloud, public_url) = (super::cloud(core)?.clone(), core.config.public_url());
    let binding = Binding::tenant(&scope).with_user(uid.clone());
    let delivery = core
        .db
        .bound(binding, move |c| {
            let user =
                user::find(c, &uid)?.ok_or_else(|| Error::NotFound("No such user.".into()))?;
            if user.email_verified_at.is_some() {
                return Ok(None);
            }
            if cloud.mailer.is_none() {
                return Ok(Some(Delivery::NotConfigured));
            }
            let token = new_user_token(c, &uid, Purpose::VerifyEmail, Duration::days(3))?;
            let delivery = jobs::mail::deliver(
                c,
                &cloud,
                &scope,
                &verification_mail(&public_url, &user, &token),
            )?;
            Ok(Some(delivery))
        })
        .await?;
    if delivery.is_some_and(Delivery::sent) {
        core.jobs.wake();
    }
    Ok(delivery)
}
