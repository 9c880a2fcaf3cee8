//! Rows and the queries on them, one module per table family. Every query takes the tenant
//! scope and filters by it (on PostgreSQL row-level security guards as well). No rules here:
//! those live in `services` (use cases) and `domain` (pure rules).

pub mod asset;
pub mod share;
