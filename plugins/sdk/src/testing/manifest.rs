//! `plugin.toml`, parsed and checked by the host's own rules (the `liaison-contract` crate the
//! host uses at install), so a unit test fails on a manifest the host would refuse; and form
//! input checked against an action's declared fields the way the host checks it before calling
//! `run-action`.

pub use liaison_contract::form::validate_input;
pub use liaison_contract::manifest::*;
