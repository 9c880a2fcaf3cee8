//! What the account use cases share: the rules an address and a password follow, password
//! hashing off the executor, the one-time tokens e-mails carry, and the verification e-mail.

use chrono::{Duration, Utc};

use crate::auth::password;
use crate::cloud::mail::{self, Mail};
use crate::cloud::tokens;
use crate::db::AnyConnection;
use crate::db::models::user::User;
use crate::db::models::user_token::{self, Purpose};
use crate::error::Error;

/// E-mail addresses are compared and stored in lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one `@`, something before it, a dot in the domain, no spaces.
pub fn check_email(email: &str) -> Result<(), Error> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("email", "Enter a valid e-mail address."))
    }
}

/// A text field, present and not blank (trimmed).
pub fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str, Error> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Error::invalid(field, format!("{field} is required."))),
    }
}

/// The password field, present and not empty (kept as sent: spaces count).
pub fn required_password(v: &Option<String>) -> Result<String, Error> {
    match v.as_deref() {
        Some(p) if !p.is_empty() => Ok(p.to_string()),
        _ => Err(Error::invalid("password", "password is required.")),
    }
}

/// The rules a new password follows (length, Django's validators against the address).
pub fn check_password(password: &str, email: &str) -> Result<(), Error> {
    check_password_length(password)?;
    let local = email.split('@').next().unwrap_or("");
    password::check_strength(password, local).map_err(|m| Error::invalid("password", m))
}

/// Longer passwords would only cost hashing time.
pub fn check_password_length(password: &str) -> Result<(), Error> {
    if password.len() > 1024 {
        return Err(Error::invalid(
            "password",
            "The password is longer than 1024 characters.",
        ));
    }
    Ok(())
}

/// The argon2id hash of a password, computed off the async executor.
pub async fn hash_password(password: &str) -> Result<String, Error> {
    let p = password.to_string();
    tokio::task::spawn_blocking(move || password::hash(&p))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

/// A new one-time token for the user (binding: the user); returns the token to send.
pub fn new_user_token(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: Purpose,
    lifetime: Duration,
) -> Result<String, Error> {
    let token = tokens::random("");
    user_token::insert(conn, user_id, purpose, &tokens::hash(&token), lifetime)?;
    Ok(token)
}

/// The user a valid, unspent, unexpired token is for (binding: lookup = its hash).
pub fn check_user_token(
    conn: &mut AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<String, Error> {
    let row = user_token::find(conn, &tokens::hash(token), purpose)?;
    let what = match purpose {
        Purpose::ResetPassword => "password reset link",
        Purpose::VerifyEmail => "verification link",
    };
    let Some(row) = row else {
        return Err(Error::invalid(
            "token",
            format!("This {what} is not valid."),
        ));
    };
    if row.used_at.is_some() {
        return Err(Error::invalid(
            "token",
            format!("This {what} has already been used."),
        ));
    }
    if row.expires_at < Utc::now().naive_utc() {
        return Err(Error::invalid(
            "token",
            format!("This {what} has expired; ask for a new one."),
        ));
    }
    Ok(row.user_id)
}

/// Spends a one-time token (binding: lookup = its hash); the user it was for. Inside a
/// transaction that fails later, the token stays unspent.
pub fn spend_user_token(
    conn: &mut AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<String, Error> {
    let user_id = check_user_token(conn, token, purpose)?;
    if !user_token::spend(conn, &tokens::hash(token))? {
        // Another request spent it between the check and now.
        return Err(Error::invalid("token", "This link has already been used."));
    }
    Ok(user_id)
}

/// The e-mail that asks a user to confirm their address (`public_url`: where users reach the
/// service).
pub fn verification_mail(public_url: &str, user: &User, token: &str) -> Mail {
    let link = format!("{public_url}/verify-email?token={token}");
    mail::with_link(
        &user.email,
        "Confirm your e-mail address for Signate",
        &[
            format!("Hello {},", user.name),
            "Please confirm that this address is yours.".into(),
        ],
        "Confirm my address",
        &link,
        "The link is valid for 3 days. If you did not sign up for Signate, ignore this message.",
    )
}
