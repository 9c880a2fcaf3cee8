//! Rows and the queries on them, one module per table family. Every query takes the tenant
//! scope and filters by it (on PostgreSQL row-level security guards as well). No rules here:
//! those live in `services` (use cases) and `domain` (pure rules).

pub mod analytics;
#[cfg(feature = "cloud")]
pub mod api_key;
pub mod asset;
#[cfg(feature = "cloud")]
pub mod audit;
#[cfg(feature = "billing")]
pub mod billing;
#[cfg(feature = "cloud")]
pub mod invitation;
#[cfg(feature = "cloud")]
pub mod membership;
pub mod play;
pub mod program;
pub mod screen;
#[cfg(feature = "cloud")]
pub mod session;
pub mod share;
pub mod tenant;
#[cfg(feature = "cloud")]
pub mod user;
#[cfg(feature = "cloud")]
pub mod user_token;
