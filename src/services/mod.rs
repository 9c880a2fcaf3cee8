//! Use cases shared by every API version; handlers call these, never the database directly.

pub mod anthias;
pub mod assets;
pub mod backup;
pub mod content;
pub mod gc;
pub mod quota;
pub mod settings;
pub mod uploads;
