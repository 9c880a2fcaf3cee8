//! Users, their memberships in tenants, sign-in sessions and their refresh tokens, and the
//! one-time tokens sent by e-mail. Plain functions on a connection: the caller opens the
//! transaction with the [`Binding`](crate::db::Binding) that lets it see the rows it needs.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::cloud::rbac::Grant;
use crate::cloud::tokens;
use crate::db::AnyConnection;
use crate::db::schema::{auth_sessions, memberships, refresh_tokens, tenants, user_tokens, users};
use crate::error::Error;
use crate::tenancy::{Tenant, TenantScope};

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What clients see of a user.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> UserView {
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            email_verified: u.email_verified_at.is_some(),
        }
    }
}

/// A row of `memberships`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub tenant_id: String,
    pub user_id: String,
    pub role: String,
    pub permissions: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Membership {
    /// The role and extra permissions, for the enforcer.
    pub fn grant(&self) -> Grant {
        Grant {
            role: self.role.clone(),
            extra: serde_json::from_str(&self.permissions).unwrap_or_default(),
        }
    }
}

/// E-mail addresses are compared and stored in lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one `@`, something before it, a dot in the domain, no spaces.
pub fn check_email(email: &str) -> Result<(), Error> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("email", "Enter a valid e-mail address."))
    }
}

/// Looks a user up by address (needs a binding with `lookup` = the address).
pub fn find_user_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<User>, Error> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// A user by id (visible to their own binding or to a tenant they belong to).
pub fn find_user(conn: &mut AnyConnection, id: &str) -> Result<Option<User>, Error> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// A new user row (the binding must name the user's id).
pub fn insert_user(conn: &mut AnyConnection, user: &User) -> Result<(), Error> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

/// A new user value with a fresh id.
pub fn new_user(email: &str, name: &str, password_hash: String) -> User {
    let now = Utc::now().naive_utc();
    User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_string(),
        name: name.to_string(),
        password_hash,
        email_verified_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// Adds a member to the bound tenant.
pub fn add_member(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
    role: &str,
) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(memberships::table)
        .values(Membership {
            tenant_id: scope.id().to_string(),
            user_id: user_id.to_string(),
            role: role.to_string(),
            permissions: "[]".into(),
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// The user's membership in the bound tenant.
pub fn membership(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
) -> Result<Option<Membership>, Error> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(scope.id()))
        .filter(memberships::user_id.eq(user_id))
        .select(Membership::as_select())
        .first(conn)
        .optional()?)
}

/// Every active tenant the user belongs to, oldest membership first (needs the user binding).
pub fn tenants_of(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<Tenant>, Error> {
    Ok(memberships::table
        .inner_join(tenants::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(tenants::is_active.eq(true))
        .order((memberships::created_at.asc(), tenants::slug.asc()))
        .select(Tenant::as_select())
        .load(conn)?)
}

/// Members of the bound tenant with their user rows, oldest first.
pub fn members(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Vec<(Membership, User)>, Error> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(scope.id()))
        .order(memberships::created_at.asc())
        .select((Membership::as_select(), User::as_select()))
        .load(conn)?)
}

/// How many members the tenant has.
pub fn member_count(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i64, Error> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(scope.id()))
        .count()
        .get_result(conn)?)
}

