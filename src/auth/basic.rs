//! The operator's credentials on a device: HTTP Basic (scripts, screens) and the web UI's
//! sign-in form both come through [`BasicAuth::check`].
//!
//! - Every failure costs the same: one argon2 verification against the stored hash (also when
//!   the user name is wrong) and the same [`FAILURE_DELAY`] after it, so neither the answer
//!   nor its timing tells which half was wrong. User names are compared as digests, in
//!   constant time.
//! - Attempts are throttled per client address and per user name ([`super::throttle`]).
//! - Verifying argon2id on every request would cost tens of milliseconds on a Pi, so the
//!   credentials that last verified against the current hash are remembered (as a keyed
//!   digest, in memory only) and pass without a verification, a queue or the throttle: a
//!   flood of guesses cannot make the operator's own scripts and browser wait.
//! - A verification waits for one per client address at a time, then for its lane
//!   ([`Lane`]): addresses that signed in before have a lane of their own, so an operator
//!   whose credentials are not remembered yet (after a restart or a password change) does not
//!   queue behind strangers either.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use sha2::{Digest, Sha256};

use super::password::{self, FAILURE_DELAY, Lane};
use super::throttle::{Client, Limits, Throttle};
use crate::config::BasicAuthConfig;

/// The user name and password of an `Authorization: Basic …` header.
pub fn parse(header: &str) -> Option<(String, String)> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// Why credentials were not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Wrong user name or password (which one is not said).
    Wrong,
    /// Too many failures; not checked. Try again after this long.
    Throttled(Duration),
}

/// Clients with a verification under way or waiting, before the table is swept.
const MAX_TURNS: usize = 256;

/// Whole seconds to wait, rounded up and at least 1, for `Retry-After`.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The work spent on credentials that were checked (a test hook: equal work for every
/// failure is what keeps the timing from telling anything).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// argon2 verifications run.
    pub verifications: u64,
    /// Failures that waited [`FAILURE_DELAY`].
    pub penalties: u64,
}

/// The credentials that last verified, as a keyed digest, with the operator's name and hash
/// they verified against (either changing forgets them).
struct Remembered {
    username: String,
    password_hash: String,
    digest: [u8; 32],
}

/// Device sign-in: the check, its throttle and what it remembers.
pub struct BasicAuth {
    /// Keys the digest of remembered credentials, so a memory dump holds nothing to test
    /// guesses against offline faster than argon2.
    key: [u8; 32],
    remembered: Mutex<Option<Remembered>>,
    throttle: Throttle,
    /// One verification at a time per client address.
    turns: Mutex<HashMap<Client, Arc<tokio::sync::Mutex<()>>>>,
    verifications: AtomicU64,
    penalties: AtomicU64,
}

impl BasicAuth {
    pub fn new(config: &BasicAuthConfig) -> BasicAuth {
        let mut key = [0u8; 32];
        for chunk in key.chunks_mut(16) {
            chunk.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        BasicAuth {
            key,
            remembered: Mutex::new(None),
            throttle: Throttle::new(Limits {
                per_address: config.failures_per_address,
                per_account: config.failures_per_account,
            }),
            turns: Mutex::new(HashMap::new()),
            verifications: AtomicU64::new(0),
            penalties: AtomicU64::new(0),
        }
    }

    /// Work done so far.
    pub fn work(&self) -> Work {
        Work {
            verifications: self.verifications.load(Ordering::Relaxed),
            penalties: self.penalties.load(Ordering::Relaxed),
        }
    }

    /// Whether an `Authorization` header from `peer` carries `username` and the password of
    /// `password_hash`. A header that is not Basic is wrong without being counted: it tests
    /// no password.
    pub async fn check_header(
        &self,
        header: &str,
        peer: Option<IpAddr>,
        username: &str,
        password_hash: &str,
    ) -> Result<(), Refused> {
        let (user, pass) = parse(header).ok_or(Refused::Wrong)?;
        self.check(peer, &user, &pass, username, password_hash)
            .await
    }

    /// Whether `user` and `pass`, from `peer`, are `username` and the password of
    /// `password_hash`.
    pub async fn check(
        &self,
        peer: Option<IpAddr>,
        user: &str,
        pass: &str,
        username: &str,
        password_hash: &str,
    ) -> Result<(), Refused> {
        let digest = self.digest(user, pass);
        if self.remembers(&digest, username, password_hash) {
            return Ok(());
        }
        let client = Client::of(peer);
        let attempt = self
            .throttle
            .begin(client, user)
            .map_err(Refused::Throttled)?;
        let _turn = self.turn(client).await;
        // An earlier request of this client may have verified the same credentials meanwhile.
        if self.remembers(&digest, username, password_hash) {
            self.throttle.succeeded(&attempt);
            return Ok(());
        }
        let lane = if attempt.known {
            Lane::Known
        } else {
            Lane::Shared
        };
        self.verifications.fetch_add(1, Ordering::Relaxed);
        // Always against the stored hash, whatever the user name: the same parameters, so the
        // same time. Both halves are computed before either is looked at.
        let password_ok = password::verify_in(lane, pass, password_hash).await;
        let user_ok = constant_time_eq(&name_digest(user), &name_digest(username));
        if user_ok & password_ok {
            *self.remembered.lock().unwrap_or_else(|p| p.into_inner()) = Some(Remembered {
                username: username.to_string(),
                password_hash: password_hash.to_string(),
                digest,
            });
            self.throttle.succeeded(&attempt);
            return Ok(());
        }
        self.penalties.fetch_add(1, Ordering::Relaxed);
        // Still this address's turn: its next guess waits for this one's penalty too.
        tokio::time::sleep(FAILURE_DELAY).await;
        Err(Refused::Wrong)
    }

    fn digest(&self, user: &str, pass: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update((user.len() as u64).to_le_bytes());
        h.update(user.as_bytes());
        h.update(pass.as_bytes());
        h.finalize().into()
    }

    fn remembers(&self, digest: &[u8; 32], username: &str, password_hash: &str) -> bool {
        let remembered = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        remembered.as_ref().is_some_and(|r| {
            r.username == username
                && r.password_hash == password_hash
                && constant_time_eq(&r.digest, digest)
        })
    }

    /// Waits for `client`'s turn: one verification per address at a time, so one address
    /// holds at most one place in the argon2 queue.
    async fn turn(&self, client: Client) -> Turn<'_> {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
            // Entries of clients that hung up while waiting, which no turn removes.
            if turns.len() >= MAX_TURNS {
                turns.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            turns.entry(client).or_default().clone()
        };
        Turn {
            turns: &self.turns,
            client,
            guard: Some(lock.lock_owned().await),
        }
    }
}

