//! The host's clock and the station's settings. Always allowed.

use crate::imp;

/// The current time, RFC 3339 in China Standard Time (e.g. `2025-03-05T09:30:00+08:00`).
pub fn now() -> String {
    imp::now()
}

/// Today's date, `YYYY-MM-DD`, in China Standard Time (the first ten characters of [`now`]).
pub fn today() -> String {
    let mut now = now();
    now.truncate(10);
    now
}

/// The station's value of the setting `name` declared in the manifest, or its default; `None`
/// if the manifest declares no such setting.
pub fn setting(name: &str) -> Option<String> {
    imp::setting(name)
}

/// The setting `name`, or `default` when it has no value.
pub fn setting_or(name: &str, default: &str) -> String {
    setting(name).unwrap_or_else(|| default.to_owned())
}

/// The setting `name` parsed as `T` (an `integer` setting as `i64`, a `boolean` one as
/// `bool`); `None` when it is missing or does not parse.
pub fn setting_as<T: core::str::FromStr>(name: &str) -> Option<T> {
    setting(name).and_then(|v| v.trim().parse().ok())
}
