//! Sign-in attempts in cloud mode, counted in the database so that every instance behind a
//! load balancer enforces the same limits, in windows of 15 minutes:
//!
//! - per (account, address) pair, `cloud.login_failures_allowed`: past it, that pair alone
//!   waits for its window to end (429 with `Retry-After`);
//! - per address over all accounts, `cloud.login_failures_per_address`: past it, that address
//!   waits;
//! - per account over all addresses, `cloud.login_failures_per_account`: past it, sign-ins from
//!   addresses the account has not signed in from are slowed down (a second per failure past
//!   the limit, at most [`MAX_SLOWDOWN_SECONDS`]), never refused. Someone who knows an e-mail
//!   address can therefore not lock its owner out; from where the owner signed in before, there
//!   is no wait at all.
//!
//! An attempt is counted *before* the password is checked, in one transaction that takes the
//! rows in a fixed order (pair, address, account), so concurrent guesses cannot slip past a
//! limit. A refused attempt is rolled back (it checked nothing); a success gives its attempt
//! back. A password reset lifts the account's pair limits and its count. IPv6 addresses count
//! per /64 ([`Client::network`]).

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::auth::throttle::Client;
use crate::config::CloudConfig;
use crate::db::{AnyConnection, Db};
use crate::error::Error;

/// How long attempts are counted.
const WINDOW_MINUTES: i64 = 15;
/// The longest a sign-in is slowed down.
pub const MAX_SLOWDOWN_SECONDS: i64 = 30;
/// How long an address the account signed in from spares it the slowdown.
const SIGNED_IN_DAYS: i64 = 30;

/// The keys and limits of one sign-in attempt.
pub struct SignIn {
    pair: String,
    address: String,
    account: String,
    signed_in: String,
    pair_allowed: u32,
    address_allowed: u32,
    account_allowed: u32,
}

impl SignIn {
    /// The keys of a sign-in as `email` from `ip`, with the limits of `config`.
    pub fn new(email: &str, ip: Option<&str>, config: &CloudConfig) -> SignIn {
        let account = account_hash(email);
        let client = Client::network(ip);
        SignIn {
            pair: format!("pair:{account}:{client}"),
            address: format!("address:{client}"),
            account: format!("account:{account}"),
            signed_in: format!("signed-in:{account}:{client}"),
            pair_allowed: config.login_failures_allowed,
            address_allowed: config.login_failures_per_address,
            account_allowed: config.login_failures_per_account,
        }
    }
}

fn account_hash(email: &str) -> String {
    crate::cloud::tokens::hash(email)
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    failures: i32,
    #[diesel(sql_type = Timestamp)]
    window_start: NaiveDateTime,
}

/// The PostgreSQL connection (cloud mode runs on nothing else).
fn pg(conn: &mut AnyConnection) -> Result<&mut diesel::PgConnection, Error> {
    match conn {
        AnyConnection::Postgresql(pg) => Ok(pg),
        _ => Err(Error::Internal(
            "sign-in throttling needs PostgreSQL (cloud mode)".into(),
        )),
    }
}

/// Adds an attempt to `key`'s window (a new window when the last one ended) and returns the
/// count with the window's start. The row stays locked until the transaction ends.
fn count(conn: &mut AnyConnection, key: &str, now: NaiveDateTime) -> Result<Counted, Error> {
    Ok(diesel::sql_query(
        "INSERT INTO auth_throttle (key, failures, window_start, locked_until) \
         VALUES ($1, 1, $2, NULL) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN auth_throttle.window_start > $3 \
                           THEN auth_throttle.failures + 1 ELSE 1 END, \
           window_start = CASE WHEN auth_throttle.window_start > $3 \
                               THEN auth_throttle.window_start ELSE $2 END \
         RETURNING failures, window_start",
    )
    .bind::<Text, _>(key)
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(now - Duration::minutes(WINDOW_MINUTES))
    .get_result(pg(conn)?)?)
}

