//! Pure rules, no I/O: the schedule, asset fields.

pub mod headers;
pub mod power;
pub mod schedule;
