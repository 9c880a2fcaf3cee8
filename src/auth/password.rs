//! Passwords are stored only as argon2id PHC strings.

use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::Error;

/// The argon2id hash of `password`, with a fresh salt.
pub fn hash(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches the stored `hash` (a malformed hash never matches).
pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Which queue an argon2 verification waits in. Each queue lets a few run at once, each on a
/// blocking thread, so a flood of guesses waits there instead of taking every worker and all
/// the memory (argon2id takes 19 MiB per verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Everyone: two at a time.
    Shared,
    /// Clients that have signed in before: one more of their own, so the operator's sign-in
    /// never waits behind strangers' guesses.
    Known,
}

static SHARED: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(2)));
static KNOWN: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(1)));

/// How long a failed check waits before answering, after giving its turn back: guessing is
/// slow, and nobody else waits for it.
pub const FAILURE_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// [`verify`] for request handlers: off the async executor, in `lane`'s queue.
pub async fn verify_in(lane: Lane, password: &str, hash: &str) -> bool {
    let gate = match lane {
        Lane::Shared => &SHARED,
        Lane::Known => &KNOWN,
    };
    let Ok(turn) = Arc::clone(gate).acquire_owned().await else {
        return false;
    };
    let (p, h) = (password.to_string(), hash.to_string());
    // The turn ends with the verification, not with this future: a client that hangs up
    // cannot leave argon2 running outside the queue.
    tokio::task::spawn_blocking(move || {
        let ok = verify(&p, &h);
        drop(turn);
        ok
    })
    .await
    .unwrap_or(false)
}

/// [`verify`] in the shared queue, slow to fail ([`FAILURE_DELAY`]).
pub async fn verify_gated(password: &str, hash: &str) -> bool {
    let ok = verify_in(Lane::Shared, password, hash).await;
    if !ok {
        tokio::time::sleep(FAILURE_DELAY).await;
    }
    ok
}

/// Django's four password validators, as Anthias applies them when auth is first enabled;
/// the messages are joined by spaces like upstream's.
pub fn check_strength(password: &str, username: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    if password.chars().count() < 8 {
        problems.push("This password is too short. It must contain at least 8 characters.");
    }
    if COMMON.contains(&password.to_lowercase().as_str()) {
        problems.push("This password is too common.");
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push("This password is entirely numeric.");
    }
    if !username.is_empty() && similar(password, username) {
        problems.push("The password is too similar to the username.");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join(" "))
    }
}

/// Django's `UserAttributeSimilarityValidator` in short: the password contains the username
/// or the username contains the password (case-insensitive), for names of 3+ characters.
fn similar(password: &str, username: &str) -> bool {
    let p = password.to_lowercase();
    let u = username.to_lowercase();
    u.len() >= 3 && (p.contains(&u) || u.contains(&p))
}

/// The most common passwords (a short excerpt of Django's list).
const COMMON: &[&str] = &[
    "password",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "password1",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "abc12345",
    "qwerty123",
    "11111111",
    "00000000",
    "passw0rd",
    "password123",
    "letmein1",
    "trustno1",
    "superman",
    "starwars",
    "whatever",
    "changeme",
    "administrator",
    "raspberry",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trip() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("x", "not-a-hash"));
    }

    #[test]
    fn strength_messages() {
        assert!(check_strength("long enough phrase", "admin").is_ok());
        assert_eq!(
            check_strength("1234", "admin").unwrap_err(),
            "This password is too short. It must contain at least 8 characters. This password is entirely numeric."
        );
        assert!(
            check_strength("password", "x")
                .unwrap_err()
                .contains("too common")
        );
        assert!(
            check_strength("operator-2024", "operator")
                .unwrap_err()
                .contains("similar")
        );
    }
}