/// 429 until `window_start`'s window ends; `advice` follows the wait.
fn refused(window_start: NaiveDateTime, now: NaiveDateTime, what: &str, advice: &str) -> Error {
    refused_from(window_start, now, what, "your address", advice)
}

/// [`refused`] for a limit kept per something other than the client's address (`from` names
/// it, e.g. "this organisation").
fn refused_from(
    window_start: NaiveDateTime,
    now: NaiveDateTime,
    what: &str,
    from: &str,
    advice: &str,
) -> Error {
    let retry_after = (window_start + Duration::minutes(WINDOW_MINUTES) - now)
        .num_seconds()
        .max(1) as u64;
    Error::RateLimited {
        message: format!(
            "Too many {what} from {from}; try again in {} minute(s){advice}.",
            retry_after.div_ceil(60)
        ),
        retry_after,
    }
}

/// Counts a sign-in attempt against its pair, address and account; refuses with 429 when the
/// pair or the address is past its limit, and waits first when the account is past its own
/// and the address is not one it signed in from.
pub async fn attempt(db: &Db, keys: &SignIn) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    let (pair, address, account, signed_in) = (
        keys.pair.clone(),
        keys.address.clone(),
        keys.account.clone(),
        keys.signed_in.clone(),
    );
    let limits = (
        keys.pair_allowed,
        keys.address_allowed,
        keys.account_allowed,
    );
    // An error rolls the transaction back: a refused attempt is not counted.
    let slowdown = db
        .system(move |c| {
            let (pair_allowed, address_allowed, account_allowed) = limits;
            let p = count(c, &pair, now)?;
            if p.failures as u32 > pair_allowed {
                let advice = " or reset your password";
                return Err(refused(
                    p.window_start,
                    now,
                    "failed sign-ins to this account",
                    advice,
                ));
            }
            let a = count(c, &address, now)?;
            if a.failures as u32 > address_allowed {
                return Err(refused(a.window_start, now, "failed sign-ins", ""));
            }
            let n = count(c, &account, now)?;
            let past = i64::from(n.failures) - i64::from(account_allowed);
            if past <= 0 || signed_in_from(c, &signed_in, now)? {
                return Ok(0);
            }
            Ok(past.min(MAX_SLOWDOWN_SECONDS))
        })
        .await?;
    if slowdown == 1 {
        // Once per window and account: a flood must not flood the log too.
        tracing::warn!(
            account = keys.account,
            "an account is past its failure limit; sign-ins from new addresses are slowed down"
        );
    }
    if slowdown > 0 {
        tokio::time::sleep(std::time::Duration::from_secs(slowdown as u64)).await;
    }
    Ok(())
}

