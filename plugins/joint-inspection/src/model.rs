//! The records the brand keeps, where it keeps them, and the station's settings.
//!
//! Storage layout (one key per record, every list capped):
//!
//! | key | value |
//! |---|---|
//! | `next:round` | the number of the last round planned (`u32`) |
//! | `next:finding` | the number of the last finding recorded (`u32`) |
//! | `round:00001` | a [`Round`]: date, villages, group, items, publication, and one compact [`Row`] per finding |
//! | `finding:000001` | a [`Finding`]: the full record with description and re-inspections |
//! | `case:<id>` | the finding number a case of the station was filed for (`u32`) |
//! | `leads` | [`Leads`]: residents' opinions naming a village, for planning the next round |
//!
//! A round's rows repeat what the views need of its findings, so that a view reads one value
//! per round (at most [`MAX_ROUNDS`]) instead of one per finding.

use std::collections::BTreeMap;

use liaison_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The tag on every case the brand files.
pub const TAG: &str = "joint-inspection";
/// The tag an escalated case gets.
pub const ESCALATED: &str = "escalated";

/// Most rounds a station keeps.
pub const MAX_ROUNDS: usize = 100;
/// Most findings one round holds.
pub const MAX_FINDINGS: usize = 100;
/// Most villages one round visits.
pub const MAX_VILLAGES: usize = 30;
/// Most deputies in one group.
pub const MAX_MEMBERS: usize = 12;
/// Re-inspections kept per finding (the oldest go first).
pub const MAX_CHECKS: usize = 10;
/// Case ids remembered so that a redelivered event is not counted twice.
pub const LEAD_WINDOW: usize = 200;
/// Latest case ids kept per village lead.
pub const LEAD_CASES: usize = 5;
/// Characters of a description kept in a round's row.
pub const BRIEF_CHARS: usize = 24;

/// Storage key of the last round number.
pub const NEXT_ROUND: &str = "next:round";
/// Storage key of the last finding number.
pub const NEXT_FINDING: &str = "next:finding";
/// Storage key of the village leads.
pub const LEADS: &str = "leads";
/// Prefix of the round keys.
pub const ROUND_PREFIX: &str = "round:";

/// Storage key of round `n`.
pub fn round_key(n: u32) -> String {
    format!("{ROUND_PREFIX}{n:05}")
}

/// Storage key of finding `n`.
pub fn finding_key(n: u32) -> String {
    format!("finding:{n:06}")
}

/// Storage key of the finding a case was filed for.
pub fn case_key(case_id: i64) -> String {
    format!("case:{case_id}")
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// Form value, Chinese label, English label.
    pub const CHOICES: [(Severity, &'static str, &'static str, &'static str); 3] = [
        (Severity::Low, "low", "轻微", "Minor"),
        (Severity::Medium, "medium", "一般", "Moderate"),
        (Severity::High, "high", "严重", "Serious"),
    ];

    pub fn from_code(code: &str) -> Option<Severity> {
        Self::CHOICES.iter().find(|c| c.1 == code).map(|c| c.0)
    }

    fn entry(self) -> &'static (Severity, &'static str, &'static str, &'static str) {
        Self::CHOICES
            .iter()
            .find(|c| c.0 == self)
            .expect("every severity is a choice")
    }

    pub fn zh(self) -> &'static str {
        self.entry().2
    }

    pub fn label(self, ctx: &Context) -> &'static str {
        let e = self.entry();
        ctx.pick(e.2, e.3)
    }
}

/// Where a finding stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Recorded, not yet put right.
    Open,
    /// The handling organisation answered its case: awaiting re-inspection.
    Replied,
    /// Found not put right at a re-inspection: its case was escalated.
    Escalated,
    /// Found put right at a re-inspection.
    Fixed,
}

impl Status {
    pub fn label(self, ctx: &Context) -> &'static str {
        match self {
            Status::Open => ctx.pick("待整改", "Open"),
            Status::Replied => ctx.pick("已答复待复查", "Answered, to re-inspect"),
            Status::Escalated => ctx.pick("复查未改·已督办", "Escalated"),
            Status::Fixed => ctx.pick("已整改", "Fixed"),
        }
    }
}

