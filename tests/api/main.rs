//! Integration tests over HTTP against the real server, on SQLite and on PostgreSQL.
//! One test binary, so the crate is linked once.

mod helpers;

mod cli;
mod cloud;
mod crash;
mod disk;
mod foundation;
mod jobs;
mod legacy_assets;
mod legacy_device;
mod legacy_files;
mod normalise;
mod player;
mod storage;
mod tenancy;
