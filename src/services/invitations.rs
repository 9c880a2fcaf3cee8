//! Invitations: an admin invites an address with a role; the invitation and its e-mail are
//! made in one transaction and hold a seat (members + pending invitations count against
//! `max_users`) until accepted, cancelled or expired.

use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::json;

use crate::auth::password;
use crate::cloud::mail::{self, Delivery};
use crate::cloud::tokens;
use crate::db::Binding;
use crate::db::models::audit::{self, Actor};
use crate::db::models::invitation::{self, Invitation};
use crate::db::models::user::{self, User};
use crate::db::models::{membership, tenant};
use crate::domain::billing::Limit;
use crate::domain::permission::Permission;
use crate::error::Error;
use crate::jobs;
use crate::services::accounts::{
    check_email, check_password, hash_password, normalise_email, required, required_password,
};
use crate::services::context::{Core, Ctx};
use crate::services::limits;
use crate::services::members::check_role;
use crate::services::principal::{self, Authed};
use crate::services::sessions::{self, Started};
use crate::tenancy::TenantScope;

/// A new invitation, and what became of its e-mail.
#[derive(Debug)]
pub struct Invited {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires_at: NaiveDateTime,
    pub delivery: Delivery,
    /// The link to accept, for the inviter to hand over themselves: only when no e-mail went
    /// out and the inviter may manage users (the link signs its holder up with the role).
    pub link: Option<String>,
}

/// Invites `email` to the tenant as `role`; a new invitation to the same address replaces a
/// pending one. Nobody invites with more than they hold themselves.
pub async fn invite(
    ctx: &Ctx<'_>,
    by: &Authed,
    email: Option<String>,
    role: Option<String>,
) -> Result<Invited, Error> {
    let email = normalise_email(email.as_deref().unwrap_or(""));
    if email.is_empty() {
        return Err(Error::invalid("email", "email is required."));
    }
    check_email(&email)?;
    let role = role.unwrap_or_default();
    check_role(&role)?;
    principal::check_grant(ctx.core, by, &role, &[], None).await?;
    let token = tokens::random("");
    let now = Utc::now().naive_utc();
    let invitation = Invitation {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: ctx.tenant_id().to_string(),
        email: email.clone(),
        role: role.clone(),
        token_hash: tokens::hash(&token),
        invited_by: Some(by.actor.id.clone()),
        expires_at: now + Duration::days(7),
        accepted_at: None,
        created_at: now,
    };
    // Who may only invite gets the link no more than the e-mail would give it them: only
    // someone who manages users anyway is handed what makes a member.
    let may_hold_link = principal::held(ctx.core, by)
        .await?
        .contains(&Permission::UsersManage.as_str());
    let id = invitation.id.clone();
    let expires_at = invitation.expires_at;
    let (cloud, public_url) = (
        super::cloud(ctx.core)?.clone(),
        ctx.core.config.public_url(),
    );
    let (s, who, audit) = (ctx.scope.clone(), by.actor.label.clone(), ctx.audit());
    let binding = Binding::tenant(&s).with_lookup(invitation.email.clone());
    let rules = limits::Rules::of(ctx.core);
    let (delivery, link) = ctx.core
        .db
        .bound(binding, move |c| {
            let tenant = tenant::get(c, &s)?;
            let (e, r, i) = (&invitation.email, &invitation.role, &invitation.id);
            if let Some(existing) = user::find_by_email(c, e)?
                && membership::get(c, &s, &existing.id)?.is_some()
            {
                return Err(Error::Taken { field: "email".into(), message: "This person is already a member.".into() });
            }
            // A new invitation to the same address replaces a pending one.
            invitation::delete_pending_to(c, &s, e)?;
            let pending = invitation::count_pending(c, &s, Utc::now().naive_utc())?;
            let members = membership::count(c, &s)?;
            // Pending invitations count: each may become a member.
            let applied = limits::applied(c, &s, &rules)?;
            limits::ensure(&applied, &rules, Limit::MaxUsers, members + pending + 1, "users (members and pending invitations)")?;
            invitation::insert(c, &invitation)?;
            let link = format!("{public_url}/accept-invite?token={token}");
            let who = if who.is_empty() { "Someone".to_string() } else { who };
            let m = mail::with_link(
                e,
                &format!("You are invited to {} on Signate", tenant.name),
                &[
                    "Hello,".into(),
                    format!("{who} invited you to join {} on Signate as {}.", tenant.name, r.replace('_', " ")),
                ],
                "Accept the invitation",
                &link,
                "The invitation is valid for 7 days. If you did not expect it, ignore this message.",
            );
            let delivery = jobs::mail::deliver(c, &cloud, &s, &m)?;
            audit.record(c, &s, "user.invited", Some(("invitation", i)), json!({ "email": e, "role": r, "email_sent": delivery.sent() }))?;
            Ok((delivery, link))
        })
        .await?;
    if delivery.sent() {
        ctx.core.jobs.wake();
    }
    Ok(Invited {
        id,
        email,
        role,
        expires_at,
        delivery,
        link: (!delivery.sent() && may_hold_link).then_some(link),
    })
}

