//! The in-memory fake host behind the SDK's wrappers on non-wasm32 targets. It follows the
//! real host's rules: the same capability per import, the same scoping (one station), the same
//! checks on keys, values, tags, notes and dates, and the same error variants.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::Suggestion;
use super::manifest::Manifest;
use crate::Error;
use crate::types::{Audience, CaseQuery, CaseSummary, Deputy, Level, NewCase, Shift};

/// The longest storage key the host accepts, in bytes.
pub(crate) const MAX_KEY: usize = 200;
/// The largest single storage value the host accepts, in bytes.
pub(crate) const MAX_VALUE: usize = 64 << 10;
/// Most keys one `storage-keys` call returns.
const MAX_KEYS: usize = 1000;
/// Most cases one `list-cases` call returns.
const MAX_LIST: u32 = 200;
/// Longest case description, in characters; shortest is 5.
const MAX_DESCRIPTION: usize = 2000;
/// Longest case title, in characters.
const MAX_TITLE: usize = 100;

/// The case statuses the host knows.
pub(crate) const STATUSES: [&str; 9] = [
    "submitted",
    "registered",
    "rejected",
    "assigned",
    "in_progress",
    "replied",
    "feedback_given",
    "reopened",
    "closed",
];

/// The category codes a fresh fake host knows (the standard set).
pub(crate) const CATEGORIES: [&str; 8] = [
    "urban_construction",
    "ecology",
    "culture_health",
    "rule_of_law",
    "economy",
    "agriculture",
    "social_security",
    "other",
];

pub(crate) struct State {
    pub station: String,
    pub audience: Audience,
    pub locale: String,
    pub now: String,
    pub granted: BTreeSet<String>,
    pub manifest: Option<Manifest>,
    pub settings: BTreeMap<String, String>,
    pub storage: BTreeMap<String, Vec<u8>>,
    pub storage_quota: usize,
    pub categories: BTreeSet<String>,
    pub organisations: BTreeSet<String>,
    pub cases: Vec<CaseSummary>,
    pub deputies: Vec<Deputy>,
    pub shifts: Vec<Shift>,
    pub created: Vec<i64>,
    pub tags: Vec<(i64, String)>,
    pub annotations: Vec<(i64, String)>,
    pub suggestions: Vec<Suggestion>,
    pub logs: Vec<(Level, String)>,
    pub calls: Vec<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            station: "lunan".into(),
            audience: Audience::Resident,
            locale: "zh".into(),
            now: "2026-03-02T09:00:00+08:00".into(),
            granted: super::CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            manifest: None,
            settings: BTreeMap::new(),
            storage: BTreeMap::new(),
            storage_quota: 1 << 20,
            categories: CATEGORIES.iter().map(|c| c.to_string()).collect(),
            organisations: BTreeSet::new(),
            cases: Vec::new(),
            deputies: Vec::new(),
            shifts: Vec::new(),
            created: Vec::new(),
            tags: Vec::new(),
            annotations: Vec::new(),
            suggestions: Vec::new(),
            logs: Vec::new(),
            calls: Vec::new(),
        }
    }
}

impl State {
    /// Requested (when a manifest is loaded) AND granted.
    pub fn has(&self, capability: &str) -> bool {
        self.granted.contains(capability)
            && self
                .manifest
                .as_ref()
                .is_none_or(|m| m.capabilities.iter().any(|c| c == capability))
    }

    /// Records the call and checks its capability, as the host does first in every import.
    fn need(&mut self, import: &str) -> Result<(), Error> {
        self.calls.push(import.to_owned());
        match required_for(import) {
            Some(cap) if !self.has(cap) => Err(Error::Denied(cap.to_owned())),
            _ => Ok(()),
        }
    }

    fn case_index(&self, id: i64) -> Result<usize, Error> {
        self.cases
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| Error::NotFound(format!("no case {id} at this station")))
    }
}

thread_local! {
    pub(crate) static STATE: RefCell<State> = RefCell::new(State::default());
}

