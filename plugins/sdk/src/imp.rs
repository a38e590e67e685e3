//! Where host calls go: the real imports on wasm32, the fake host of [`crate::testing`]
//! everywhere else. Every public wrapper of the SDK calls through here.

#[cfg(target_arch = "wasm32")]
mod real {
    use crate::Error;
    use crate::bindings::liaison::brand0_1_0::host;
    use crate::types::{CaseQuery, CaseSummary, Deputy, Level, NewCase, Shift};

    pub fn log(level: Level, message: &str) {
        host::log(level, message)
    }
    pub fn now() -> String {
        host::now()
    }
    pub fn setting(name: &str) -> Option<String> {
        host::setting(name)
    }
    pub fn storage_get(key: &str) -> Result<Option<Vec<u8>>, Error> {
        host::storage_get(key).map_err(Error::from)
    }
    pub fn storage_set(key: &str, value: &[u8]) -> Result<(), Error> {
        host::storage_set(key, value).map_err(Error::from)
    }
    pub fn storage_delete(key: &str) -> Result<(), Error> {
        host::storage_delete(key).map_err(Error::from)
    }
    pub fn storage_keys(prefix: &str) -> Result<Vec<String>, Error> {
        host::storage_keys(prefix).map_err(Error::from)
    }
    pub fn list_cases(query: &CaseQuery) -> Result<Vec<CaseSummary>, Error> {
        host::list_cases(query).map_err(Error::from)
    }
    pub fn get_case(id: i64) -> Result<CaseSummary, Error> {
        host::get_case(id).map_err(Error::from)
    }
    pub fn create_case(case: &NewCase) -> Result<i64, Error> {
        host::create_case(case).map_err(Error::from)
    }
    pub fn tag_case(id: i64, tag: &str) -> Result<(), Error> {
        host::tag_case(id, tag).map_err(Error::from)
    }
    pub fn annotate_case(id: i64, note: &str) -> Result<(), Error> {
        host::annotate_case(id, note).map_err(Error::from)
    }
    pub fn suggest_organisation(id: i64, organisation: &str, reason: &str) -> Result<(), Error> {
        host::suggest_organisation(id, organisation, reason).map_err(Error::from)
    }
    pub fn suggest_deputy(id: i64, deputy: &str, reason: &str) -> Result<(), Error> {
        host::suggest_deputy(id, deputy, reason).map_err(Error::from)
    }
    pub fn list_deputies() -> Result<Vec<Deputy>, Error> {
        host::list_deputies().map_err(Error::from)
    }
    pub fn duty_roster(from: &str, to: &str) -> Result<Vec<Shift>, Error> {
        host::duty_roster(from, to).map_err(Error::from)
    }
    pub fn notify_staff(subject: &str, body: &str) -> Result<(), Error> {
        crate::bindings::liaison::brand0_2_0::staff::notify_staff(subject, body)
            .map_err(Error::from)
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use real::*;

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::fake::*;
