//! `plugin.toml`, parsed and checked the way the host does at install, so a unit test fails
//! on a manifest the host would refuse.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::types::{Audience, FieldKind};

/// The `liaison:brand` versions this SDK builds against.
pub const SUPPORTED_WIT: &[&str] = &["0.1.0"];

/// The case event actions a plugin may listen to.
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

/// A parsed `plugin.toml`. Unknown fields are refused, as the host refuses them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Lowercase letters, digits and dashes, starting with a letter; 2 to 64 long.
    pub id: String,
    /// The plugin's semantic version.
    pub version: String,
    /// The `liaison:brand` version it targets.
    pub wit: String,
    /// Its name in Chinese and English.
    pub name: Names,
    /// The capabilities it asks for.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The case event actions delivered to `on-case-event`.
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A `[[views]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewDecl {
    /// The view id passed to `render-view`.
    pub id: String,
    /// Who may see it: resident, deputy, staff, dashboard.
    pub audience: Vec<String>,
    /// Its title.
    pub title: Names,
}

/// An `[[actions]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDecl {
    /// The action id passed to `run-action`.
    pub id: String,
    /// Who may run it.
    pub audience: Vec<String>,
    /// Its title.
    pub title: Names,
    /// The fields the host checks before the plugin sees the input.
    #[serde(default)]
    pub fields: Vec<FieldDecl>,
}

/// An `[[actions.fields]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    /// The input name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// text, textarea, number, date, select, checkbox or phone.
    pub kind: String,
    /// Whether a value must be given.
    #[serde(default)]
    pub required: bool,
    /// Longest value in characters; 0 means 2000.
    #[serde(default)]
    pub max_length: u32,
    /// For `select`: value and label pairs.
    #[serde(default)]
    pub options: Vec<(String, String)>,
}

/// A `[[settings]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingDecl {
    /// The setting's name, as passed to `setting`.
    pub name: String,
    /// string, integer or boolean.
    pub kind: String,
    /// The value when ops give none.
    pub default: Option<toml::Value>,
    /// What it is for, shown to ops.
    pub description: Option<String>,
}

/// The `[schedule]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Minutes between runs, at least 1.
    pub every_minutes: u32,
}