/// How many admins the tenant has.
pub fn admin_count(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i64, Error> {
    Ok(memberships::table
        .filter(memberships::tenant_id.eq(scope.id()))
        .filter(memberships::role.eq("tenant_admin"))
        .count()
        .get_result(conn)?)
}

/// Tokens handed out at sign-in and refresh.
#[derive(Debug, Serialize)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// Opens a sign-in session and its first refresh token (binding: the tenant).
pub fn open_session(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
    ip: Option<&str>,
    refresh_lifetime: i64,
) -> Result<(String, String), Error> {
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(auth_sessions::table)
        .values((
            auth_sessions::id.eq(&id),
            auth_sessions::tenant_id.eq(scope.id()),
            auth_sessions::user_id.eq(user_id),
            auth_sessions::ip.eq(ip),
            auth_sessions::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    let refresh = new_refresh_token(conn, scope, &id, refresh_lifetime)?;
    Ok((id, refresh))
}

/// A new refresh token in a session.
pub fn new_refresh_token(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    session_id: &str,
    lifetime: i64,
) -> Result<String, Error> {
    let token = tokens::random("sgr_");
    let now = Utc::now().naive_utc();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(tokens::hash(&token)),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::tenant_id.eq(scope.id()),
            refresh_tokens::expires_at.eq(now + Duration::seconds(lifetime)),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// A refresh token row, found by its hash (binding: lookup = the hash).
#[derive(Debug, Queryable)]
pub struct RefreshRow {
    pub token_hash: String,
    pub session_id: String,
    pub tenant_id: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Finds a refresh token by hash.
pub fn find_refresh(conn: &mut AnyConnection, hash: &str) -> Result<Option<RefreshRow>, Error> {
    Ok(refresh_tokens::table
        .find(hash)
        .first::<RefreshRow>(conn)
        .optional()?)
}

/// Marks a refresh token spent; false when it already was (a concurrent or replayed use).
pub fn spend_refresh(conn: &mut AnyConnection, hash: &str) -> Result<bool, Error> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Spends every unspent refresh token of a session: after a repeated refresh within the grace
/// period only the newest pair lives on, so a copy of the token cannot fork the sign-in (the
/// other successor, presented later, is a reuse and ends the session).
pub fn spend_session_tokens(conn: &mut AnyConnection, session_id: &str) -> Result<(), Error> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::session_id.eq(session_id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// Whether a spent refresh token was spent less than `seconds` ago.
pub fn spent_within(conn: &mut AnyConnection, hash: &str, seconds: i64) -> Result<bool, Error> {
    if seconds <= 0 {
        return Ok(false);
    }
    let used: Option<Option<NaiveDateTime>> = refresh_tokens::table
        .find(hash)
        .select(refresh_tokens::used_at)
        .first(conn)
        .optional()?;
    Ok(used
        .flatten()
        .is_some_and(|t| Utc::now().naive_utc() - t <= Duration::seconds(seconds)))
}

/// A session's user and whether it is still open (binding: the tenant).
pub fn session(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<(String, bool)>, Error> {
    let row: Option<(String, Option<NaiveDateTime>)> = auth_sessions::table
        .filter(auth_sessions::id.eq(id))
        .filter(auth_sessions::tenant_id.eq(scope.id()))
        .select((auth_sessions::user_id, auth_sessions::revoked_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(user, revoked)| (user, revoked.is_none())))
}

/// Ends a session: its access tokens stop working at once, its refresh tokens too.
pub fn revoke_session(conn: &mut AnyConnection, id: &str) -> Result<(), Error> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::id.eq(id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user in the bound tenant (removed member).
pub fn revoke_member_sessions(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    user_id: &str,
) -> Result<(), Error> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::tenant_id.eq(scope.id()))
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user in every tenant (binding: the user), after a password reset.
pub fn revoke_user_sessions(conn: &mut AnyConnection, user_id: &str) -> Result<(), Error> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// What a one-time e-mail token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ResetPassword,
    VerifyEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::ResetPassword => "reset_password",
            Purpose::VerifyEmail => "verify_email",
        }
    }
}

/// A one-time token for the user (binding: the user); returns the token to send.
pub fn new_user_token(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: Purpose,
    lifetime: Duration,
) -> Result<String, Error> {
    let token = tokens::random("");
    let now = Utc::now().naive_utc();
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::token_hash.eq(tokens::hash(&token)),
            user_tokens::user_id.eq(user_id),
            user_tokens::purpose.eq(purpose.as_str()),
            user_tokens::expires_at.eq(now + lifetime),
            user_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Spends a one-time token (binding: lookup = its hash); the user it was for. Inside a
/// transaction that fails later, the token stays unspent.
pub fn spend_user_token(
    conn: &mut AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<String, Error> {
    let user_id = check_user_token(conn, token, purpose)?;
    let spent = diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(tokens::hash(token)))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    if spent != 1 {
        // Another request spent it between the check and now.
        return Err(Error::invalid("token", "This link has already been used."));
    }
    Ok(user_id)
}

/// The user a valid, unspent, unexpired token is for (binding: lookup = its hash).
pub fn check_user_token(
    conn: &mut AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<String, Error> {
    let hash = tokens::hash(token);
    let row: Option<(String, NaiveDateTime, Option<NaiveDateTime>)> = user_tokens::table
        .filter(user_tokens::token_hash.eq(&hash))
        .filter(user_tokens::purpose.eq(purpose.as_str()))
        .select((
            user_tokens::user_id,
            user_tokens::expires_at,
            user_tokens::used_at,
        ))
        .first(conn)
        .optional()?;
    let what = match purpose {
        Purpose::ResetPassword => "password reset link",
        Purpose::VerifyEmail => "verification link",
    };
    let Some((user_id, expires_at, used_at)) = row else {
        return Err(Error::invalid(
            "token",
            format!("This {what} is not valid."),
        ));
    };
    if used_at.is_some() {
        return Err(Error::invalid(
            "token",
            format!("This {what} has already been used."),
        ));
    }
    if expires_at < Utc::now().naive_utc() {
        return Err(Error::invalid(
            "token",
            format!("This {what} has expired; ask for a new one."),
        ));
    }
    Ok(user_id)
}

/// Sets a user's password hash (binding: the user).
pub fn set_password(conn: &mut AnyConnection, user_id: &str, hash: &str) -> Result<(), Error> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a user's address verified (binding: the user).
pub fn mark_verified(conn: &mut AnyConnection, user_id: &str) -> Result<(), Error> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(())
}
