//! Use cases shared by every API version; handlers call these, never the database directly.

pub mod anthias;
pub mod assets;
pub mod backup;
pub mod content;
pub mod context;
pub mod gc;
pub mod quota;
pub mod settings;
#[cfg(feature = "cloud")]
pub mod shares;
pub mod uploads;
