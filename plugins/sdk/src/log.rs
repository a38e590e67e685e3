//! Writing to Liaison's log; the host tags each line with the plugin and the station.
//! Always allowed.

use crate::imp;
pub use crate::types::Level;

/// Writes `message` at `level`.
pub fn write(level: Level, message: &str) {
    imp::log(level, message)
}

/// Writes a debug line.
pub fn debug(message: &str) {
    write(Level::Debug, message)
}

/// Writes an info line.
pub fn info(message: &str) {
    write(Level::Info, message)
}

/// Writes a warning.
pub fn warn(message: &str) {
    write(Level::Warn, message)
}

/// Writes an error line.
pub fn error(message: &str) {
    write(Level::Error, message)
}
