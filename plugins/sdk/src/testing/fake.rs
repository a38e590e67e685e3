//! The in-memory fake host behind the SDK's wrappers on non-wasm32 targets. It follows the
//! real host's rules, taken from the contract crate the host uses: the same capability per
//! import, the same checks on keys, values, texts, tags, notes and dates, and the same error
//! variants; and the same scoping (one station).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use liaison_contract::FieldError;
use liaison_contract::calls::{self, Refusal};
use liaison_contract::capability::required_for;

use super::Suggestion;
use super::manifest::Manifest;
use crate::Error;
use crate::types::{Audience, CaseQuery, CaseSummary, Deputy, Level, NewCase, Shift};

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
    /// The bound of host calls per plugin call (the host's as shipped unless a test sets one).
    pub max_host_calls: u32,
    /// Host calls the current plugin call made.
    pub host_calls: u32,
    /// What the current plugin call logged, and the plugin's minute, as the host counts them.
    pub log_call: calls::LogCall,
    pub log_minute: Option<calls::LogMinute>,
    /// Log lines dropped past the caps, all calls together.
    pub log_dropped: u64,
    /// The staff notifications sent: subject and body, as the host passes them on.
    pub notices: Vec<(String, String)>,
    /// The plugin's hour of staff notifications at the station, and its bound.
    pub notice_hour: Option<calls::NoticeHour>,
    pub notices_per_hour: u32,
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
            max_host_calls: calls::MAX_HOST_CALLS,
            host_calls: 0,
            log_call: calls::LogCall::default(),
            log_minute: None,
            log_dropped: 0,
            notices: Vec::new(),
            notice_hour: None,
            notices_per_hour: calls::STAFF_NOTIFY_PER_HOUR,
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
        calls::host_call(&mut self.host_calls, self.max_host_calls).map_err(Error::Limit)?;
        match required_for(import) {
            Some(cap) if !self.has(cap.as_str()) => Err(Error::Denied(cap.as_str().to_owned())),
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

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid {
            field: e.field,
            message: e.kind.to_string(),
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(e) => e.into(),
            Refusal::Limit(m) => Error::Limit(m),
        }
    }
}

impl State {
    /// A new plugin call: its host calls and log lines count from zero (the plugin's minute
    /// of log goes on).
    pub fn begin_call(&mut self) {
        self.host_calls = 0;
        self.log_call = calls::LogCall::default();
    }

    /// Counts a call of `log`, `now` or `setting`, which have no error to return: past the
    /// bound the host stops the plugin's call (a trap), so the harness panics — the test fails
    /// as the call would fail at the host.
    fn count(&mut self, import: &str) {
        self.calls.push(import.to_owned());
        if let Err(m) = calls::host_call(&mut self.host_calls, self.max_host_calls) {
            panic!("{m}: the host stops the call at `{import}` (a trap)");
        }
    }
}

pub(crate) fn log(level: Level, message: &str) {
    with(|s| {
        s.count("log");
        let line = calls::log_line(message);
        let before = s.log_call.dropped;
        if calls::log_admit(
            &mut s.log_call,
            &mut s.log_minute,
            std::time::Instant::now(),
            line.len(),
        ) {
            s.logs.push((level, line));
        } else {
            s.log_dropped += s.log_call.dropped - before;
        }
    })
}

pub(crate) fn now() -> String {
    with(|s| {
        s.count("now");
        s.now.clone()
    })
}

pub(crate) fn setting(name: &str) -> Option<String> {
    with(|s| {
        s.count("setting");
        s.settings.get(name).cloned()
    })
}

pub(crate) fn storage_get(key: &str) -> Result<Option<Vec<u8>>, Error> {
    with(|s| {
        s.need("storage-get")?;
        calls::storage_key("key", key)?;
        Ok(s.storage.get(key).cloned())
    })
}

pub(crate) fn storage_set(key: &str, value: &[u8]) -> Result<(), Error> {
    with(|s| {
        s.need("storage-set")?;
        calls::storage_entry(key, value.len())?;
        let used: usize = s
            .storage
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        calls::storage_quota(used as i64, key, value.len(), s.storage_quota as i64)?;
        s.storage.insert(key.to_owned(), value.to_vec());
        Ok(())
    })
}

pub(crate) fn storage_delete(key: &str) -> Result<(), Error> {
    with(|s| {
        s.need("storage-delete")?;
        calls::storage_key("key", key)?;
        s.storage.remove(key);
        Ok(())
    })
}

pub(crate) fn storage_keys(prefix: &str) -> Result<Vec<String>, Error> {
    with(|s| {
        s.need("storage-keys")?;
        calls::storage_prefix(prefix)?;
        Ok(s.storage
            .keys()
            .filter(|k| k.starts_with(prefix))
            .take(calls::MAX_KEYS)
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
        out.truncate(calls::list_limit(query.limit) as usize);
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
        let description = calls::description(&case.description)?;
        let title = calls::title(case.title.as_deref(), &description)?;
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
            let t = calls::tag(t)?;
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
        let tag = calls::tag(tag)?;
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
        let note = calls::text("note", note, 1, calls::MAX_NOTE)?;
        s.case_index(id)?;
        s.annotations.push((id, note));
        Ok(())
    })
}

pub(crate) fn suggest_organisation(id: i64, organisation: &str, reason: &str) -> Result<(), Error> {
    with(|s| {
        s.need("suggest-organisation")?;
        let reason = calls::text("reason", reason, 1, calls::MAX_REASON)?;
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
        let reason = calls::text("reason", reason, 1, calls::MAX_REASON)?;
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
        let (from, to) = calls::roster_span(from, to)?;
        let mut out: Vec<Shift> = s
            .shifts
            .iter()
            .filter(|sh| calls::day("day", &sh.day).is_ok_and(|d| from <= d && d <= to))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.day, &a.half).cmp(&(&b.day, &b.half)));
        Ok(out)
    })
}

pub(crate) fn notify_staff(subject: &str, body: &str) -> Result<(), Error> {
    with(|s| {
        s.need("notify-staff")?;
        let notice = calls::staff_notice(subject, body)?;
        let per_hour = s.notices_per_hour;
        calls::notice_admit(&mut s.notice_hour, std::time::Instant::now(), per_hour)
            .map_err(Error::Limit)?;
        s.notices.push(notice);
        Ok(())
    })
}
