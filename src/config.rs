//! Configuration, loaded by figment: built-in defaults < `signate.toml` < `SIGNATE_*` environment
//! < command-line flags. Nested keys use `__` in the environment (`SIGNATE_STORAGE__BACKEND=s3`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use serde::{Deserialize, Serialize};

/// Where the configuration file is looked for when none is named.
pub const DEFAULT_CONFIG_FILE: &str = "signate.toml";

/// Single tenant on one device, or many tenants as a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Device,
    Cloud,
}

/// Which OpenDAL service holds the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Fs,
    S3,
    Memory,
}

/// Settings of the S3 backend.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:9000`; empty means AWS.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Key prefix inside the bucket.
    pub root: String,
    /// Virtual-host-style addressing (`bucket.host`); path style is the default because every
    /// self-hosted S3 server supports it.
    pub virtual_host_style: bool,
    /// When above 0, `/media/<id>` answers with a redirect to a presigned URL valid this many
    /// seconds, so screens download from S3 directly instead of through the server.
    pub presign_media_seconds: u64,
}

/// Where files live.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    /// Root directory of the `fs` backend; defaults to `<data_dir>/files`.
    pub root: Option<PathBuf>,
    pub s3: S3Config,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            backend: StorageBackend::Fs,
            root: None,
            s3: S3Config::default(),
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a local relay or a test sink).
    None,
    /// Upgrade with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Outgoing e-mail (cloud mode: invitations, password resets, verifications).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpConfig {
    /// Empty: no e-mail is sent (the jobs fail with a message saying so).
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: String,
    pub password: String,
    /// `Name <address>` or an address.
    pub from: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 587,
            tls: SmtpTls::Starttls,
            username: String::new(),
            password: String::new(),
            from: "Signate <no-reply@localhost>".into(),
        }
    }
}

/// Device mode: how HTTP Basic and the web UI's sign-in hold up against guessing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BasicAuthConfig {
    /// Failed sign-ins allowed from one client address in 15 minutes; past them that address
    /// waits for the window to end (429).
    pub failures_per_address: u32,
    /// Failed sign-ins allowed for one user name from all addresses in 15 minutes; past them
    /// only addresses that have signed in before may try.
    pub failures_per_account: u32,
}

impl Default for BasicAuthConfig {
    fn default() -> Self {
        BasicAuthConfig {
            failures_per_address: 10,
            failures_per_account: 30,
        }
    }
}

/// Screens: pairing by code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ScreensConfig {
    /// Pairing codes one client address may ask for in 10 minutes. Generous: a room of screens
    /// behind one NAT pairs at once, and each asks again every 10 minutes until claimed.
    pub pairings_per_address: u32,
}

impl Default for ScreensConfig {
    fn default() -> Self {
        ScreensConfig {
            pairings_per_address: 120,
        }
    }
}

/// Several instances behind a load balancer share events through Redis.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisConfig {
    /// `redis://host:6379/0` (optionally `redis://:password@host:6379/0`); none: this
    /// instance works alone.
    pub url: Option<String>,
}

/// Cloud mode: plans and Stripe (issue 17). With no plans, a tenant's limits are the ones
/// stored on its row (as before billing); with plans, they come from its plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BillingConfig {
    /// The plans, by name (`SIGNATE_BILLING__PLANS__PRO__PRICE_ID=price_…`).
    pub plans: std::collections::BTreeMap<String, PlanConfig>,
    /// The plan of a tenant with no live subscription; must be one of `plans`.
    pub free_plan: String,
    /// Days of free trial a tenant's first checkout starts with (0: none).
    pub trial_days: u32,
    /// Days a failed payment is forgiven before the tenant has the free plan's limits.
    pub grace_days: u32,
    /// Stripe's secret API key (`sk_live_…`, `sk_test_…`); empty: no checkout or portal.
    pub stripe_secret_key: String,
    /// The signing secret of the `/webhooks/stripe` endpoint (`whsec_…`).
    pub webhook_secret: String,
    /// Where the Stripe API is (tests point it at a local stand-in).
    pub api_base: String,
}

