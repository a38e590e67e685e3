use core::str::FromStr;

use crate::Error;
use crate::types::FormInput;

/// The message [`FormInput::required`] gives for a missing value.
pub(crate) const REQUIRED: &str = "此项必填";

impl FormInput {
    /// A form input by hand (the host makes the real ones).
    pub fn new<K: Into<String>, V: Into<String>>(values: impl IntoIterator<Item = (K, V)>) -> Self {
        FormInput {
            values: values
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value submitted for `name`, if any (the first, should a name repeat).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value for `name`, trimmed, or `None` when it is missing or blank.
    pub fn get_nonblank(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The value for `name`, trimmed; [`Error::Invalid`] naming the field when it is missing
    /// or blank.
    pub fn required(&self, name: &str) -> Result<&str, Error> {
        self.get_nonblank(name)
            .ok_or_else(|| Error::invalid(name, REQUIRED))
    }

    /// The value for `name` parsed as `T` (e.g. `u32`, `f64`); `Ok(None)` when missing or
    /// blank, [`Error::Invalid`] naming the field when it does not parse.
    pub fn parse<T: FromStr>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.get_nonblank(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| Error::invalid(name, "格式不正确")),
        }
    }

    /// Whether the checkbox `name` was ticked ("on", "true", "1" or "yes").
    pub fn checked(&self, name: &str) -> bool {
        matches!(
            self.get_nonblank(name)
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("on" | "true" | "1" | "yes")
        )
    }

    /// All submitted names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
