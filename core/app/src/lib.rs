//! The `liaison` command: configuration is read by the domain, and this crate starts the
//! platform (startup), sets up logging (telemetry), parses the command line (cli), loads the
//! demo district (demo) and runs the plugin authors' commands (plugin_cli).

pub mod backup;
pub mod cli;
pub mod demo;
pub mod plugin_cli;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
