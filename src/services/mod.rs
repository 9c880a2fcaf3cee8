//! Use cases shared by every API version; handlers call these, never the database directly.

#[cfg(feature = "cloud")]
pub mod accounts;
pub mod analytics;
pub mod anthias;
#[cfg(feature = "cloud")]
pub mod api_keys;
pub mod assets;
#[cfg(feature = "cloud")]
pub mod audit_log;
pub mod backup;
#[cfg(feature = "billing")]
pub mod billing;
pub mod content;
pub mod context;
pub mod gc;
pub mod health;
#[cfg(feature = "cloud")]
pub mod invitations;
pub mod limits;
#[cfg(feature = "cloud")]
pub mod members;
#[cfg(feature = "cloud")]
pub mod passwords;
pub mod plays;
#[cfg(feature = "cloud")]
pub mod principal;
pub mod program;
pub mod quota;
pub mod screens;
#[cfg(feature = "cloud")]
pub mod sessions;
pub mod settings;
#[cfg(feature = "cloud")]
pub mod shares;
#[cfg(feature = "cloud")]
pub mod signup;
#[cfg(feature = "cloud")]
pub mod tenants;
pub mod uploads;
#[cfg(feature = "cloud")]
pub mod verification;

/// Cloud mode's roles, token keys, sealing key and mailer. The cloud use cases are reached
/// only in cloud mode (the v3 extractors refuse a device first).
#[cfg(feature = "cloud")]
fn cloud(
    core: &context::Core,
) -> Result<&std::sync::Arc<crate::cloud::Cloud>, crate::error::Error> {
    core.cloud
        .as_ref()
        .ok_or_else(|| crate::error::Error::NotFound("API v3 is served in cloud mode.".into()))
}