/// Whether the account signed in from this address in the last [`SIGNED_IN_DAYS`].
fn signed_in_from(conn: &mut AnyConnection, key: &str, now: NaiveDateTime) -> Result<bool, Error> {
    use crate::db::schema::auth_throttle::dsl as t;
    let since = now - Duration::days(SIGNED_IN_DAYS);
    let found: i64 = t::auth_throttle
        .filter(t::key.eq(key))
        .filter(t::window_start.gt(since))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// A successful sign-in: the pair's failures are cleared (it proved the password), the address
/// and the account get their attempt back (one good password does not reset an address that
/// is guessing others, nor an account others are guessing at), and the address is remembered
/// as one the account signs in from.
pub async fn succeed(db: &Db, keys: &SignIn) -> Result<(), Error> {
    use crate::db::schema::auth_throttle::dsl as t;
    let now = Utc::now().naive_utc();
    let (pair, address, account, signed_in) = (
        keys.pair.clone(),
        keys.address.clone(),
        keys.account.clone(),
        keys.signed_in.clone(),
    );
    // Rows in the order `attempt` takes them, so the two never wait for each other in a circle.
    db.system(move |c| {
        diesel::delete(t::auth_throttle.find(pair)).execute(c)?;
        for key in [address, account] {
            diesel::update(t::auth_throttle.find(key).filter(t::failures.gt(0)))
                .set(t::failures.eq(t::failures - 1))
                .execute(c)?;
        }
        diesel::sql_query(
            "INSERT INTO auth_throttle (key, failures, window_start, locked_until) \
             VALUES ($1, 0, $2, NULL) \
             ON CONFLICT (key) DO UPDATE SET window_start = EXCLUDED.window_start",
        )
        .bind::<Text, _>(signed_in)
        .bind::<Timestamp, _>(now)
        .execute(pg(c)?)?;
        prune(c, now)
    })
    .await
}

/// Lifts the limits of an account whose owner proved the address by resetting the password:
/// its pairs and its count (guesses at the old password mean nothing now). Addresses stay
/// limited.
pub async fn lift(db: &Db, email: &str) -> Result<(), Error> {
    let account = account_hash(email);
    db.system(move |c| {
        // A prefix match without LIKE's wildcards; pairs before the account, as `attempt`.
        diesel::sql_query("DELETE FROM auth_throttle WHERE left(key, char_length($1)) = $1")
            .bind::<Text, _>(format!("pair:{account}:"))
            .execute(pg(c)?)?;
        diesel::sql_query("DELETE FROM auth_throttle WHERE key = $1")
            .bind::<Text, _>(format!("account:{account}"))
            .execute(pg(c)?)?;
        Ok(())
    })
    .await
}

/// A limit on something other than sign-ins (sign-ups, reset e-mails): `allowed` per client
/// address in 15 minutes, then 429 until the window ends.
pub async fn per_address(db: &Db, what: &str, ip: Option<&str>, allowed: u32) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    let key = format!("{what}:{}", Client::network(ip));
    db.system(move |c| {
        let n = count(c, &key, now)?;
        if n.failures as u32 > allowed {
            return Err(refused(n.window_start, now, "requests", ""));
        }
        Ok(())
    })
    .await
}

/// Misses of something guessable (a screen's pairing code), counted per `key` (which `from`
/// names in the message, e.g. "this organisation"): refuses with 429 once `allowed` misses fall
/// in the window, before the next try is even looked at.
pub async fn check_misses(db: &Db, key: &str, from: &str, allowed: u32) -> Result<(), Error> {
    use crate::db::schema::auth_throttle::dsl as t;
    let now = Utc::now().naive_utc();
    let (key, from) = (key.to_string(), from.to_string());
    db.system(move |c| {
        let row: Option<(i32, NaiveDateTime)> = t::auth_throttle
            .filter(t::key.eq(&key))
            .select((t::failures, t::window_start))
            .first(c)
            .optional()?;
        match row {
            Some((n, start))
                if n as u32 >= allowed && start > now - Duration::minutes(WINDOW_MINUTES) =>
            {
                Err(refused_from(start, now, "wrong codes", &from, ""))
            }
            _ => Ok(()),
        }
    })
    .await
}

/// Counts one miss under `key` (see [`check_misses`]).
pub async fn record_miss(db: &Db, key: &str) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    let key = key.to_string();
    db.system(move |c| count(c, &key, now).map(|_| ())).await
}

/// Deletes rows nobody will read again, at most once an hour per instance: windows that ended
/// a day ago, and addresses an account last signed in from a month ago.
fn prune(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), Error> {
    use crate::db::schema::auth_throttle::dsl as t;
    static LAST: AtomicI64 = AtomicI64::new(0);
    let last = LAST.load(Ordering::Relaxed);
    let hour = now.and_utc().timestamp() / 3600;
    if last == hour
        || LAST
            .compare_exchange(last, hour, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(());
    }
    diesel::delete(
        t::auth_throttle.filter(
            t::window_start
                .lt(now - Duration::days(SIGNED_IN_DAYS))
                .or(t::window_start
                    .lt(now - Duration::days(1))
                    .and(t::key.not_like("signed-in:%"))),
        ),
    )
    .execute(conn)?;
    Ok(())
}
