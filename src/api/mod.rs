//! HTTP handlers: health probes here; the Anthias-compatible API in `legacy`; the cloud API
//! in `v3`.

pub mod docs;
pub mod health;
pub mod legacy;
pub mod live;
pub mod media;
pub mod session;
#[cfg(feature = "cloud")]
pub mod v3;
