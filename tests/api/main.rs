//! Integration tests over HTTP against the real server, on SQLite and on PostgreSQL.
//! One test binary, so the crate is linked once.

mod helpers;

mod chaos;
mod cli;
mod cloud;
mod concurrency;
mod crash;
mod device_auth;
mod device_screens;
mod disk;
mod foundation;
mod jobs;
mod legacy_assets;
mod legacy_device;
mod legacy_files;
mod migrate;
mod normalise;
mod page_check;
mod player;
mod restore;
mod storage;
mod tenancy;
