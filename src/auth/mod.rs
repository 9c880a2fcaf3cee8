//! Authentication: password hashing and the legacy HTTP Basic check.

pub mod basic;
pub mod password;
pub mod session;
