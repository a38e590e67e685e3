//! What a plugin may ask of the host: the contract's capabilities and the table of which one
//! each host import needs (`liaison_contract::capability`). Every host call checks its own (see
//! `host.rs` and the table test below, which keeps a refactor from silently dropping a check).

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

pub use liaison_contract::capability::*;

/// The OpenAPI schema of [`Capability`] (a string, one of its names), which the contract crate
/// keeps free of OpenAPI.
pub struct CapabilitySchema;

impl PartialSchema for CapabilitySchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Capability::names()))
            .into()
    }
}

impl ToSchema for CapabilitySchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Capability")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIT: &str = include_str!("../../../wit/brand.wit");
    const WIT_0_2: &str = include_str!("../../../wit/v0.2/brand.wit");
    const DOCS: &str = include_str!("../../../docs/PLUGINS.md");
    const HOST: &str = include_str!("host.rs");

    /// The functions of `interface host` in the WIT (and of `interface staff` in `@0.2.0`),
    /// each with the capability its doc comment names (`Capability "x"`), or `None` when the
    /// comment says it is always allowed.
    fn wit_imports() -> Vec<(String, Option<String>)> {
        let mut out = interface_imports(WIT, "interface host {");
        out.extend(interface_imports(WIT_0_2, "interface staff {"));
        out
    }

    fn interface_imports(wit: &str, opening: &str) -> Vec<(String, Option<String>)> {
        let start = wit.find(opening).expect("the interface in the WIT");
        let body = &wit[start..];
        let body = &body[..body.find("\n}").expect("the end of the interface")];
        let mut out = Vec::new();
        let mut comment = String::new();
        for line in body.lines().map(str::trim) {
            if let Some(c) = line.strip_prefix("///") {
                comment.push_str(c);
                comment.push(' ');
                continue;
            }
            if let Some((name, _)) = line.split_once(": func(") {
                let cap = comment
                    .split_once("Capability \"")
                    .map(|(_, rest)| rest.split('"').next().unwrap_or_default().to_owned());
                assert!(
                    cap.is_some() || comment.contains("Always allowed"),
                    "the WIT comment of {name} names no capability and does not say it is always allowed"
                );
                out.push((name.trim().to_owned(), cap));
            }
            comment.clear();
        }
        out
    }

    /// The table under "## Capabilities" in docs/PLUGINS.md: import name to capability name.
    fn documented() -> std::collections::BTreeMap<String, Option<String>> {
        let start = DOCS
            .find("## Capabilities")
            .expect("a Capabilities section in the docs");
        let mut out = std::collections::BTreeMap::new();
        for line in DOCS[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| capability"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
        {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let cap = cells[1].trim_matches('`');
            let cap = (cap != "(none)").then(|| cap.to_owned());
            for import in cells[2].split(',') {
                out.insert(import.trim().trim_matches('`').to_owned(), cap.clone());
            }
        }
        out
    }

    #[test]
    fn every_host_import_is_checked_as_the_wit_and_the_docs_say() {
        let imports = wit_imports();
        assert!(imports.len() >= 16, "parsed too few imports: {imports:?}");
        let docs = documented();
        for (name, wit_cap) in &imports {
            let table = std::panic::catch_unwind(|| required_for(name))
                .unwrap_or_else(|_| panic!("host import {name} has no entry in required_for"));
            assert_eq!(
                table.map(Capability::as_str),
                wit_cap.as_deref(),
                "{name}: required_for and the WIT comment disagree"
            );
            assert_eq!(
                docs.get(name).map(|c| c.as_deref()),
                Some(wit_cap.as_deref()),
                "{name}: docs/PLUGINS.md and the WIT disagree"
            );
            // The host's implementation asks for exactly this import's check, first thing.
            let snake = name.replace('-', "_");
            let at = HOST
                .find(&format!("async fn {snake}("))
                .unwrap_or_else(|| panic!("host.rs implements no {snake}"));
            let body = &HOST[at..];
            let body = &body[..body[1..].find("async fn ").map_or(body.len(), |i| i + 1)];
            let check = format!("need(\"{name}\")");
            if table.is_some() {
                assert!(
                    body.contains(&check),
                    "host.rs {snake} does not call {check}"
                );
            } else {
                assert!(!body.contains("need("), "{snake} is always allowed");
                // Counted against the bound, and stopped at it (`HostEnv::count`).
                assert!(body.contains("count()?"), "{snake} counts as a host call");
            }
        }
        let names: Vec<&str> = imports.iter().map(|(n, _)| n.as_str()).collect();
        for documented in docs.keys() {
            assert!(
                names.contains(&documented.as_str()),
                "docs/PLUGINS.md lists {documented}, which the WIT does not import"
            );
        }
        for cap in Capability::ALL {
            assert!(
                imports
                    .iter()
                    .any(|(_, c)| c.as_deref() == Some(cap.as_str())),
                "no import needs {}",
                cap.as_str()
            );
        }
    }
}
