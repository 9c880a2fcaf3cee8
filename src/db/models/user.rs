//! Users: people who sign in, across the tenants they belong to. A user's row is visible to
//! their own binding, to a binding with their address as the lookup key, and to the tenants
//! they are a member of.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::users;
use crate::error::Error;

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

impl User {
    /// A new user value with a fresh id (not yet stored).
    pub fn new(email: &str, name: &str, password_hash: String) -> User {
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
}

/// Looks a user up by address (needs a binding with `lookup` = the address).
pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<User>, Error> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// A user by id (visible to their own binding or to a tenant they belong to).
pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<User>, Error> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// A new user row (the binding must name the user's id).
pub fn insert(conn: &mut AnyConnection, user: &User) -> Result<(), Error> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
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
