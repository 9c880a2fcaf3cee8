//! One-time tokens sent by e-mail (password reset, address verification), stored as hashes.
//! They belong to a user, not a tenant: the binding names the user when one is made and the
//! hash when one is presented.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::user_tokens;
use crate::error::Error;

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

/// What is stored about a token: its user, expiry and when it was spent.
#[derive(Debug, Clone, Queryable)]
pub struct UserToken {
    pub user_id: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Stores a token (its hash) for the user, valid for `lifetime` (binding: the user).
pub fn insert(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: Purpose,
    token_hash: &str,
    lifetime: Duration,
) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::token_hash.eq(token_hash),
            user_tokens::user_id.eq(user_id),
            user_tokens::purpose.eq(purpose.as_str()),
            user_tokens::expires_at.eq(now + lifetime),
            user_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The token with this hash and purpose (binding: lookup = the hash).
pub fn find(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: Purpose,
) -> Result<Option<UserToken>, Error> {
    Ok(user_tokens::table
        .filter(user_tokens::token_hash.eq(token_hash))
        .filter(user_tokens::purpose.eq(purpose.as_str()))
        .select((
            user_tokens::user_id,
            user_tokens::expires_at,
            user_tokens::used_at,
        ))
        .first(conn)
        .optional()?)
}

/// Marks the token spent; false when another request spent it first.
pub fn spend(conn: &mut AnyConnection, token_hash: &str) -> Result<bool, Error> {
    let n = diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(token_hash))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}