fn valid_id(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_semver(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

impl Manifest {
    /// Parses and checks `text`; the error names the offending field.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let m: Manifest = toml::from_str(text).map_err(|e| format!("plugin.toml: {e}"))?;
        m.check()
            .map_err(|(field, msg)| format!("plugin.toml {field}: {msg}"))?;
        Ok(m)
    }

    fn check(&self) -> Result<(), (String, String)> {
        let err = |f: &str, m: &str| Err((f.to_owned(), m.to_owned()));
        if !valid_id(&self.id) {
            return err(
                "id",
                "must be 2-64 lowercase letters, digits or dashes, starting with a letter",
            );
        }
        if !valid_semver(&self.version) {
            return err("version", "not a semantic version");
        }
        if !SUPPORTED_WIT.contains(&self.wit.as_str()) {
            return err("wit", "not a liaison:brand version this SDK supports");
        }
        if self.name.zh.trim().is_empty() || self.name.en.trim().is_empty() {
            return err("name", "both zh and en names are required");
        }
        for (i, c) in self.capabilities.iter().enumerate() {
            if !super::CAPABILITIES.contains(&c.as_str()) {
                return err(
                    &format!("capabilities[{i}]"),
                    &format!("unknown capability {c}"),
                );
            }
        }
        for (i, a) in self.listens.iter().enumerate() {
            if !EVENT_ACTIONS.contains(&a.as_str()) {
                return err(&format!("listens[{i}]"), &format!("unknown case event {a}"));
            }
        }
        let mut seen = BTreeSet::new();
        let audiences = |at: String, list: &[String]| -> Result<(), (String, String)> {
            if list.is_empty() {
                return Err((at, "name at least one audience".into()));
            }
            for a in list {
                if Audience::from_name(a).is_none() {
                    return Err((at, format!("unknown audience {a}")));
                }
            }
            Ok(())
        };
        for (i, v) in self.views.iter().enumerate() {
            if !valid_id(&v.id) || !seen.insert(("view", v.id.clone())) {
                return err(
                    &format!("views[{i}].id"),
                    "must be a unique id of lowercase letters, digits or dashes",
                );
            }
            audiences(format!("views[{i}].audience"), &v.audience)?;
        }
        for (i, a) in self.actions.iter().enumerate() {
            if !valid_id(&a.id) || !seen.insert(("action", a.id.clone())) {
                return err(
                    &format!("actions[{i}].id"),
                    "must be a unique id of lowercase letters, digits or dashes",
                );
            }
            audiences(format!("actions[{i}].audience"), &a.audience)?;
            let mut names = BTreeSet::new();
            for (j, f) in a.fields.iter().enumerate() {
                let at = format!("actions[{i}].fields[{j}]");
                if f.name.is_empty() || !names.insert(f.name.clone()) {
                    return err(&format!("{at}.name"), "must be present and unique");
                }
                let Some(kind) = FieldKind::from_name(&f.kind) else {
                    return err(&format!("{at}.kind"), "unknown field kind");
                };
                if kind == FieldKind::Select && f.options.is_empty() {
                    return err(&format!("{at}.options"), "a select needs options");
                }
            }
        }
        for (i, s) in self.settings.iter().enumerate() {
            if s.name.is_empty() || !seen.insert(("setting", s.name.clone())) {
                return err(&format!("settings[{i}].name"), "must be present and unique");
            }
            if !["string", "integer", "boolean"].contains(&s.kind.as_str()) {
                return err(
                    &format!("settings[{i}].kind"),
                    "must be string, integer or boolean",
                );
            }
            if let Some(d) = &s.default
                && setting_value(&s.kind, d).is_none()
            {
                return err(
                    &format!("settings[{i}].default"),
                    &format!("must be a {}", s.kind),
                );
            }
        }
        if let Some(s) = &self.schedule
            && s.every_minutes == 0
        {
            return err("schedule.every_minutes", "must be at least 1");
        }
        Ok(())
    }

    /// The view `id`, if declared.
    pub fn view(&self, id: &str) -> Option<&ViewDecl> {
        self.views.iter().find(|v| v.id == id)
    }

    /// The action `id`, if declared.
    pub fn action(&self, id: &str) -> Option<&ActionDecl> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// The settings' default values, as the host passes them to `setting`.
    pub fn default_settings(&self) -> Vec<(String, String)> {
        self.settings
            .iter()
            .filter_map(|s| {
                let v = setting_value(&s.kind, s.default.as_ref()?)?;
                Some((s.name.clone(), v))
            })
            .collect()
    }
}

fn setting_value(kind: &str, v: &toml::Value) -> Option<String> {
    match (kind, v) {
        ("string", toml::Value::String(x)) => Some(x.clone()),
        ("integer", toml::Value::Integer(i)) => Some(i.to_string()),
        ("boolean", toml::Value::Boolean(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn valid_phone(phone: &str) -> bool {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(|c| c.is_ascii_digit()).count();
    body.chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        && (7..=15).contains(&digits)
}

/// Checks submitted values against an action's declared fields and normalises them the way
/// the host does before calling `run-action`: values trimmed, blank optional fields left out,
/// checkboxes as "true" or "false". The error is the field and the complaint.
pub fn validate_input(
    decl: &ActionDecl,
    given: &[(&str, &str)],
) -> Result<Vec<(String, String)>, (String, String)> {
    for (k, _) in given {
        if !decl.fields.iter().any(|f| f.name == *k) {
            return Err((k.to_string(), "not a field of this form".into()));
        }
    }
    let mut out = Vec::new();
    for f in &decl.fields {
        let kind = FieldKind::from_name(&f.kind).unwrap_or(FieldKind::Text);
        let raw = given
            .iter()
            .rev()
            .find(|(k, _)| *k == f.name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        let bad = |m: &str| Err((f.name.clone(), m.to_owned()));
        if raw.is_empty() {
            if f.required && kind != FieldKind::Checkbox {
                return bad("is required");
            }
            if kind == FieldKind::Checkbox {
                out.push((f.name.clone(), "false".into()));
            }
            continue;
        }
        let max = if f.max_length == 0 {
            2000
        } else {
            f.max_length
        } as usize;
        if raw.chars().count() > max {
            return Err((f.name.clone(), format!("must be at most {max} characters")));
        }
        let value = match kind {
            FieldKind::Text | FieldKind::Textarea => raw,
            FieldKind::Number => match raw.parse::<f64>() {
                Ok(n) if n.is_finite() => raw,
                _ => return bad("must be a number"),
            },
            FieldKind::Date => match super::fake::day_number(&raw) {
                Some(_) => raw,
                None => return bad("must be a date like 2026-12-01"),
            },
            FieldKind::Select => {
                if !f.options.iter().any(|(v, _)| *v == raw) {
                    return bad("is not one of the choices");
                }
                raw
            }
            FieldKind::Checkbox => match raw.as_str() {
                "true" | "on" | "1" => "true".into(),
                "false" | "0" => "false".into(),
                _ => return bad("must be true or false"),
            },
            FieldKind::Phone => {
                if !valid_phone(&raw) {
                    return bad("must be a phone number of 7 to 15 digits");
                }
                raw
            }
        };
        out.push((f.name.clone(), value));
    }
    Ok(out)
}
