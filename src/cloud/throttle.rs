//! Failed sign-ins, counted per account and per address in the database so that every
//! instance behind a load balancer sees the same count. After too many failures in the
//! window the key is locked for a while; a success clears the account's count.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::auth_throttle;
use crate::db::{AnyConnection, Db};
use crate::error::Error;

/// How long failures are counted, and how long a lock lasts.
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
            account: format!("account:{}", crate::cloud::tokens::hash(email)),
            address: ip.map(|ip| format!("address:{ip}")),
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

/// Refuses with 429 while either key is locked.
pub async fn check(db: &Db, keys: &Keys) -> Result<(), Error> {
    let names: Vec<String> = keys.each().into_iter().map(|(k, _)| k).collect();
    let locks: Vec<Option<NaiveDateTime>> = db
        .system(move |c| {
            Ok(auth_throttle::table
                .filter(auth_throttle::key.eq_any(names))
                .select(auth_throttle::locked_until)
                .load(c)?)
        })
        .await?;
    let now = Utc::now().naive_utc();
    if let Some(until) = locks.into_iter().flatten().filter(|u| *u > now).max() {
        let retry_after = (until - now).num_seconds().max(1) as u64;
        return Err(Error::RateLimited {
            message: format!(
                "Too many failed sign-ins; try again in {} minute(s) or reset your password.",
                retry_after.div_ceil(60)
            ),
            retry_after,
        });
    }
    Ok(())
}

/// Counts a failure against both keys.
pub async fn fail(db: &Db, keys: &Keys) -> Result<(), Error> {
    for (key, allowed) in keys.each() {
        let result = db.system(move |c| count_failure(c, &key, allowed)).await;
        if let Err(e) = result {
            // A concurrent first failure on another instance inserted the row: one count lost.
            tracing::debug!(error = %e, "sign-in failure not counted");
        }
    }
    Ok(())
}

fn count_failure(conn: &mut AnyConnection, key: &str, allowed: u32) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    let window = Duration::minutes(WINDOW_MINUTES);
    let row: Option<(i32, NaiveDateTime)> = auth_throttle::table
        .find(key)
        .select((auth_throttle::failures, auth_throttle::window_start))
        .first(conn)
        .optional()?;
    let (failures, start) = match row {
        Some((n, start)) if start + window > now => (n + 1, start),
        _ => (1, now),
    };
    let locked_until = (failures as u32 >= allowed).then_some(now + window);
    if locked_until.is_some() {
        tracing::warn!(key, failures, "sign-ins locked after repeated failures");
    }
    let changed = diesel::update(auth_throttle::table.find(key))
        .set((
            auth_throttle::failures.eq(failures),
            auth_throttle::window_start.eq(start),
            auth_throttle::locked_until.eq(locked_until),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(auth_throttle::table)
            .values((
                auth_throttle::key.eq(key),
                auth_throttle::failures.eq(failures),
                auth_throttle::window_start.eq(start),
                auth_throttle::locked_until.eq(locked_until),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Clears the account's count after a successful sign-in (the address keeps its count, so
/// one good password does not reset an address that is guessing others).
pub async fn succeed(db: &Db, keys: &Keys) -> Result<(), Error> {
    let key = keys.account.clone();
    db.system(move |c| {
        diesel::delete(auth_throttle::table.find(key)).execute(c)?;
        Ok(())
    })
    .await
}
