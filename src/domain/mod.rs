//! Pure rules, no I/O: asset kinds and addresses, the schedule, permissions, header fields,
//! times as clients write them, text without NUL characters.

pub mod asset;
pub mod headers;
pub mod permission;
pub mod power;
pub mod schedule;
pub mod text;
pub mod time;