/// One re-inspection of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub on: String,
    pub fixed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A finding, in full (`finding:NNNNNN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: u32,
    pub round: u32,
    pub village: String,
    pub item: String,
    pub severity: Severity,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<i64>,
    pub status: Status,
    pub recorded_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_on: Option<String>,
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// What a round keeps of each of its findings, for the views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: u32,
    pub village: String,
    pub item: String,
    pub severity: Severity,
    pub status: Status,
    /// The first characters of the description.
    pub brief: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_on: Option<String>,
}

impl From<&Finding> for Row {
    fn from(f: &Finding) -> Row {
        let mut brief: String = f.description.chars().take(BRIEF_CHARS).collect();
        if f.description.chars().count() > BRIEF_CHARS {
            brief.push('…');
        }
        Row {
            id: f.id,
            village: f.village.clone(),
            item: f.item.clone(),
            severity: f.severity,
            status: f.status,
            brief,
            photo: f.photo.clone(),
            deadline: f.deadline.clone(),
            case: f.case,
            fixed_on: f.fixed_on.clone(),
        }
    }
}

impl Row {
    /// Not fixed and past its deadline on `today`.
    pub fn overdue(&self, today: &str) -> bool {
        self.status != Status::Fixed && self.deadline.as_deref().is_some_and(|d| d < today)
    }
}

/// An inspection round (`round:NNNNN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub id: u32,
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub villages: Vec<String>,
    /// Deputy codes.
    pub members: Vec<String>,
    pub items: Vec<String>,
    /// The day it was published, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default)]
    pub findings: Vec<Row>,
}

impl Round {
    /// Puts the finding's row in place (or appends it).
    pub fn sync(&mut self, f: &Finding) {
        let row = Row::from(f);
        match self.findings.iter_mut().find(|r| r.id == f.id) {
            Some(r) => *r = row,
            None => self.findings.push(row),
        }
    }
}

/// Residents' opinions that name a village (`leads`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leads {
    /// The latest case ids counted, so that a redelivered event counts once.
    #[serde(default)]
    pub seen: Vec<i64>,
    #[serde(default)]
    pub villages: BTreeMap<String, Lead>,
}

/// The opinions naming one village.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub count: u32,
    pub last_on: String,
    /// The latest case ids, newest first.
    pub cases: Vec<i64>,
}

/// "R3" for round 3.
pub fn round_label(n: u32) -> String {
    format!("R{n}")
}

/// "F12" for finding 12.
pub fn finding_label(n: u32) -> String {
    format!("F{n}")
}

/// The number in an id typed as "R3", "r3", "3" (for `prefix` 'R'); `Invalid` naming `field`.
pub fn parse_id(text: &str, prefix: char, field: &str) -> Result<u32, Error> {
    let t = text.trim();
    let digits = t
        .strip_prefix(prefix)
        .or_else(|| t.strip_prefix(prefix.to_ascii_lowercase()))
        .unwrap_or(t)
        .trim();
    match digits.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::invalid(
            field,
            format!("请填写编号，如 {prefix}1（Give an id such as {prefix}1）"),
        )),
    }
}

/// Splits a list typed with commas (either width), 、, semicolons or spaces; trimmed, blanks
/// and repeats left out, order kept.
pub fn split_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in
        text.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace())
    {
        let p = part.trim();
        if !p.is_empty() && !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    out
}

/// Whether `s` looks like a `YYYY-MM-DD` date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The station's settings, read once per call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub villages: Vec<String>,
    pub checklist: Vec<String>,
    /// The organisation suggested for a rectification case, if any.
    pub organisation: Option<String>,
    /// Villages with an office of their own: village and organisation code.
    pub offices: Vec<(String, String)>,
    pub category: String,
}

impl Settings {
    pub fn load() -> Settings {
        let offices = split_list(&host::setting_or("village_offices", ""))
            .into_iter()
            .filter_map(|pair| {
                let (v, o) = pair.split_once(['=', ':', '：'])?;
                let (v, o) = (v.trim(), o.trim());
                (!v.is_empty() && !o.is_empty()).then(|| (v.to_owned(), o.to_owned()))
            })
            .collect();
        let organisation = host::setting_or("organisation", "").trim().to_owned();
        let category = host::setting_or("category", "ecology").trim().to_owned();
        Settings {
            villages: split_list(&host::setting_or("villages", "")),
            checklist: split_list(&host::setting_or("checklist", "")),
            organisation: (!organisation.is_empty()).then_some(organisation),
            offices,
            category: if category.is_empty() {
                "ecology".into()
            } else {
                category
            },
        }
    }

    /// The organisation to suggest for a finding in `village`.
    pub fn office_for(&self, village: &str) -> Option<&str> {
        self.offices
            .iter()
            .find(|(v, _)| v == village)
            .map(|(_, o)| o.as_str())
            .or(self.organisation.as_deref())
    }

