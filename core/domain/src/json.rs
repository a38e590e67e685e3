//! JSON read with the path of the offending field (`location.lat`) named in the refusal.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses JSON, reporting the path of the offending field (`location.lat`) when serde knows it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let mut message = inner.to_string();
        // "missing field `x`" is reported at the parent; name the field itself.
        let field = if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default().to_owned();
            Some(if path == "." {
                name
            } else {
                format!("{path}.{name}")
            })
        } else if path == "." {
            None
        } else {
            Some(path)
        };
        if let Some(at) = message.find(" at line ") {
            message.truncate(at);
        }
        Error::BadRequest { field, message }
    })
}
