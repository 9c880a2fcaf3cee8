//! HTTP handlers: health probes here; the Anthias-compatible API in `legacy`.

pub mod docs;
pub mod health;
pub mod legacy;
pub mod live;
pub mod media;
pub mod session;
