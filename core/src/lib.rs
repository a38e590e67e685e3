//! Liaison: the platform behind people's-congress deputy liaison stations.
//! Modules are named by domain word; `http` only wires them together.

pub mod auth;
pub mod calendar;
pub mod cases;
pub mod categories;
pub mod cli;
pub mod configuration;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod deputies;
pub mod duty;
pub mod http;
pub mod orgs;
pub mod oversight;
pub mod plugins;
pub mod startup;
pub mod stations;
pub mod telemetry;
pub mod users;
pub mod web;
