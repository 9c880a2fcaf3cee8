//! Cloud mode's machinery: roles (Casbin), tokens and their keys, sealed secrets, sign-in
//! throttling, e-mail. Compiled only with the `cloud` feature; a device build carries none of
//! it. The use cases built on it (sign-up, sign-in, members, keys, …) are in `services`.

pub mod mail;
pub mod rbac;
pub mod secrets;
pub mod throttle;
pub mod tokens;

use crate::config::Config;
use crate::error::Error;

/// What cloud requests need beyond the device's state.
pub struct Cloud {
    pub rbac: rbac::Rbac,
    pub jwt: tokens::Jwt,
    pub secrets: secrets::SecretBox,
    pub mailer: Option<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>>,
    /// The last answer of the SMTP server and when it was asked for: readiness probes come
    /// every few seconds, and a dead SMTP server would hold each for its timeout.
    pub mail_health: std::sync::Arc<tokio::sync::Mutex<Option<(std::time::Instant, mail::Health)>>>,
}

impl Cloud {
    /// Builds the enforcer, the token keys, the sealing key and the mailer from the
    /// (already checked) configuration.
    pub async fn new(config: &Config) -> Result<Cloud, Error> {
        let mailer = mail::transport(&config.smtp)?;
        if mailer.is_none() {
            tracing::warn!(
                "no `smtp.host` configured: invitations, password resets and verifications \
                 will not be e-mailed"
            );
        }
        Ok(Cloud {
            rbac: rbac::Rbac::new().await?,
            jwt: tokens::Jwt::new(&config.cloud.jwt_secret, config.cloud.access_token_seconds),
            secrets: secrets::SecretBox::from_hex(&config.cloud.secrets_key)?,
            mailer,
            mail_health: Default::default(),
        })
    }
}
