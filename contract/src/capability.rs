//! What a plugin may ask of the host. A plugin gets the capabilities its manifest requests AND
//! ops granted for the station; every host call checks its own against [`required_for`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Capability {
    /// Its own key-value storage at the station.
    #[serde(rename = "storage")]
    Storage,
    /// Reading the station's cases (never contacts).
    #[serde(rename = "cases.read")]
    CasesRead,
    /// Filing cases at the station.
    #[serde(rename = "cases.create")]
    CasesCreate,
    /// Tagging and annotating the station's cases.
    #[serde(rename = "cases.tag")]
    CasesTag,
    /// Suggesting an organisation or a deputy for a case.
    #[serde(rename = "cases.suggest")]
    CasesSuggest,
    /// Reading the station's deputies and duty roster.
    #[serde(rename = "deputies.read")]
    DeputiesRead,
    /// Notifying the station's staff (`liaison:brand@0.2.0`), rate-limited per plugin and
    /// station.
    #[serde(rename = "staff.notify")]
    StaffNotify,
}

impl Capability {
    pub const ALL: [Capability; 7] = [
        Capability::Storage,
        Capability::CasesRead,
        Capability::CasesCreate,
        Capability::CasesTag,
        Capability::CasesSuggest,
        Capability::DeputiesRead,
        Capability::StaffNotify,
    ];

    /// The name manifests, grants and `Error::Denied` use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Capability::Storage => "storage",
            Capability::CasesRead => "cases.read",
            Capability::CasesCreate => "cases.create",
            Capability::CasesTag => "cases.tag",
            Capability::CasesSuggest => "cases.suggest",
            Capability::DeputiesRead => "deputies.read",
            Capability::StaffNotify => "staff.notify",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The oldest contract version (`wit` of the manifest) that has the imports this
    /// capability grants: a manifest for an older one may not ask for it.
    pub const fn since_wit(self) -> &'static str {
        match self {
            Capability::StaffNotify => "0.2.0",
            _ => "0.1.0",
        }
    }

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.as_str()).collect()
    }
}

/// Requested ∩ granted.
pub fn effective(
    requested: &BTreeSet<Capability>,
    granted: &BTreeSet<Capability>,
) -> BTreeSet<Capability> {
    requested.intersection(granted).copied().collect()
}

/// The capability each host import needs; `None` means always allowed.
pub fn required_for(import: &str) -> Option<Capability> {
    match import {
        "log" | "now" | "setting" => None,
        "storage-get" | "storage-set" | "storage-delete" | "storage-keys" => {
            Some(Capability::Storage)
        }
        "list-cases" | "get-case" => Some(Capability::CasesRead),
        "create-case" => Some(Capability::CasesCreate),
        "tag-case" | "annotate-case" => Some(Capability::CasesTag),
        "suggest-organisation" | "suggest-deputy" => Some(Capability::CasesSuggest),
        "list-deputies" | "duty-roster" => Some(Capability::DeputiesRead),
        "notify-staff" => Some(Capability::StaffNotify),
        other => panic!("unknown host import {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_is_the_intersection() {
        let req: BTreeSet<_> = [
            Capability::Storage,
            Capability::CasesRead,
            Capability::CasesCreate,
        ]
        .into();
        let granted: BTreeSet<_> = [
            Capability::CasesRead,
            Capability::CasesCreate,
            Capability::DeputiesRead,
        ]
        .into();
        assert_eq!(
            effective(&req, &granted),
            [Capability::CasesRead, Capability::CasesCreate].into()
        );
    }

    #[test]
    fn names_round_trip() {
        for c in Capability::ALL {
            assert_eq!(Capability::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        assert_eq!(Capability::parse("network"), None);
    }
}
