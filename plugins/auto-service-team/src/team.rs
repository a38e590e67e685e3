//! The team's state in storage and the steps that change it: suggesting a member by fair
//! rotation, recording the cases taken on, and the visit log.

use std::collections::BTreeMap;

use liaison_sdk::prelude::*;

use crate::model::{
    self, LOG_CAP, LOG_MONTHS, LOG_PREFIX, MAX_LOG_BYTES, MEMBERS, Members, ROTATION, Record,
    Rotation, VISIT_CAP, VISIT_PREFIX, VISIT_SEQ, Via, Visit,
};

/// The settings, read once per call.
pub struct Settings {
    /// The consultation vocabulary.
    pub vocabulary: Vec<String>,
    /// The category consultations are filed under.
    pub consult_category: String,
    /// Words that make a case a matter for the team.
    pub keywords: Vec<String>,
    /// Categories picked up from other channels.
    pub event_categories: Vec<String>,
}

impl Settings {
    /// The station's settings (defaults where a setting names nothing).
    pub fn load() -> Settings {
        let consult_category = host::setting("consult_category")
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| model::DEFAULT_CONSULT_CATEGORY.to_owned());
        Settings {
            vocabulary: model::vocabulary(host::setting("fields").as_deref()),
            consult_category,
            keywords: model::list_or(
                host::setting("keywords").as_deref(),
                &model::DEFAULT_KEYWORDS,
            ),
            event_categories: model::list_or(
                host::setting("event_categories").as_deref(),
                &model::DEFAULT_EVENT_CATEGORIES,
            ),
        }
    }
}

/// The team's membership.
pub fn members() -> Result<Members, Error> {
    storage::get_or_default(MEMBERS)
}

/// The station's deputies: code → name.
pub fn deputy_names() -> Result<BTreeMap<String, String>, Error> {
    Ok(deputies::list()?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect())
}

/// The deputies' names when `deputies.read` is granted; `None` when it is not (views then
/// show codes).
pub fn deputy_names_if_granted() -> Result<Option<BTreeMap<String, String>>, Error> {
    match deputy_names() {
        Ok(names) => Ok(Some(names)),
        Err(Error::Denied(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A member's name from `names`, or their code.
pub fn name_of<'a>(names: Option<&'a BTreeMap<String, String>>, code: &'a str) -> &'a str {
    names.and_then(|n| n.get(code)).map_or(code, String::as_str)
}

/// Who was suggested for a case, and the name to tell the resident.
pub struct Suggested {
    /// The deputy code.
    pub code: String,
    /// Whether the member's fields matched the case's field.
    pub by_field: bool,
}

/// Suggests a member for case `id` about `field` by fair rotation: among the active members
/// who are still deputies of the station and whose fields match (or all active ones when none
/// match), the one suggested least recently, then fewest times, then by code. The rotation
/// moves on only when the suggestion went through. `None` when the team has nobody to
/// suggest. `serving` is the station's deputies now, when known (`deputies.read`).
pub fn suggest(
    id: i64,
    field: Option<&str>,
    members: &Members,
    serving: Option<&BTreeMap<String, String>>,
) -> Result<Option<Suggested>, Error> {
    let (pool, by_field) = model::candidates(members, field, &|c| {
        serving.is_none_or(|s| s.contains_key(c))
    });
    let mut rotation: Rotation = storage::get_or_default(ROTATION)?;
    let Some(code) = rotation.pick(pool.iter().copied()).map(str::to_owned) else {
        return Ok(None);
    };
    let reason = match (field, by_field) {
        (Some(f), true) => format!("智慧汽车服务团：擅长「{f}」的成员按轮值跟进"),
        (Some(f), false) => format!("智慧汽车服务团：暂无擅长「{f}」的成员，按轮值跟进"),
        (None, _) => "智慧汽车服务团：按轮值跟进".to_owned(),
    };
    cases::suggest_deputy(id, &code, &reason)?;
    rotation.record(&code);
    storage::set(ROTATION, &rotation)?;
    Ok(Some(Suggested { code, by_field }))
}

/// The record of case `id` in the log of `month`, if the team took it on.
pub fn record_of(month: &str, id: i64) -> Result<Option<Record>, Error> {
    let log: Vec<Record> = storage::get_or_default(&model::log_key(month))?;
    Ok(log.into_iter().find(|r| r.case == id))
}

/// Adds `record` to the log of `month` (once per case), keeping at most [`LOG_CAP`] records
/// (and [`MAX_LOG_BYTES`]) a month and the newest [`LOG_MONTHS`] months. A full month logs a
/// warning and records no more: suggestions go on.
pub fn add_record(month: &str, record: Record) -> Result<(), Error> {
    let key = model::log_key(month);
    let mut log: Vec<Record> = storage::get_or_default(&key)?;
    if log.iter().any(|r| r.case == record.case) {
        return Ok(());
    }
    let case = record.case;
    let fresh = log.is_empty();
    log.push(record);
    let bytes = serde_json::to_vec(&log)?;
    if log.len() > LOG_CAP || bytes.len() > MAX_LOG_BYTES {
        log::warn(&format!(
            "the log of {month} is full; case {case} is not recorded"
        ));
        return Ok(());
    }
    storage::set_bytes(&key, &bytes)?;
    if fresh {
        let months = storage::keys(LOG_PREFIX)?;
        if months.len() > LOG_MONTHS {
            for old in &months[..months.len() - LOG_MONTHS] {
                storage::delete(old)?;
            }
        }
    }
    Ok(())
}

/// Every record kept (at most [`LOG_MONTHS`] months), by case id.
pub fn all_records() -> Result<BTreeMap<i64, Record>, Error> {
    let mut out = BTreeMap::new();
    for key in storage::keys(LOG_PREFIX)? {
        let log: Vec<Record> = storage::get_or_default(&key)?;
        out.extend(log.into_iter().map(|r| (r.case, r)));
    }
    Ok(out)
}

/// Builds a record.
pub fn record(case: i64, member: Option<&Suggested>, field: Option<&str>, via: Via) -> Record {
    Record {
        case,
        member: member.map(|s| s.code.clone()),
        field: field.unwrap_or_default().to_owned(),
        via,
    }
}

/// Stores a visit, keeping the newest [`VISIT_CAP`].
pub fn add_visit(visit: &Visit) -> Result<(), Error> {
    let seq = storage::update(VISIT_SEQ, |n: Option<u64>| n.unwrap_or(0) + 1)?;
    let keys = storage::keys(VISIT_PREFIX)?;
    if keys.len() >= VISIT_CAP {
        for old in &keys[..=keys.len() - VISIT_CAP] {
            storage::delete(old)?;
        }
    }
    storage::set(&model::visit_key(&visit.date, seq), visit)
}

/// The number of visits in `month` (YYYY-MM) and the newest `n` visits, newest first.
pub fn visits(month: &str, n: usize) -> Result<(usize, Vec<Visit>), Error> {
    let keys = storage::keys(VISIT_PREFIX)?;
    let prefix = format!("{VISIT_PREFIX}{month}-");
    let this_month = keys.iter().filter(|k| k.starts_with(&prefix)).count();
    let mut latest = Vec::new();
    for k in keys.iter().rev().take(n) {
        if let Some(v) = storage::get::<Visit>(k)? {
            latest.push(v);
        }
    }
    Ok((this_month, latest))
}