pub(crate) fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// The capability each host import needs; `None` means always allowed.
pub(crate) fn required_for(import: &str) -> Option<&'static str> {
    match import {
        "storage-get" | "storage-set" | "storage-delete" | "storage-keys" => Some("storage"),
        "list-cases" | "get-case" => Some("cases.read"),
        "create-case" => Some("cases.create"),
        "tag-case" | "annotate-case" => Some("cases.tag"),
        "suggest-organisation" | "suggest-deputy" => Some("cases.suggest"),
        "list-deputies" | "duty-roster" => Some("deputies.read"),
        _ => None,
    }
}

fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, Error> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(if min <= 1 {
            Error::invalid(field, "must not be empty")
        } else {
            Error::invalid(field, format!("must be at least {min} characters"))
        });
    }
    if n > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

fn tag_name(t: &str) -> Result<String, Error> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > 64 || t.chars().any(char::is_control) {
        return Err(Error::invalid(
            "tag",
            "must be 1 to 64 printable characters",
        ));
    }
    Ok(t.to_owned())
}

fn default_title(description: &str) -> String {
    let first = description.lines().next().unwrap_or(description);
    let mut t: String = first.chars().take(30).collect();
    if first.chars().count() > 30 {
        t.push('…');
    }
    t
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is one.
pub(crate) fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: i64 = s[5..7].parse().ok()?;
    let d: i64 = s[8..10].parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

pub(crate) fn log(level: Level, message: &str) {
    with(|s| {
        s.calls.push("log".into());
        s.logs.push((level, message.chars().take(2000).collect()));
    })
}

pub(crate) fn now() -> String {
    with(|s| {
        s.calls.push("now".into());
        s.now.clone()
    })
}

pub(crate) fn setting(name: &str) -> Option<String> {
    with(|s| {
        s.calls.push("setting".into());
        s.settings.get(name).cloned()
    })
}

pub(crate) fn storage_get(key: &str) -> Result<Option<Vec<u8>>, Error> {
    with(|s| {
        s.need("storage-get")?;
        Ok(s.storage.get(key).cloned())
    })
}

pub(crate) fn storage_set(key: &str, value: &[u8]) -> Result<(), Error> {
    with(|s| {
        s.need("storage-set")?;
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(Error::invalid(
                "key",
                format!("must be 1 to {MAX_KEY} bytes"),
            ));
        }
        if value.len() > MAX_VALUE {
            return Err(Error::Limit(format!(
                "a value may be at most {MAX_VALUE} bytes"
            )));
        }
        let used: usize = s
            .storage
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        if used + key.len() + value.len() > s.storage_quota {
            return Err(Error::Limit(format!(
                "storage quota of {} bytes at this station is used up",
                s.storage_quota
            )));
        }
        s.storage.insert(key.to_owned(), value.to_vec());
        Ok(())
    })
}

pub(crate) fn storage_delete(key: &str) -> Result<(), Error> {
    with(|s| {
        s.need("storage-delete")?;
        s.storage.remove(key);
        Ok(())
    })
}

pub(crate) fn storage_keys(prefix: &str) -> Result<Vec<String>, Error> {
    with(|s| {
        s.need("storage-keys")?;
        Ok(s.storage
            .keys()
            .filter(|k| k.starts_with(prefix))
            .take(MAX_KEYS)
            .cloned()
            .collect())
    })
}

pub(crate) fn list_cases(query: &CaseQuery) -> Result<Vec<CaseSummary>, Error> {
    with(|s| {
        s.need("list-cases")?;
        if let Some(st) = &query.status
            && !STATUSES.contains(&st.as_str())
        {
            return Err(Error::invalid("status", format!("unknown status {st}")));
        }
        if let Some(c) = &query.category
            && !s.categories.contains(c)
        {
            return Err(Error::invalid("category", format!("unknown category {c}")));
        }
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let mut out: Vec<CaseSummary> = s
            .cases
            .iter()
            .filter(|c| query.status.as_ref().is_none_or(|st| &c.status == st))
            .filter(|c| query.category.as_ref().is_none_or(|cat| &c.category == cat))
            .filter(|c| query.tag.as_ref().is_none_or(|t| c.tags.contains(t)))
            .filter(|c| text.is_none_or(|t| c.title.contains(t) || c.description.contains(t)))
            .cloned()
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse(c.id));
        out.truncate(query.limit.clamp(1, MAX_LIST) as usize);
        Ok(out)
    })
}