/// Sends a pending invitation again: a new link (the old one stops working) valid 7 days from
/// now, by e-mail when the server has it.
pub async fn resend(ctx: &Ctx<'_>, by: &Authed, id: &str) -> Result<Invited, Error> {
    let pending = list(ctx).await?;
    let Some(found) = pending.into_iter().find(|i| i.id == id) else {
        return Err(Error::NotFound(
            "No pending invitation with this id.".into(),
        ));
    };
    invite(ctx, by, Some(found.email), Some(found.role)).await
}

/// The tenant's pending, unexpired invitations, newest first.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<Invitation>, Error> {
    ctx.read(invitation::list_pending).await
}

/// Cancels a pending invitation: the link stops working and the seat is freed.
pub async fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let (id, audit) = (id.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        if !invitation::delete_pending(c, s, &id)? {
            return Err(Error::NotFound(
                "No pending invitation with this id.".into(),
            ));
        }
        audit.record(
            c,
            s,
            "user.invitation_cancelled",
            Some(("invitation", &id)),
            json!({}),
        )
    })
    .await
}

/// What accepting an invitation takes.
#[derive(Debug, Default)]
pub struct Acceptance {
    pub token: Option<String>,
    pub password: Option<String>,
    /// A new user's name (else the address's local part).
    pub name: Option<String>,
}

/// Accepts an invitation: a new user sets a password; an existing one proves the account is
/// theirs with its password. Either way they join the tenant with the invited role, and are
/// signed in.
pub async fn accept(core: &Core, form: Acceptance, ip: Option<String>) -> Result<Started, Error> {
    let token = required(&form.token, "token")?.to_string();
    let password = required_password(&form.password)?;
    let hash = tokens::hash(&token);
    let h = hash.clone();
    let invite = core
        .db
        .bound(Binding::lookup(hash), move |c| {
            invitation::find_by_hash(c, &h)
        })
        .await?;
    let Some(invite) = invite else {
        return Err(Error::invalid("token", "This invitation is not valid."));
    };
    if invite.accepted_at.is_some() {
        return Err(Error::invalid(
            "token",
            "This invitation has already been accepted.",
        ));
    }
    if invite.expires_at < Utc::now().naive_utc() {
        return Err(Error::invalid(
            "token",
            "This invitation has expired; ask for a new one.",
        ));
    }
    let email = invite.email.clone();
    let e = email.clone();
    let existing = core
        .db
        .bound(Binding::lookup(email.clone()), move |c| {
            user::find_by_email(c, &e)
        })
        .await?;
    let user = match existing {
        Some(u) => {
            if !password::verify_gated(&password, &u.password_hash).await {
                return Err(Error::Unauthorized(
                    "An account with this address exists; give its password to accept.".into(),
                ));
            }
            u
        }
        None => {
            check_password(&password, &email)?;
            let name = form
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| email.split('@').next().unwrap_or(""))
                .to_string();
            User::new(&email, &name, hash_password(&password).await?)
        }
    };
    let scope = TenantScope::new(invite.tenant_id.clone());
    let binding = Binding::tenant(&scope)
        .with_user(user.id.clone())
        .with_lookup(email);
    let role = invite.role.clone();
    let (s, u, r, invite_id) = (scope.clone(), user.clone(), role.clone(), invite.id);
    let actor = Actor {
        kind: "user",
        id: user.id.clone(),
        label: user.email.clone(),
        ip: ip.clone(),
    };
    let rules = limits::Rules::of(core);
    let tenant = core
        .db
        .bound(binding, move |c| {
            let tenant = tenant::get(c, &s)?;
            if !tenant.is_active {
                return Err(Error::NotFound(
                    "No such tenant (or it is not active).".into(),
                ));
            }
            if membership::get(c, &s, &u.id)?.is_some() {
                return Err(Error::Conflict(
                    "You are already a member of this tenant.".into(),
                ));
            }
            let applied = limits::applied(c, &s, &rules)?;
            limits::ensure(
                &applied,
                &rules,
                Limit::MaxUsers,
                membership::count(c, &s)? + 1,
                "users",
            )?;
            if user::find(c, &u.id)?.is_none() {
                user::insert(c, &u)?;
            }
            membership::add(c, &s, &u.id, &r)?;
            // Following the e-mailed link proves the address.
            user::mark_verified(c, &u.id)?;
            invitation::mark_accepted(c, &s, &invite_id)?;
            audit::insert(
                c,
                &s,
                &actor,
                "user.joined",
                Some(("user", &u.id)),
                json!({ "role": r }),
            )?;
            Ok(tenant)
        })
        .await?;
    sessions::start(core, tenant, user, role, ip).await
}
