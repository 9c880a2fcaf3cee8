//! Secrets handed to clients: random opaque tokens (refresh tokens, API keys, invitations,
//! share links, e-mail links), stored only as SHA-256 hashes, and signed access tokens (JWT).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// What every API key starts with, so that leaked keys are easy to recognise (and to tell from
/// access tokens).
pub const API_KEY_PREFIX: &str = "sgk_";

/// A fresh random token: `prefix` followed by 32 random bytes in URL-safe base64.
pub fn random(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random generator failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// How a token is stored and looked up. The tokens carry 256 random bits, so a fast hash is
/// enough: there is nothing to brute-force.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The tenant the token acts in.
    pub tid: String,
    /// The sign-in session; revoking it ends the token before it expires.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks access tokens.
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Lifetime of an access token, seconds.
    pub lifetime: i64,
}

impl Jwt {
    /// Keys from the configured secret.
    pub fn new(secret: &str, lifetime: u64) -> Jwt {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is exact: all instances share one clock source (NTP) and a token of 15
        // minutes needs no grace.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Jwt {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            lifetime: lifetime as i64,
        }
    }

    /// A signed token for `user` in `tenant` within `session`.
    pub fn issue(&self, user: &str, tenant: &str, session: &str) -> Result<String, Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.into(),
            tid: tenant.into(),
            sid: session.into(),
            iat: now,
            exp: now + self.lifetime,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("cannot sign a token: {e}")))
    }

    /// The claims of a valid, unexpired token signed with our key.
    pub fn verify(&self, token: &str) -> Result<Claims, Error> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| {
                Error::Unauthorized(match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        "The access token has expired; get a new one with POST /api/v3/auth/refresh."
                            .into()
                    }
                    _ => "The access token is not valid.".into(),
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let a = random("sgk_");
        let b = random("sgk_");
        assert!(a.starts_with("sgk_") && a.len() == 4 + 43);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
    }

    #[test]
    fn jwt_round_trip_and_rejections() {
        let jwt = Jwt::new("0123456789abcdef0123456789abcdef", 900);
        let token = jwt.issue("u1", "t1", "s1").unwrap();
        let claims = jwt.verify(&token).unwrap();
        assert_eq!(
            (
                claims.sub.as_str(),
                claims.tid.as_str(),
                claims.sid.as_str()
            ),
            ("u1", "t1", "s1")
        );
        assert_eq!(claims.exp - claims.iat, 900);
        // Another key's token, a tampered token and an expired one are refused.
        let other = Jwt::new("ffffffffffffffffffffffffffffffff", 900);
        assert!(other.verify(&token).is_err());
        let mut tampered = token.clone();
        tampered.pop();
        assert!(jwt.verify(&tampered).is_err());
        let expired = Jwt {
            lifetime: -1,
            ..Jwt::new("0123456789abcdef0123456789abcdef", 900)
        };
        let old = expired.issue("u1", "t1", "s1").unwrap();
        let err = jwt.verify(&old).unwrap_err().to_string();
        assert!(err.contains("expired"), "{err}");
    }
}
