//! A submitted form, checked against the action's declared fields before the plugin sees it:
//! unknown names refused, values trimmed, required ones present, lengths, numbers, dates,
//! choices, checkboxes and phone numbers checked; blank optional fields left out.

use std::collections::BTreeMap;

use crate::FieldError;
// `FieldKind` here is the manifest's input kind; what is wrong with a value is a `Wrong`.
use crate::field::{FieldKind as Wrong, FormatKind};
use crate::manifest::{ActionDecl, FieldKind};

/// The longest value of a field that declares no `max_length` (or 0), in characters.
pub const DEFAULT_MAX_LENGTH: u32 = 2000;

/// A field's longest value in characters: its `max_length`, or the default when 0.
pub fn max_length(declared: u32) -> u32 {
    if declared == 0 {
        DEFAULT_MAX_LENGTH
    } else {
        declared
    }
}

/// Mainland mobiles and landlines, with optional area code: digits, an optional leading +, and
/// dashes or spaces; 7 to 15 digits.
pub fn valid_phone(phone: &str) -> bool {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(|c| c.is_ascii_digit()).count();
    body.chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        && (7..=15).contains(&digits)
}

/// Checks submitted values against the action's declared fields; returns them normalised, in
/// the declared order: trimmed, blank optional fields left out, checkboxes "true" or "false".
pub fn validate_input(
    decl: &ActionDecl,
    given: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, FieldError> {
    for k in given.keys() {
        if !decl.fields.iter().any(|f| &f.name == k) {
            return Err(FieldError::new(k, Wrong::UnknownField));
        }
    }
    let mut out = Vec::new();
    for f in &decl.fields {
        let raw = given
            .get(&f.name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default();
        let bad = |kind: Wrong| Err(FieldError::new(&f.name, kind));
        if raw.is_empty() {
            if f.required && f.kind != FieldKind::Checkbox {
                return bad(Wrong::Required);
            }
            if f.kind == FieldKind::Checkbox {
                out.push((f.name.clone(), "false".into()));
            }
            continue;
        }
        let max = max_length(f.max_length) as usize;
        if raw.chars().count() > max {
            let max = u32::try_from(max).unwrap_or(u32::MAX);
            return Err(FieldError::new(&f.name, Wrong::TooLong { max }));
        }
        let value = match f.kind {
            FieldKind::Text | FieldKind::Textarea => raw,
            FieldKind::Number => match raw.parse::<f64>() {
                Ok(n) if n.is_finite() => raw,
                _ => return bad(Wrong::Format(FormatKind::Number)),
            },
            FieldKind::Date => match chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(_) => raw,
                Err(_) => return bad(Wrong::Format(FormatKind::Date)),
            },
            FieldKind::Select => {
                if !f.options.iter().any(|(v, _)| *v == raw) {
                    return bad(Wrong::NotOneOf { choices: vec![] });
                }
                raw
            }
            FieldKind::Checkbox => match raw.as_str() {
                "true" | "on" | "1" => "true".into(),
                "false" | "0" => "false".into(),
                _ => return bad(Wrong::Format(FormatKind::Boolean)),
            },
            FieldKind::Phone => {
                if !valid_phone(&raw) {
                    return bad(Wrong::Format(FormatKind::Phone));
                }
                raw
            }
        };
        out.push((f.name.clone(), value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{FieldDecl, Names};

    #[test]
    fn input_is_checked_against_the_declared_fields() {
        let decl = ActionDecl {
            id: "ask".into(),
            audience: vec![],
            title: Names {
                zh: "问".into(),
                en: "Ask".into(),
            },
            fields: vec![
                FieldDecl {
                    name: "q".into(),
                    label: "问题".into(),
                    kind: FieldKind::Textarea,
                    required: true,
                    max_length: 5,
                    options: vec![],
                },
                FieldDecl {
                    name: "k".into(),
                    label: "类".into(),
                    kind: FieldKind::Select,
                    required: false,
                    max_length: 0,
                    options: vec![("a".into(), "甲".into())],
                },
                FieldDecl {
                    name: "n".into(),
                    label: "数".into(),
                    kind: FieldKind::Number,
                    required: false,
                    max_length: 0,
                    options: vec![],
                },
            ],
        };
        let m = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let field = |pairs: &[(&str, &str)]| validate_input(&decl, &m(pairs)).unwrap_err().field;
        assert_eq!(
            validate_input(&decl, &m(&[("q", "好")])).unwrap(),
            vec![("q".to_string(), "好".to_string())]
        );
        assert_eq!(field(&[]), "q");
        assert_eq!(field(&[("q", "太长了太长了")]), "q");
        assert_eq!(field(&[("q", "好"), ("k", "z")]), "k");
        assert_eq!(field(&[("q", "好"), ("n", "NaN?")]), "n");
        assert_eq!(field(&[("q", "好"), ("x", "1")]), "x");
    }

    #[test]
    fn phones_are_checked() {
        assert!(valid_phone("13812345678"));
        assert!(valid_phone("0576-82345678"));
        assert!(valid_phone("+86 138 1234 5678"));
        assert!(!valid_phone("call me"));
        assert!(!valid_phone("123"));
    }
}
