//! Sign-in attempts, counted per account and per client address in the database so that every
//! instance behind a load balancer enforces the same limit. An attempt is counted *before* the
//! password is checked, in one atomic upsert, so concurrent guesses cannot slip past the limit;
//! a success gives the attempt back. Past the limit a key is locked for the rest of the window.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

use crate::db::schema::auth_throttle;
use crate::db::{AnyConnection, Db};
use crate::error::Error;

/// How long attempts are counted, and how long a lock lasts.
const WINDOW_MINUTES: i64 = 15;

/// The keys of one sign-in attempt: the account and the client address.
pub struct Keys {
    account: String,
    address: Option<String>,
    allowed: u32,
}

impl Keys {
    /// Keys for `email` from `ip`, allowing `allowed` failures per account (4× per address,
    /// where several people may share one office address).
    pub fn new(email: &str, ip: Option<&str>, allowed: u32) -> Keys {
        Keys {
            account: account_key(email),
            address: ip.map(|ip| format!("address:{ip}")),
            allowed,
        }
    }

    /// A limit on something other than sign-ins (sign-ups, reset e-mails) per address.
    pub fn per_address(what: &str, ip: Option<&str>, allowed: u32) -> Keys {
        Keys {
            account: format!("{what}:{}", ip.unwrap_or("unknown")),
            address: None,
            allowed,
        }
    }

    fn each(&self) -> Vec<(String, u32)> {
        let mut keys = vec![(self.account.clone(), self.allowed)];
        if let Some(a) = &self.address {
            keys.push((a.clone(), self.allowed.saturating_mul(4)));
        }
        keys
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", crate::cloud::tokens::hash(email))
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    failures: i32,
    #[diesel(sql_type = Nullable<Timestamp>)]
    locked_until: Option<NaiveDateTime>,
}

/// Counts an attempt against every key; refuses with 429 when a key is (or now becomes)
/// locked.
pub async fn attempt(db: &Db, keys: &Keys) -> Result<(), Error> {
    for (key, allowed) in keys.each() {
        let now = Utc::now().naive_utc();
        let counted = db
            .system(move |c| {
                let AnyConnection::Postgresql(pg) = c else {
                    return Ok(None);
                };
                let row: Counted = diesel::sql_query(
                    "INSERT INTO auth_throttle (key, failures, window_start, locked_until) \
                     VALUES ($1, 1, $2, NULL) \
                     ON CONFLICT (key) DO UPDATE SET \
                       failures = CASE WHEN auth_throttle.window_start > $2 - interval '15 minutes' \
                                       THEN auth_throttle.failures + 1 ELSE 1 END, \
                       window_start = CASE WHEN auth_throttle.window_start > $2 - interval '15 minutes' \
                                           THEN auth_throttle.window_start ELSE $2 END \
                     RETURNING failures, locked_until",
                )
                .bind::<Text, _>(&key)
                .bind::<Timestamp, _>(now)
                .get_result(pg)?;
                let mut locked = row.locked_until.filter(|u| *u > now);
                if locked.is_none() && row.failures as u32 > allowed {
                    let until = now + Duration::minutes(WINDOW_MINUTES);
                    diesel::update(auth_throttle::table.find(&key))
                        .set(auth_throttle::locked_until.eq(Some(until)))
                        .execute(pg)?;
                    tracing::warn!(key, failures = row.failures, "sign-ins locked after repeated failures");
                    locked = Some(until);
                }
                Ok(locked)
            })
            .await?;
        if let Some(until) = counted {
            let retry_after = (until - now).num_seconds().max(1) as u64;
            return Err(Error::RateLimited {
                message: format!(
                    "Too many attempts; try again in {} minute(s) or reset your password.",
                    retry_after.div_ceil(60)
                ),
                retry_after,
            });
        }
    }
    Ok(())
}

/// A successful sign-in: the account's count is cleared and the address gets its attempt back
/// (one good password does not reset an address that is guessing others).
pub async fn succeed(db: &Db, keys: &Keys) -> Result<(), Error> {
    let (account, address) = (keys.account.clone(), keys.address.clone());
    db.system(move |c| {
        diesel::delete(auth_throttle::table.find(account)).execute(c)?;
        if let Some(a) = address {
            diesel::update(
                auth_throttle::table
                    .find(a)
                    .filter(auth_throttle::failures.gt(0)),
            )
            .set(auth_throttle::failures.eq(auth_throttle::failures - 1))
            .execute(c)?;
        }
        Ok(())
    })
    .await
}

/// Lifts an account's lock (its owner proved the address by resetting the password).
pub async fn clear_account(db: &Db, email: &str) -> Result<(), Error> {
    let key = account_key(email);
    db.system(move |c| {
        diesel::delete(auth_throttle::table.find(key)).execute(c)?;
        Ok(())
    })
    .await
}