/// A client's turn; the last one out removes its entry, so the table holds only addresses
/// with a verification in progress.
struct Turn<'a> {
    turns: &'a Mutex<HashMap<Client, Arc<tokio::sync::Mutex<()>>>>,
    client: Client,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(guard) = self.guard.take() {
            let lock = tokio::sync::OwnedMutexGuard::mutex(&guard).clone();
            drop(guard);
            // The table's and ours: nobody else holds or waits for it.
            if Arc::strong_count(&lock) == 2 {
                turns.remove(&self.client);
            }
        }
    }
}

fn name_digest(name: &str) -> [u8; 32] {
    Sha256::digest(name.as_bytes()).into()
}

/// Compares without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> BasicAuth {
        BasicAuth::new(&BasicAuthConfig::default())
    }

    #[test]
    fn parses_headers() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("admin:s3cret-pass")
        );
        assert_eq!(parse(&header), Some(("admin".into(), "s3cret-pass".into())));
        assert_eq!(parse("Bearer x"), None);
    }

    #[tokio::test]
    async fn verifies_remembers_and_forgets_with_the_hash() {
        let hash = password::hash("s3cret-pass").unwrap();
        let auth = auth();
        let peer = Some(IpAddr::from([192, 0, 2, 1]));
        assert_eq!(
            auth.check(peer, "admin", "s3cret-pass", "admin", &hash)
                .await,
            Ok(())
        );
        assert_eq!(auth.work().verifications, 1);
        assert_eq!(
            auth.check(None, "admin", "s3cret-pass", "admin", &hash)
                .await,
            Ok(())
        );
        assert_eq!(auth.work().verifications, 1, "remembered");
        let other = password::hash("s3cret-pass").unwrap();
        assert_eq!(
            auth.check(peer, "admin", "s3cret-pass", "admin", &other)
                .await,
            Ok(())
        );
        assert_eq!(auth.work().verifications, 2, "a new hash is verified again");
        assert_eq!(
            auth.check(peer, "admin", "s3cret-pass", "operator", &other)
                .await,
            Err(Refused::Wrong),
            "a renamed operator's old name is not remembered"
        );
        assert!(auth.turns.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn every_failure_does_the_same_work() {
        let hash = password::hash("s3cret-pass").unwrap();
        let auth = auth();
        let peer = Some(IpAddr::from([192, 0, 2, 1]));
        for (user, pass) in [
            ("admin", "wrong"),
            ("root", "s3cret-pass"),
            ("root", "wrong"),
        ] {
            let before = (auth.work(), tokio::time::Instant::now());
            assert_eq!(
                auth.check(peer, user, pass, "admin", &hash).await,
                Err(Refused::Wrong)
            );
            let after = auth.work();
            assert_eq!(
                (
                    after.verifications - before.0.verifications,
                    after.penalties - before.0.penalties,
                    // Paused time moves only for timers: this is the delay, not argon2.
                    before.1.elapsed()
                ),
                (1, 1, FAILURE_DELAY),
                "{user}:{pass}"
            );
        }
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