impl Default for BillingConfig {
    fn default() -> Self {
        BillingConfig {
            plans: Default::default(),
            free_plan: "free".into(),
            trial_days: 0,
            grace_days: 7,
            stripe_secret_key: String::new(),
            webhook_secret: String::new(),
            api_base: "https://api.stripe.com".into(),
        }
    }
}

/// One plan: its Stripe Price, its price for display, its limits, its features.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanConfig {
    /// The Stripe Price (`price_…`) a subscription to this plan carries; none for the free plan.
    pub price_id: Option<String>,
    /// For display: minor units per interval (2900 = 29.00).
    pub amount: i64,
    pub currency: String,
    pub interval: String,
    pub max_devices: i64,
    pub max_users: i64,
    /// Bytes; 0: unlimited.
    pub storage_quota_bytes: i64,
    /// Feature names, as a list or comma-separated (`layouts,api`).
    #[serde(deserialize_with = "list_or_commas")]
    pub features: Vec<String>,
    /// What is reported to Stripe as usage: `screens` (active screens in the month).
    pub metered: Option<String>,
    /// The Stripe Billing Meter's event name metered usage is sent as.
    pub meter_event: String,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            price_id: None,
            amount: 0,
            currency: "usd".into(),
            interval: "month".into(),
            max_devices: 5,
            max_users: 10,
            storage_quota_bytes: 10 * 1024 * 1024 * 1024,
            features: Vec::new(),
            metered: None,
            meter_event: "signate_active_screens".into(),
        }
    }
}

/// A list given as a list, or as one comma-separated string (the form an environment
/// variable takes).
fn list_or_commas<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(l) => l,
        Either::Text(t) => t
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    })
}

impl BillingConfig {
    /// The plans as the billing rules take them; none when no plans are configured.
    pub fn catalogue(&self) -> Option<crate::domain::billing::Catalogue> {
        use crate::domain::billing::{Catalogue, Limits, Plan};
        if self.plans.is_empty() {
            return None;
        }
        let plans = self
            .plans
            .iter()
            .map(|(name, p)| Plan {
                name: name.to_ascii_lowercase(),
                price_id: p.price_id.clone().filter(|s| !s.is_empty()),
                amount: p.amount,
                currency: p.currency.to_ascii_lowercase(),
                interval: p.interval.clone(),
                limits: Limits {
                    max_devices: p.max_devices,
                    max_users: p.max_users,
                    storage_quota_bytes: p.storage_quota_bytes,
                },
                features: p.features.clone(),
                metered: p.metered.clone().filter(|s| !s.is_empty()),
            })
            .collect();
        Some(Catalogue::new(plans, &self.free_plan.to_ascii_lowercase()))
    }