pub(crate) fn get_case(id: i64) -> Result<CaseSummary, Error> {
    with(|s| {
        s.need("get-case")?;
        let i = s.case_index(id)?;
        Ok(s.cases[i].clone())
    })
}

pub(crate) fn create_case(case: &NewCase) -> Result<i64, Error> {
    with(|s| {
        s.need("create-case")?;
        if !s.categories.contains(&case.category) {
            return Err(Error::invalid(
                "category",
                format!("no category with code {}", case.category),
            ));
        }
        let description = text("description", &case.description, 5, MAX_DESCRIPTION)?;
        let title = match case
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => text("title", t, 1, MAX_TITLE)?,
            None => default_title(&description),
        };
        if let Some(code) = &case.deputy
            && !s.deputies.iter().any(|d| &d.code == code)
        {
            return Err(Error::invalid(
                "deputy",
                format!("deputy {code} does not serve at this station"),
            ));
        }
        let mut tags = Vec::new();
        for t in &case.tags {
            let t = tag_name(t)?;
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let id = s.cases.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        s.cases.push(CaseSummary {
            id,
            title,
            description,
            category: case.category.clone(),
            status: "submitted".into(),
            channel: "plugin".into(),
            created_at: s.now.clone(),
            deputy: case.deputy.clone(),
            lead_organisation: None,
            tags,
        });
        s.created.push(id);
        Ok(id)
    })
}

pub(crate) fn tag_case(id: i64, tag: &str) -> Result<(), Error> {
    with(|s| {
        s.need("tag-case")?;
        let tag = tag_name(tag)?;
        let i = s.case_index(id)?;
        if !s.cases[i].tags.contains(&tag) {
            s.cases[i].tags.push(tag.clone());
        }
        s.tags.push((id, tag));
        Ok(())
    })
}

pub(crate) fn annotate_case(id: i64, note: &str) -> Result<(), Error> {
    with(|s| {
        s.need("annotate-case")?;
        let note = text("note", note, 1, 1000)?;
        s.case_index(id)?;
        s.annotations.push((id, note));
        Ok(())
    })
}

pub(crate) fn suggest_organisation(id: i64, organisation: &str, reason: &str) -> Result<(), Error> {
    with(|s| {
        s.need("suggest-organisation")?;
        let reason = text("reason", reason, 1, 500)?;
        s.case_index(id)?;
        if !s.organisations.contains(organisation) {
            return Err(Error::invalid(
                "organisation",
                format!("no organisation {organisation}"),
            ));
        }
        s.suggestions.push(Suggestion::Organisation {
            case_id: id,
            organisation: organisation.to_owned(),
            reason,
        });
        Ok(())
    })
}

pub(crate) fn suggest_deputy(id: i64, deputy: &str, reason: &str) -> Result<(), Error> {
    with(|s| {
        s.need("suggest-deputy")?;
        let reason = text("reason", reason, 1, 500)?;
        s.case_index(id)?;
        if !s.deputies.iter().any(|d| d.code == deputy) {
            return Err(Error::invalid(
                "deputy",
                format!("deputy {deputy} does not serve at this station"),
            ));
        }
        s.suggestions.push(Suggestion::Deputy {
            case_id: id,
            deputy: deputy.to_owned(),
            reason,
        });
        Ok(())
    })
}

pub(crate) fn list_deputies() -> Result<Vec<Deputy>, Error> {
    with(|s| {
        s.need("list-deputies")?;
        Ok(s.deputies.clone())
    })
}

pub(crate) fn duty_roster(from: &str, to: &str) -> Result<Vec<Shift>, Error> {
    with(|s| {
        s.need("duty-roster")?;
        let bad = |field: &str| Error::invalid(field, "must be a date like 2026-12-01");
        let f = day_number(from).ok_or_else(|| bad("from"))?;
        let t = day_number(to).ok_or_else(|| bad("to"))?;
        if t < f || t - f > 92 {
            return Err(Error::invalid(
                "to",
                "must be on or after from, at most 92 days later",
            ));
        }
        let mut out: Vec<Shift> = s
            .shifts
            .iter()
            .filter(|sh| sh.day.as_str() >= from && sh.day.as_str() <= to)
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.day, &a.half).cmp(&(&b.day, &b.half)));
        Ok(out)
    })
}
