//! Signate: an open-source digital signage server.
//!
//! One crate, one binary. The library half exists so that integration tests can start the real
//! server in-process and reach its database layer directly.

// Billing acts on cloud tenants (accounts, e-mail, roles): it comes with the cloud build.
#[cfg(all(feature = "billing", not(feature = "cloud")))]
compile_error!("the `billing` feature is part of the cloud build: use `--features cloud`");

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
#[cfg(feature = "cloud")]
pub mod cloud;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod host;
pub mod jobs;
pub mod migrate;
pub mod player;
pub mod portable;
pub mod services;
pub mod storage;
pub mod telemetry;
pub mod tenancy;
pub mod web;
