//! Browser sessions for the web UI when basic auth is on: an unguessable token in an
//! `HttpOnly`, `SameSite=Strict` cookie, kept in memory (device mode has one process; a
//! restart asks the operator to sign in again). `SameSite=Strict` keeps other sites' pages from
//! riding on the cookie, and unsafe requests must also come from our own origin.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;

/// Name of the session cookie.
pub const COOKIE: &str = "signate_session";
/// How long a session lasts without use.
pub const IDLE: Duration = Duration::from_secs(12 * 3600);
/// Most sessions kept at once (oldest dropped first).
const MAX_SESSIONS: usize = 256;

struct Session {
    username: String,
    /// The password hash the session was opened under; a password change ends it.
    password_hash: String,
    last_seen: Instant,
}

/// Open sessions.
#[derive(Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session and returns its token.
    pub fn open(&self, username: &str, password_hash: &str) -> String {
        let mut bytes = [0u8; 32];
        getrandom(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut map = self.by_token.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| s.last_seen.elapsed() < IDLE);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(
            token.clone(),
            Session {
                username: username.to_string(),
                password_hash: password_hash.to_string(),
                last_seen: Instant::now(),
            },
        );
        token
    }

    /// Whether `token` is a live session of the current operator credentials.
    pub fn check(&self, token: &str, username: &str, password_hash: &str) -> bool {
        let mut map = self.by_token.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(token) {
            Some(s)
                if s.last_seen.elapsed() < IDLE
                    && s.username == username
                    && s.password_hash == password_hash =>
            {
                s.last_seen = Instant::now();
                true
            }
            Some(_) => {
                map.remove(token);
                false
            }
            None => false,
        }
    }

    /// Ends a session.
    pub fn close(&self, token: &str) {
        self.by_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token);
    }
}

/// Fills `buf` from the OS's random source (uuid v4 draws from it too).
fn getrandom(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(16) {
        let id = uuid::Uuid::new_v4();
        let src = id.as_bytes();
        chunk.copy_from_slice(&src[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_follow_credentials() {
        let s = Sessions::default();
        let t = s.open("op", "hash1");
        assert!(t.len() >= 40);
        assert!(s.check(&t, "op", "hash1"));
        assert!(!s.check("forged", "op", "hash1"));
        assert!(
            !s.check(&t, "op", "hash2"),
            "a password change ends the session"
        );
        assert!(!s.check(&t, "op", "hash1"), "and it stays ended");
        let t = s.open("op", "hash1");
        s.close(&t);
        assert!(!s.check(&t, "op", "hash1"));
    }
}
