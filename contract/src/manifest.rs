//! `plugin.toml`: what a package says about itself. Parsed strictly (unknown fields refused),
//! checked for sense (ids, versions, audiences, fields, settings), and compared with what the
//! host supports before anything is installed. The host checks packages with this at install;
//! the SDK's test harness checks a plugin's own `plugin.toml` with it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::capability::Capability;

/// The `liaison:brand` versions the host links. A plugin must target one of them.
pub const SUPPORTED_WIT: &[&str] = &["0.1.0", "0.2.0"];

/// A parsed `plugin.toml`. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Lowercase letters, digits and dashes, starting with a letter; 2 to 64 long.
    pub id: String,
    /// The plugin's semantic version.
    pub version: String,
    /// The `liaison:brand` version the component was built against.
    pub wit: String,
    /// Its name in Chinese and English.
    pub name: Names,
    /// The capabilities it asks for.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Case event actions delivered to `on-case-event`.
    #[serde(default)]
    pub listens: Vec<String>,
    /// The views it offers.
    #[serde(default)]
    pub views: Vec<ViewDecl>,
    /// The actions it offers.
    #[serde(default)]
    pub actions: Vec<ActionDecl>,
    /// The settings ops may give per station.
    #[serde(default)]
    pub settings: Vec<SettingDecl>,
    /// How often `on-schedule` runs, if at all.
    pub schedule: Option<Schedule>,
}

/// A name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Resident,
    Deputy,
    Staff,
    Dashboard,
}

impl Audience {
    /// The name manifests use: `resident`, `deputy`, `staff` or `dashboard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Resident => "resident",
            Audience::Deputy => "deputy",
            Audience::Staff => "staff",
            Audience::Dashboard => "dashboard",
        }
    }
}

/// A `[[views]]` entry: the view id passed to `render-view`, who may see it, its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewDecl {
    pub id: String,
    pub audience: Vec<Audience>,
    pub title: Names,
}

/// An `[[actions]]` entry: the action id passed to `run-action`, who may run it, its title,
/// and the fields the host checks before the plugin sees the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDecl {
    pub id: String,
    pub audience: Vec<Audience>,
    pub title: Names,
    #[serde(default)]
    pub fields: Vec<FieldDecl>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Date,
    Select,
    Checkbox,
    Phone,
}

impl FieldKind {
    /// The name manifests use: `text`, `textarea`, `number`, `date`, `select`, `checkbox` or
    /// `phone`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Select => "select",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Phone => "phone",
        }
    }
}

/// An `[[actions.fields]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Longest value in characters; 0 means [`crate::form::DEFAULT_MAX_LENGTH`].
    #[serde(default)]
    pub max_length: u32,
    /// For `select`: value and label pairs.
    #[serde(default)]
    pub options: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    String,
    Integer,
    Boolean,
}

/// A `[[settings]]` entry: a value ops may give per station, passed to `setting` as a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingDecl {
    pub name: String,
    pub kind: SettingKind,
    pub default: Option<toml::Value>,
    pub description: Option<String>,
}

/// The `[schedule]` table: minutes between runs of `on-schedule`, at least 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub every_minutes: u32,
}

/// Case actions a plugin may listen to.
pub const EVENT_ACTIONS: &[&str] = &[
    "submit",
    "register",
    "reject",
    "assign",
    "acknowledge",
    "return",
    "extend",
    "grant_extension",
    "reply",
    "resolve",
    "feedback",
    "rate",
    "reopen",
    "remind",
    "supervise",
    "notice",
    "close",
];

/// A complaint about a manifest, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin.toml {field}: {message}")]
pub struct ManifestError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ManifestError {
    ManifestError {
        field: field.into(),
        message: message.into(),
    }
}

