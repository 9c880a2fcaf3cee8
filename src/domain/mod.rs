//! Pure rules, no I/O: asset kinds and addresses, what an uploaded file's bytes are, the schedule, permissions, header fields,
//! times as clients write them, text without NUL characters, screens' codes, status and commands, what a screen plays when (programs),
//! which plan's limits a tenant has and which Stripe event may change it (billing).

pub mod asset;
pub mod billing;
pub mod framing;
pub mod headers;
pub mod media;
pub mod migration;
pub mod permission;
pub mod power;
pub mod program;
pub mod schedule;
pub mod screen;
pub mod text;
pub mod time;
