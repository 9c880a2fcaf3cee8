//! HTTP Basic credentials for the legacy API. Verifying argon2id on every request would cost
//! tens of milliseconds on a Pi, so the last header that verified against the current hash is
//! remembered (in memory only) and compared in constant time.

use std::sync::Mutex;

use base64::Engine;

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

/// Remembers the last header that verified, per password hash.
#[derive(Default)]
pub struct VerifiedCache {
    /// (password hash, user name, header)
    last: Mutex<Option<(String, String, String)>>,
}

impl VerifiedCache {
    /// Whether `header` carries `username` and the password of `password_hash`.
    pub async fn check(&self, header: &str, username: &str, password_hash: &str) -> bool {
        {
            let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((hash, user, seen)) = last.as_ref()
                && hash == password_hash
                && user == username
                && constant_time_eq(seen.as_bytes(), header.as_bytes())
            {
                return true;
            }
        }
        let Some((user, pass)) = parse(header) else {
            return false;
        };
        // Always verify, so the time taken does not tell whether the user name was right.
        let password_ok = super::password::verify_gated(&pass, password_hash).await;
        let ok = constant_time_eq(user.as_bytes(), username.as_bytes()) & password_ok;
        if ok {
            *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((
                password_hash.to_string(),
                username.to_string(),
                header.to_string(),
            ));
        }
        ok
    }
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

    #[tokio::test]
    async fn parses_and_verifies() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("admin:s3cret-pass")
        );
        assert_eq!(parse(&header), Some(("admin".into(), "s3cret-pass".into())));
        assert_eq!(parse("Bearer x"), None);
        let hash = crate::auth::password::hash("s3cret-pass").unwrap();
        let cache = VerifiedCache::default();
        assert!(cache.check(&header, "admin", &hash).await);
        assert!(cache.check(&header, "admin", &hash).await, "cached");
        assert!(!cache.check(&header, "root", &hash).await);
        let other = crate::auth::password::hash("s3cret-pass").unwrap();
        assert!(!cache.check("Basic Zm9vOmJhcg==", "admin", &other).await);
    }
}
