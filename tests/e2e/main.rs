#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! End-to-end tests: the real server (in-process, or the real binary for durability) on a fresh
//! database per test, driven over HTTP. Every API scenario runs on SQLite and on PostgreSQL.
//!
//! PostgreSQL is expected at `postgres://postgres@127.0.0.1:5432/postgres` (or
//! `LIAISON_TEST_PG_URL`); `LIAISON_SKIP_PG=1` skips its half of the tests. The plugin tests load
//! the brands' real WebAssembly components, which `./scripts/test` builds before the Rust tests.

#[macro_use]
mod support;

#[cfg(unix)]
mod backup;
mod brand_auto;
mod brand_desk;
mod brand_inspection;
#[cfg(unix)]
mod child;
mod cluster;
mod dashboard;
mod dashboard_figures;
#[cfg(unix)]
mod demo;
mod durability;
mod edges;
mod fairness;
mod hardening;
mod intake;
mod jobs;
mod legislation;
mod legislation_staff;
mod lifecycle;
mod nodes;
mod notifications;
mod notifications_wire;
mod operations;
mod oversight;
mod oversight_pages;
mod photos;
mod platform;
mod plugin_lifecycle;
mod plugins;
mod reference;
mod scope;
#[cfg(unix)]
mod shutdown;
mod station_photos;
mod suggestions;
mod suggestions_handling;
mod web_axe;
mod web_brand_desk;
mod web_browser;
mod web_case;
mod web_client;
mod web_console;
mod web_deputy;
mod web_duty;
mod web_layout;
mod web_pages;
mod web_screens;