/// Lowercase letters, digits and dashes, starting with a letter; 2 to 64 long.
pub fn valid_id(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Manifest {
    /// Parses and checks `text`; the error names the offending field.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let m: Manifest = toml::from_str(text).map_err(|e| err("", e.message().to_owned()))?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), ManifestError> {
        if !valid_id(&self.id) {
            return Err(err(
                "id",
                "must be 2-64 lowercase letters, digits or dashes, starting with a letter",
            ));
        }
        semver::Version::parse(&self.version)
            .map_err(|e| err("version", format!("not a semantic version: {e}")))?;
        if !SUPPORTED_WIT.contains(&self.wit.as_str()) {
            return Err(err(
                "wit",
                format!(
                    "liaison:brand@{} is not supported; this host links {}",
                    self.wit,
                    SUPPORTED_WIT.join(", ")
                ),
            ));
        }
        if self.name.zh.trim().is_empty() || self.name.en.trim().is_empty() {
            return Err(err("name", "both zh and en names are required"));
        }
        for (i, c) in self.capabilities.iter().enumerate() {
            let Some(cap) = Capability::parse(c) else {
                return Err(err(
                    format!("capabilities[{i}]"),
                    format!(
                        "unknown capability {c}; known: {}",
                        Capability::names().join(", ")
                    ),
                ));
            };
            // Versions are x.y.0 and compare as text within the supported list's order.
            let since = SUPPORTED_WIT.iter().position(|v| *v == cap.since_wit());
            let this = SUPPORTED_WIT.iter().position(|v| *v == self.wit);
            if since > this {
                return Err(err(
                    format!("capabilities[{i}]"),
                    format!(
                        "{c} comes with liaison:brand@{}; this manifest says wit = \"{}\"",
                        cap.since_wit(),
                        self.wit
                    ),
                ));
            }
        }
        for (i, a) in self.listens.iter().enumerate() {
            if !EVENT_ACTIONS.contains(&a.as_str()) {
                return Err(err(
                    format!("listens[{i}]"),
                    format!("unknown case event {a}"),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, v) in self.views.iter().enumerate() {
            if !valid_id(&v.id) || !seen.insert(("view", v.id.clone())) {
                return Err(err(
                    format!("views[{i}].id"),
                    "must be a unique id of lowercase letters, digits or dashes",
                ));
            }
            if v.audience.is_empty() {
                return Err(err(
                    format!("views[{i}].audience"),
                    "name at least one audience",
                ));
            }
        }
        for (i, a) in self.actions.iter().enumerate() {
            if !valid_id(&a.id) || !seen.insert(("action", a.id.clone())) {
                return Err(err(
                    format!("actions[{i}].id"),
                    "must be a unique id of lowercase letters, digits or dashes",
                ));
            }
            if a.audience.is_empty() {
                return Err(err(
                    format!("actions[{i}].audience"),
                    "name at least one audience",
                ));
            }
            let mut names = BTreeSet::new();
            for (j, f) in a.fields.iter().enumerate() {
                let at = format!("actions[{i}].fields[{j}]");
                if f.name.is_empty() || !names.insert(f.name.clone()) {
                    return Err(err(format!("{at}.name"), "must be present and unique"));
                }
                if f.kind == FieldKind::Select && f.options.is_empty() {
                    return Err(err(format!("{at}.options"), "a select needs options"));
                }
            }
        }
        for (i, s) in self.settings.iter().enumerate() {
            if s.name.is_empty() || !seen.insert(("setting", s.name.clone())) {
                return Err(err(
                    format!("settings[{i}].name"),
                    "must be present and unique",
                ));
            }
            if let Some(d) = &s.default {
                setting_value(s, d).map_err(|m| err(format!("settings[{i}].default"), m))?;
            }
        }
        if let Some(s) = &self.schedule
            && s.every_minutes == 0
        {
            return Err(err("schedule.every_minutes", "must be at least 1"));
        }
        Ok(())
    }

    /// The capabilities it asks for.
    pub fn requested(&self) -> BTreeSet<Capability> {
        self.capabilities
            .iter()
            .filter_map(|c| Capability::parse(c))
            .collect()
    }

    /// The view `id`, if declared.
    pub fn view(&self, id: &str) -> Option<&ViewDecl> {
        self.views.iter().find(|v| v.id == id)
    }

    /// The action `id`, if declared.
    pub fn action(&self, id: &str) -> Option<&ActionDecl> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// Checks settings ops give against the declared types and fills in defaults.
    pub fn resolve_settings(
        &self,
        given: &BTreeMap<String, serde_json::Value>,
    ) -> Result<BTreeMap<String, String>, ManifestError> {
        for k in given.keys() {
            if !self.settings.iter().any(|s| &s.name == k) {
                return Err(err(
                    format!("settings.{k}"),
                    "not a setting this plugin declares",
                ));
            }
        }
        let mut out = BTreeMap::new();
        for s in &self.settings {
            let value = match given.get(&s.name) {
                Some(v) => {
                    json_setting(s, v).map_err(|m| err(format!("settings.{}", s.name), m))?
                }
                None => match &s.default {
                    Some(d) => {
                        setting_value(s, d).map_err(|m| err(format!("settings.{}", s.name), m))?
                    }
                    None => continue,
                },
            };
            out.insert(s.name.clone(), value);
        }
        Ok(out)
    }

    /// The settings' default values, as the host passes them to `setting` at a station where
    /// ops gave none.
    pub fn default_settings(&self) -> BTreeMap<String, String> {
        self.settings
            .iter()
            .filter_map(|s| Some((s.name.clone(), setting_value(s, s.default.as_ref()?).ok()?)))
            .collect()
    }
}

fn setting_value(s: &SettingDecl, v: &toml::Value) -> Result<String, String> {
    match (s.kind, v) {
        (SettingKind::String, toml::Value::String(x)) => Ok(x.clone()),
        (SettingKind::Integer, toml::Value::Integer(i)) => Ok(i.to_string()),
        (SettingKind::Boolean, toml::Value::Boolean(b)) => Ok(b.to_string()),
        (kind, _) => Err(format!("must be a {}", kind_name(kind))),
    }
}

fn json_setting(s: &SettingDecl, v: &serde_json::Value) -> Result<String, String> {
    match (s.kind, v) {
        (SettingKind::String, serde_json::Value::String(x)) if x.chars().count() <= 2000 => {
            Ok(x.clone())
        }
        (SettingKind::Integer, serde_json::Value::Number(n)) if n.is_i64() => Ok(n.to_string()),
        (SettingKind::Boolean, serde_json::Value::Bool(b)) => Ok(b.to_string()),
        (kind, _) => Err(format!("must be a {}", kind_name(kind))),
    }
}

fn kind_name(k: SettingKind) -> &'static str {
    match k {
        SettingKind::String => "string of at most 2000 characters",
        SettingKind::Integer => "whole number",
        SettingKind::Boolean => "true or false",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "hello-brand"
version = "0.1.0"
wit = "0.1.0"
capabilities = ["storage", "cases.create"]
listens = ["submit"]
[name]
zh = "你好"
en = "Hello"
[[views]]
id = "home"
audience = ["resident"]
[views.title]
zh = "首页"
en = "Home"
[[actions]]
id = "ask"
audience = ["resident"]
[actions.title]
zh = "提问"
en = "Ask"
[[actions.fields]]
name = "kind"
label = "类别"
kind = "select"
required = true
options = [["a", "甲"], ["b", "乙"]]
[[settings]]
name = "greeting"
kind = "string"
default = "欢迎"
[[settings]]
name = "limit"
kind = "integer"
default = 3
"#;

    #[test]
    fn a_good_manifest_parses() {
        let m = Manifest::parse(GOOD).unwrap();
        assert_eq!(m.id, "hello-brand");
        assert_eq!(
            m.requested(),
            [Capability::Storage, Capability::CasesCreate]
                .into_iter()
                .collect()
        );
        assert_eq!(m.action("ask").unwrap().fields[0].options.len(), 2);
    }

    #[test]
    fn bad_manifests_name_the_field() {
        let cases = [
            (
                GOOD.replace("id = \"hello-brand\"", "id = \"Hello Brand\""),
                "id",
            ),
            (
                GOOD.replace("version = \"0.1.0\"", "version = \"one\""),
                "version",
            ),
            (GOOD.replace("wit = \"0.1.0\"", "wit = \"9.0.0\""), "wit"),
            (
                GOOD.replace("\"storage\", \"cases.create\"", "\"storage\", \"network\""),
                "capabilities[1]",
            ),
            (
                GOOD.replace("listens = [\"submit\"]", "listens = [\"explode\"]"),
                "listens[0]",
            ),
            (
                GOOD.replace("default = 3", "default = \"three\""),
                "settings[1].default",
            ),
        ];
        for (text, field) in cases {
            let e = Manifest::parse(&text).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
        assert!(Manifest::parse(&format!("{GOOD}\nunknown = 1\n")).is_err());
    }

    #[test]
    fn settings_are_typed_and_defaulted() {
        let m = Manifest::parse(GOOD).unwrap();
        let s = m.resolve_settings(&BTreeMap::new()).unwrap();
        assert_eq!(s["greeting"], "欢迎");
        assert_eq!(s["limit"], "3");
        assert_eq!(m.default_settings(), s);
        let given = [("limit".to_owned(), serde_json::json!(7))]
            .into_iter()
            .collect();
        assert_eq!(m.resolve_settings(&given).unwrap()["limit"], "7");
        let wrong = [("limit".to_owned(), serde_json::json!("seven"))]
            .into_iter()
            .collect();
        assert_eq!(
            m.resolve_settings(&wrong).unwrap_err().field,
            "settings.limit"
        );
        let unknown = [("colour".to_owned(), serde_json::json!("red"))]
            .into_iter()
            .collect();
        assert_eq!(
            m.resolve_settings(&unknown).unwrap_err().field,
            "settings.colour"
        );
    }
}
