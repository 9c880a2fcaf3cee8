//! Authentication: password hashing, the device's HTTP Basic check and its throttle, and the
//! web UI's sessions.

pub mod basic;
pub mod password;
pub mod session;
pub mod throttle;
