//! Pure rules, no I/O: asset kinds and addresses, the schedule, permissions, header fields.

pub mod asset;
pub mod headers;
pub mod permission;
pub mod power;
pub mod schedule;