    /// Whether checkout and the portal can be offered.
    pub fn stripe_enabled(&self) -> bool {
        !self.stripe_secret_key.is_empty() && !self.plans.is_empty()
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.plans.is_empty() {
            if !self.stripe_secret_key.is_empty() {
                return Err(ConfigError(
                    "key `billing.plans`: `billing.stripe_secret_key` is set but no plan is \
                     (e.g. SIGNATE_BILLING__PLANS__PRO__PRICE_ID=price_…)"
                        .into(),
                ));
            }
            return Ok(());
        }
        let free = self.free_plan.to_ascii_lowercase();
        if !self.plans.keys().any(|k| k.to_ascii_lowercase() == free) {
            return Err(ConfigError(format!(
                "key `billing.free_plan`: {:?} is not one of the plans ({})",
                self.free_plan,
                self.plans.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        let mut prices = std::collections::HashSet::new();
        for (name, p) in &self.plans {
            let key = |k: &str| format!("key `billing.plans.{name}.{k}`");
            if p.max_devices < 0 || p.max_users < 1 || p.storage_quota_bytes < 0 {
                return Err(ConfigError(format!(
                    "{}: limits cannot be negative and a plan has at least one user",
                    key("max_users")
                )));
            }
            if let Some(m) = &p.metered
                && !m.is_empty()
                && m != "screens"
            {
                return Err(ConfigError(format!(
                    "{}: {m:?} cannot be metered; the one metered quantity is \"screens\"",
                    key("metered")
                )));
            }
            if let Some(price) = p.price_id.as_deref().filter(|s| !s.is_empty())
                && !prices.insert(price.to_string())
            {
                return Err(ConfigError(format!(
                    "{}: {price} is the price of another plan too",
                    key("price_id")
                )));
            }
        }
        if !self.stripe_secret_key.is_empty() {
            if self.webhook_secret.is_empty() {
                return Err(ConfigError(
                    "key `billing.webhook_secret`: required with `billing.stripe_secret_key` \
                     (the whsec_… secret of the endpoint <public_url>/webhooks/stripe)"
                        .into(),
                ));
            }
            if !(self.api_base.starts_with("https://") || self.api_base.starts_with("http://")) {
                return Err(ConfigError(
                    "key `billing.api_base`: needs an http(s):// URL".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Cloud mode: tenants, accounts and tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudConfig {
    /// Tenants answer on `<slug>.<base_domain>` (e.g. `signate.example.com`); empty: only custom
    /// domains and the `X-Tenant-ID` header name tenants.
    pub base_domain: String,
    /// Where users reach the service, for links in e-mails (e.g. `https://signate.example.com`);
    /// defaults to `http://<listen>`.
    pub public_url: String,
    /// Signs access tokens (HS256); at least 32 characters, the same on every instance.
    pub jwt_secret: String,
    /// 64 hex digits (32 bytes): seals tenant secrets at rest (AES-256-GCM).
    pub secrets_key: String,
    /// Lifetime of an access token, seconds.
    pub access_token_seconds: u64,
    /// Lifetime of a refresh token, seconds.
    pub refresh_token_seconds: u64,
    /// Failed sign-ins allowed from one address to one account in 15 minutes; past them that
    /// pair (only) waits for the window to end.
    pub login_failures_allowed: u32,
    /// Failed sign-ins allowed from one address to any accounts in 15 minutes; past them that
    /// address waits for the window to end.
    pub login_failures_per_address: u32,
    /// Failed sign-ins to one account from all addresses in 15 minutes past which sign-ins
    /// from addresses it has not signed in from are slowed down (never refused).
    pub login_failures_per_account: u32,
    /// A refresh token presented again this soon after it was spent gets a new pair instead of
    /// ending the sign-in (a page closed while its refresh was in flight). 0 turns it off.
    pub refresh_reuse_grace_seconds: u64,
    /// Addresses of the load balancers or proxies in front of the service: only from them is
    /// `X-Forwarded-For` believed (for rate limits and the audit log).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            base_domain: String::new(),
            public_url: String::new(),
            jwt_secret: String::new(),
            secrets_key: String::new(),
            access_token_seconds: 15 * 60,
            refresh_token_seconds: 7 * 24 * 3600,
            login_failures_allowed: 5,
            login_failures_per_address: 20,
            login_failures_per_account: 50,
            refresh_reuse_grace_seconds: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The whole configuration of one Signate process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub mode: Mode,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://PATH`, a plain file path, or `postgres://…`. Defaults to `<data_dir>/signate.db`.
    pub database_url: Option<String>,
    /// PostgreSQL only: a connection of the tables' owner, used for migrations. Defaults to
    /// `database_url`.
    pub database_owner_url: Option<String>,
    /// PostgreSQL only: the unprivileged role requests run as when `database_url` logs in as a
    /// superuser or as the tables' owner (both of which bypass row-level security).
    pub database_app_role: String,
    pub database_pool_size: u32,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// `tracing` filter, e.g. `info` or `signate=debug,actix_web=info`.
    pub log: String,
    pub storage: StorageConfig,
    /// Let server-side fetches of user URLs (reachability checks, downloads) reach loopback,
    /// private and link-local addresses. Off by default: a URL must not be a way into the LAN.
    pub allow_private_urls: bool,
    /// Largest single file accepted (uploads and downloads), in bytes.
    pub max_upload_bytes: u64,
    /// Bytes kept free on a local disk that uploads, restores and downloads write to (they
    /// answer 507 rather than take them); none: 5 % of the filesystem, at least 256 MiB.
    pub min_free_bytes: Option<u64>,
    /// Command run by `POST /api/v1/reboot` (e.g. `sudo systemctl reboot`); none by default.
    pub reboot_command: Option<String>,
    /// Command run by `POST /api/v1/shutdown`; none by default.
    pub shutdown_command: Option<String>,
    /// Command that turns the display on or off; `{state}` is replaced by `on` or `off`
    /// (e.g. `echo '{state} 0' | cec-client -s -d 1`); none by default.
    pub display_power_command: Option<String>,
    /// Command that routes sound; `{output}` is replaced by the `audio_output` setting (`hdmi`
    /// or `local`), e.g. `amixer cset numid=3 {output}`-style or a `pactl set-default-sink`
    /// wrapper; none by default.
    pub audio_output_command: Option<String>,
    pub basic_auth: BasicAuthConfig,
    pub cloud: CloudConfig,
    pub smtp: SmtpConfig,
    pub screens: ScreensConfig,
    pub redis: RedisConfig,
    pub billing: BillingConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Device,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_owner_url: None,
            database_app_role: "signate_app".into(),
            database_pool_size: 8,
            workers: 0,
            log: "info".into(),
            storage: StorageConfig::default(),
            allow_private_urls: false,
            max_upload_bytes: 8 * 1024 * 1024 * 1024,
            min_free_bytes: None,
            reboot_command: None,
            shutdown_command: None,
            display_power_command: None,
            audio_output_command: None,
            basic_auth: BasicAuthConfig::default(),
            cloud: CloudConfig::default(),
            smtp: SmtpConfig::default(),
            screens: ScreensConfig::default(),
            redis: RedisConfig::default(),
            billing: BillingConfig::default(),
        }
    }
}

/// A configuration that cannot be used; the message names the key and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// Values given on the command line; they win over every other source.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads defaults < file < environment < overrides, then checks what serde cannot.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        }
        let figment = figment
            .merge(
                Env::prefixed("SIGNATE_")
                    .ignore(&["CONFIG"])
                    .filter(|k| !k.as_str().starts_with("test_"))
                    .split("__"),
            )
            .merge(Serialized::defaults(overrides));
        let config: Config = figment.extract().map_err(|e| ConfigError(one_line(&e)))?;
        config.check()?;
        Ok(config)
    }

    /// The checks a type cannot express.
    fn check(&self) -> Result<(), ConfigError> {
        if self.database_pool_size == 0 {
            return Err(ConfigError(
                "key `database_pool_size`: must be at least 1".into(),
            ));
        }
        crate::db::DatabaseUrl::parse(&self.database_url())
            .map_err(|e| ConfigError(format!("key `database_url`: {e}")))?;
        if let Some(owner) = &self.database_owner_url {
            crate::db::DatabaseUrl::parse(owner)
                .map_err(|e| ConfigError(format!("key `database_owner_url`: {e}")))?;
        }
        if !is_sql_identifier(&self.database_app_role) {
            return Err(ConfigError(format!(
                "key `database_app_role`: {:?} is not a plain SQL identifier (letters, digits, _)",
                self.database_app_role
            )));
        }
        if self.storage.backend == StorageBackend::S3 && self.storage.s3.bucket.is_empty() {
            return Err(ConfigError(
                "key `storage.s3.bucket`: required when `storage.backend` is \"s3\"".into(),
            ));
        }
        if self.basic_auth.failures_per_address == 0 || self.basic_auth.failures_per_account == 0 {
            return Err(ConfigError(
                "keys `basic_auth.failures_per_address` and `basic_auth.failures_per_account`: \
                 must be at least 1 (0 would refuse every sign-in)"
                    .into(),
            ));
        }
        if self.mode == Mode::Cloud {
            self.check_cloud()?;
        }
        tracing_subscriber::EnvFilter::try_new(&self.log)
            .map_err(|e| ConfigError(format!("key `log`: {e}")))?;
        Ok(())
    }

    fn check_cloud(&self) -> Result<(), ConfigError> {
        if !cfg!(feature = "cloud") {
            return Err(ConfigError(
                "key `mode`: \"cloud\" needs a binary built with the `cloud` feature \
                 (cargo build --release --features cloud)"
                    .into(),
            ));
        }
        if !self.database_url().starts_with("postgres") {
            return Err(ConfigError(
                "key `database_url`: cloud mode needs PostgreSQL (postgres://…)".into(),
            ));
        }
        if self.cloud.jwt_secret.len() < 32 {
            return Err(ConfigError(
                "key `cloud.jwt_secret`: needs at least 32 characters (e.g. `openssl rand -hex 32`), \
                 the same on every instance"
                    .into(),
            ));
        }
        if self.cloud.secrets_key.len() != 64
            || !self
                .cloud
                .secrets_key
                .chars()
                .all(|c| c.is_ascii_hexdigit())
        {
            return Err(ConfigError(
                "key `cloud.secrets_key`: needs 64 hex digits (`openssl rand -hex 32`)".into(),
            ));
        }
        if self.cloud.login_failures_allowed == 0
            || self.cloud.login_failures_per_address == 0
            || self.cloud.login_failures_per_account == 0
        {
            return Err(ConfigError(
                "keys `cloud.login_failures_allowed`, `cloud.login_failures_per_address` and \
                 `cloud.login_failures_per_account`: must be at least 1"
                    .into(),
            ));
        }
        if self.cloud.access_token_seconds == 0 || self.cloud.refresh_token_seconds == 0 {
            return Err(ConfigError(
                "keys `cloud.access_token_seconds` and `cloud.refresh_token_seconds`: must be above 0"
                    .into(),
            ));
        }
        self.billing.check()
    }

    /// Where users reach the service (no trailing slash).
    pub fn public_url(&self) -> String {
        if self.cloud.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.cloud.public_url.trim_end_matches('/').to_string()
        }
    }

    /// The database URL, with the device default filled in.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("signate.db").display()),
        }
    }

    /// The directory that local asset paths in the Anthias API (`uri`) are shown under. It is
    /// a name, not a place: files live in the storage backend under tenant-prefixed keys.
    pub fn asset_dir(&self) -> String {
        let dir = std::path::absolute(self.data_dir.join("assets"))
            .unwrap_or_else(|_| self.data_dir.join("assets"));
        dir.to_string_lossy().trim_end_matches('/').to_string()
    }

    /// Working folders (a restore's staging, downloads, conversions); what a crash leaves
    /// there is swept (see `storage::scratch`).
    pub fn tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    /// Root directory of the filesystem storage backend.
    pub fn storage_root(&self) -> PathBuf {
        self.storage
            .root
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    /// The effective configuration as TOML, with passwords and keys replaced by `***`.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(redact_url(&self.database_url()));
        shown.database_owner_url = self.database_owner_url.as_deref().map(redact_url);
        for secret in [
            &mut shown.cloud.jwt_secret,
            &mut shown.cloud.secrets_key,
            &mut shown.smtp.password,
        ] {
            if !secret.is_empty() {
                *secret = "***".into();
            }
        }
        if !shown.storage.s3.secret_access_key.is_empty() {
            shown.storage.s3.secret_access_key = "***".into();
        }
        toml::to_string(&shown).unwrap_or_else(|e| format!("# could not render: {e}\n"))
    }
}

/// Replaces the password of `scheme://user:password@host/…` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn is_sql_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// figment errors can be nested; users need the first one on one line.
fn one_line(e: &figment::Error) -> String {
    let mut msg = String::new();
    if !e.path.is_empty() {
        msg.push_str(&format!("key `{}`: ", e.path.join(".")));
    }
    msg.push_str(&e.kind.to_string());
    if let Some(source) = &e.metadata {
        msg.push_str(&format!(" (from {}", source.name));
        if let Some(src) = &source.source {
            msg.push_str(&format!(" {src}"));
        }
        msg.push(')');
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password_only() {
        assert_eq!(
            redact_url("postgres://app:secret@db:5432/signate"),
            "postgres://app:***@db:5432/signate"
        );
        assert_eq!(
            redact_url("postgres://app@db/signate"),
            "postgres://app@db/signate"
        );
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }

    #[test]
    fn identifiers() {
        assert!(is_sql_identifier("signate_app"));
        assert!(!is_sql_identifier("a;drop"));
        assert!(!is_sql_identifier("1abc"));
        assert!(!is_sql_identifier(""));
    }
}
