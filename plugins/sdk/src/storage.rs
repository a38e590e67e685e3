//! The plugin's own key-value store at the station, typed through serde (values are stored as
//! JSON). Capability `storage`.
//!
//! Each (plugin, station) pair has its own store: the same key at two stations holds two
//! values. Keys are at most 200 bytes; the station's storage quota applies to the values. A
//! call without the capability returns [`Error::Denied`]`("storage")`.
//!
//! ```no_run
//! use liaison_sdk::storage;
//! # fn demo() -> Result<(), liaison_sdk::Error> {
//! let asked: u32 = storage::get("asked")?.unwrap_or(0);
//! storage::set("asked", &(asked + 1))?;
//! // or, in one go:
//! let asked = storage::update("asked", |n: Option<u32>| n.unwrap_or(0) + 1)?;
//! # let _ = asked; Ok(()) }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::imp;

/// The value at `key` decoded from JSON as `T`; `Ok(None)` if the key is not set.
/// A stored value that does not decode as `T` is [`Error::Failed`].
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Error> {
    match imp::storage_get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::failed(format!("storage key {key}: {e}"))),
    }
}

/// The value at `key`, or `T::default()` if the key is not set.
pub fn get_or_default<T: DeserializeOwned + Default>(key: &str) -> Result<T, Error> {
    Ok(get(key)?.unwrap_or_default())
}

/// Stores `value` at `key`, encoded as JSON.
pub fn set<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value)?;
    imp::storage_set(key, &bytes)
}

/// Reads `key`, computes its new value with `f`, stores and returns it.
///
/// Each call runs alone in its own instance, but two calls for the same station may run at
/// the same time: an update is not atomic across them.
pub fn update<T, F>(key: &str, f: F) -> Result<T, Error>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(Option<T>) -> T,
{
    let value = f(get(key)?);
    set(key, &value)?;
    Ok(value)
}

/// Deletes `key` (deleting a key that is not set is not an error).
pub fn delete(key: &str) -> Result<(), Error> {
    imp::storage_delete(key)
}

/// The keys starting with `prefix`, in order, at most 1000.
pub fn keys(prefix: &str) -> Result<Vec<String>, Error> {
    imp::storage_keys(prefix)
}

/// The raw bytes at `key`, without JSON.
pub fn get_bytes(key: &str) -> Result<Option<Vec<u8>>, Error> {
    imp::storage_get(key)
}

/// Stores raw bytes at `key`, without JSON.
pub fn set_bytes(key: &str, value: &[u8]) -> Result<(), Error> {
    imp::storage_set(key, value)
}