    /// The place of `village` in the settings' list (unknown ones last).
    pub fn village_order(&self, village: &str) -> usize {
        self.villages
            .iter()
            .position(|v| v == village)
            .unwrap_or(usize::MAX)
    }
}

// ---- Storage ----

pub fn load_round(n: u32) -> Result<Option<Round>, Error> {
    storage::get(&round_key(n))
}

pub fn save_round(round: &Round) -> Result<(), Error> {
    storage::set(&round_key(round.id), round)
}

/// Every round, oldest first.
pub fn all_rounds() -> Result<Vec<Round>, Error> {
    let mut rounds = Vec::new();
    for key in storage::keys(ROUND_PREFIX)? {
        if let Some(r) = storage::get::<Round>(&key)? {
            rounds.push(r);
        }
    }
    rounds.sort_by_key(|r| r.id);
    Ok(rounds)
}

pub fn load_finding(n: u32) -> Result<Option<Finding>, Error> {
    storage::get(&finding_key(n))
}

pub fn save_finding(f: &Finding) -> Result<(), Error> {
    storage::set(&finding_key(f.id), f)
}

// ---- The ranking ----

/// One village's line in the ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub village: String,
    /// Rounds that visited it.
    pub visits: u32,
    pub findings: u32,
    pub fixed: u32,
    /// Not fixed and past the deadline.
    pub overdue: u32,
}

impl Tally {
    /// The rectification rate in whole percent, rounded; `None` without findings.
    pub fn rate(&self) -> Option<u32> {
        (self.findings > 0).then(|| (self.fixed * 200 + self.findings) / (self.findings * 2))
    }

    /// "80%", or "—" without findings.
    pub fn rate_text(&self) -> String {
        self.rate().map_or_else(|| "—".into(), |r| format!("{r}%"))
    }
}

/// The ranking over `rounds`: every village they visited, best first — by rectification rate
/// (a village with no findings counts as fully rectified), then fewer findings, then the
/// settings' order.
pub fn ranking<'a>(
    rounds: impl IntoIterator<Item = &'a Round>,
    settings: &Settings,
    today: &str,
) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = Vec::new();
    fn entry<'t>(tallies: &'t mut Vec<Tally>, village: &str) -> &'t mut Tally {
        match tallies.iter().position(|t| t.village == village) {
            Some(i) => &mut tallies[i],
            None => {
                tallies.push(Tally {
                    village: village.to_owned(),
                    visits: 0,
                    findings: 0,
                    fixed: 0,
                    overdue: 0,
                });
                tallies.last_mut().expect("just pushed")
            }
        }
    }
    for round in rounds {
        for v in &round.villages {
            entry(&mut tallies, v).visits += 1;
        }
        for row in &round.findings {
            let t = entry(&mut tallies, &row.village);
            t.findings += 1;
            if row.status == Status::Fixed {
                t.fixed += 1;
            }
            if row.overdue(today) {
                t.overdue += 1;
            }
        }
    }
    tallies.sort_by(|a, b| {
        // Compare fixed/findings as fractions; no findings counts as 1/1.
        let (an, ad) = if a.findings == 0 {
            (1, 1)
        } else {
            (a.fixed, a.findings)
        };
        let (bn, bd) = if b.findings == 0 {
            (1, 1)
        } else {
            (b.fixed, b.findings)
        };
        (u64::from(bn) * u64::from(ad))
            .cmp(&(u64::from(an) * u64::from(bd)))
            .then(a.findings.cmp(&b.findings))
            .then(
                settings
                    .village_order(&a.village)
                    .cmp(&settings.village_order(&b.village)),
            )
            .then(a.village.cmp(&b.village))
    });
    tallies
}

/// The villages of `list` that `text` names: by full name, or by the name without its
/// trailing 村 or 社区 (at least two characters, and not the start of a town's name, 金清镇).
pub fn villages_named(text: &str, list: &[String]) -> Vec<String> {
    list.iter()
        .filter(|v| {
            if text.contains(v.as_str()) {
                return true;
            }
            let short = v
                .strip_suffix("社区")
                .or_else(|| v.strip_suffix('村'))
                .unwrap_or(v);
            if short.chars().count() < 2 || short == v.as_str() {
                return false;
            }
            text.match_indices(short).any(|(i, _)| {
                !text[i + short.len()..].starts_with(['镇', '街', '乡', '区', '县', '市'])
            })
        })
        .cloned()
        .collect()
}
