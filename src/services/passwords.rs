//! Forgotten passwords: a one-time link by e-mail, then a new password that ends every
//! session of the account.

use chrono::Duration;

use crate::auth::password;
use crate::cloud::{mail, throttle, tokens};
use crate::db::Binding;
use crate::db::models::user_token::Purpose;
use crate::db::models::{membership, session, user};
use crate::error::Error;
use crate::jobs;
use crate::services::accounts::{
    check_email, check_password_length, check_user_token, hash_password, new_user_token,
    normalise_email, required, required_password, spend_user_token,
};
use crate::services::context::Core;

/// Queues a reset link to the address when an account has it. The caller answers the same
/// either way, so the answer does not tell which addresses have accounts. Limited per client
/// address.
pub async fn forgot(core: &Core, email: Option<String>, ip: Option<String>) -> Result<(), Error> {
    let email = normalise_email(required(&email, "email")?);
    check_email(&email)?;
    throttle::per_address(&core.db, "reset", ip.as_deref(), 10).await?;
    let e = email.clone();
    let user = core
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            user::find_by_email(c, &e)
        })
        .await?;
    let Some(user) = user else {
        return Ok(());
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
        return Ok(());
    };
    let scope = t.scope();
    let binding = Binding::tenant(&scope).with_user(user.id.clone());
    let (cloud, public_url) = (super::cloud(core)?.clone(), core.config.public_url());
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
    Ok(())
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
