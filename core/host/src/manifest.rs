//! `plugin.toml`: what a package says about itself, parsed and checked by the contract's rules
//! (`liaison_contract::manifest`) before anything is installed.

use utoipa::ToSchema;

pub use liaison_contract::manifest::*;

// The OpenAPI schema of `Names`, which the contract crate keeps free of OpenAPI. A plain
// comment: a doc comment would become the schema's description.
#[derive(ToSchema)]
#[schema(as = Names)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NamesSchema {
    zh: String,
    en: String,
}
