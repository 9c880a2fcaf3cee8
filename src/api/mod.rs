//! HTTP handlers: parse a request, call a service, render a view. Extractors (who asks, in
//! which tenant, may they) in `extract`; error bodies in `error`; the rule on text in every
//! request's address in `input`; the Anthias-compatible API in `legacy`; the cloud API in `v3`.

pub mod docs;
pub mod error;
pub mod extract;
pub mod health;
pub mod input;
pub mod json;
pub mod legacy;
pub mod live;
pub mod media;
#[cfg(feature = "cloud")]
pub mod principal;
pub mod screens;
pub mod session;
#[cfg(feature = "cloud")]
pub mod v3;
