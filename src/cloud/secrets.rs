//! Tenant secrets (integration keys and the like) sealed at rest with AES-256-GCM under the
//! configured `cloud.secrets_key`. The tenant id and the secret's name are the associated
//! data, so a sealed value copied to another tenant or name does not open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::tenant_secrets;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// The sealing key.
pub struct SecretBox {
    key: LessSafeKey,
}

impl SecretBox {
    /// The key from 64 hex digits (checked by the configuration).
    pub fn from_hex(hex: &str) -> Result<SecretBox, Error> {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|_| Error::Startup("key `cloud.secrets_key`: not hex".into()))?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| Error::Startup("key `cloud.secrets_key`: needs 32 bytes".into()))?;
        Ok(SecretBox {
            key: LessSafeKey::new(key),
        })
    }

    /// Seals `plain`; returns (nonce, ciphertext) in base64.
    pub fn seal(&self, aad: &str, plain: &[u8]) -> Result<(String, String), Error> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| Error::Internal("no randomness".into()))?;
        let mut data = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut data,
            )
            .map_err(|_| Error::Internal("cannot seal a secret".into()))?;
        Ok((STANDARD.encode(nonce), STANDARD.encode(data)))
    }

    /// Opens what [`SecretBox::seal`] made with the same associated data.
    pub fn open(&self, aad: &str, nonce: &str, sealed: &str) -> Result<Vec<u8>, Error> {
        let broken =
            || Error::Internal("a stored secret does not open with the configured key".into());
        let nonce: [u8; NONCE_LEN] = STANDARD
            .decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(broken)?;
        let mut data = STANDARD.decode(sealed).map_err(|_| broken())?;
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut data,
            )
            .map_err(|_| broken())?;
        Ok(plain.to_vec())
    }
}

fn aad(scope: &TenantScope, name: &str) -> String {
    format!("{}\u{0}{name}", scope.id())
}

/// Stores (or replaces) a tenant secret.
pub fn put(
    conn: &mut AnyConnection,
    sbox: &SecretBox,
    scope: &TenantScope,
    name: &str,
    value: &str,
) -> Result<(), Error> {
    let (nonce, ciphertext) = sbox.seal(&aad(scope, name), value.as_bytes())?;
    let now = chrono::Utc::now().naive_utc();
    diesel::delete(
        tenant_secrets::table
            .filter(tenant_secrets::tenant_id.eq(scope.id()))
            .filter(tenant_secrets::name.eq(name)),
    )
    .execute(conn)?;
    diesel::insert_into(tenant_secrets::table)
        .values((
            tenant_secrets::tenant_id.eq(scope.id()),
            tenant_secrets::name.eq(name),
            tenant_secrets::nonce.eq(nonce),
            tenant_secrets::ciphertext.eq(ciphertext),
            tenant_secrets::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Reads a tenant secret.
pub fn get(
    conn: &mut AnyConnection,
    sbox: &SecretBox,
    scope: &TenantScope,
    name: &str,
) -> Result<Option<String>, Error> {
    let row: Option<(String, String)> = tenant_secrets::table
        .filter(tenant_secrets::tenant_id.eq(scope.id()))
        .filter(tenant_secrets::name.eq(name))
        .select((tenant_secrets::nonce, tenant_secrets::ciphertext))
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some((nonce, sealed)) => {
            let plain = sbox.open(&aad(scope, name), &nonce, &sealed)?;
            Ok(Some(String::from_utf8(plain).map_err(|_| {
                Error::Internal("a secret is not text".into())
            })?))
        }
    }
}

/// Names of the tenant's secrets and when each was set (never their values).
pub fn names(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Vec<(String, chrono::NaiveDateTime)>, Error> {
    Ok(tenant_secrets::table
        .filter(tenant_secrets::tenant_id.eq(scope.id()))
        .select((tenant_secrets::name, tenant_secrets::updated_at))
        .order(tenant_secrets::name)
        .load(conn)?)
}

/// Removes a tenant secret; whether it existed.
pub fn delete(conn: &mut AnyConnection, scope: &TenantScope, name: &str) -> Result<bool, Error> {
    Ok(diesel::delete(
        tenant_secrets::table
            .filter(tenant_secrets::tenant_id.eq(scope.id()))
            .filter(tenant_secrets::name.eq(name)),
    )
    .execute(conn)?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_binds_to_tenant_and_name() {
        let sbox = SecretBox::from_hex(&"ab".repeat(32)).unwrap();
        let (nonce, sealed) = sbox.seal("t1\u{0}stripe", b"sk_live_123").unwrap();
        assert!(!sealed.contains("sk_live"));
        assert_eq!(
            sbox.open("t1\u{0}stripe", &nonce, &sealed).unwrap(),
            b"sk_live_123"
        );
        assert!(sbox.open("t2\u{0}stripe", &nonce, &sealed).is_err());
        let other = SecretBox::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open("t1\u{0}stripe", &nonce, &sealed).is_err());
        let (nonce2, sealed2) = sbox.seal("t1\u{0}stripe", b"sk_live_123").unwrap();
        assert_ne!((nonce, sealed), (nonce2, sealed2));
    }
}
