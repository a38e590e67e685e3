//! What the team keeps in storage, and the pure rules over it: lists typed by staff, the fair
//! rotation among members, and whether a case concerns cars.
//!
//! Storage layout (one store per station):
//!
//! | key | value |
//! |---|---|
//! | `members` | [`Members`]: deputy code → fields of expertise and whether active |
//! | `rotation` | [`Rotation`]: a running sequence and, per deputy code, how often and when last suggested |
//! | `log:<YYYY-MM>` | [`Vec<Record>`]: the cases the team took on that month (by the case's intake month), at most [`LOG_CAP`]; the newest [`LOG_MONTHS`] months are kept |
//! | `visit:<YYYY-MM-DD>:<seq>` | [`Visit`]: one enterprise visit; the newest [`VISIT_CAP`] are kept |
//! | `visit-seq` | the last visit sequence number |

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The tag on every case the team takes on.
pub const TAG: &str = "auto-team";

/// Storage key of the membership.
pub const MEMBERS: &str = "members";
/// Storage key of the rotation state.
pub const ROTATION: &str = "rotation";
/// Prefix of the monthly records of cases taken on.
pub const LOG_PREFIX: &str = "log:";
/// Prefix of the visit records.
pub const VISIT_PREFIX: &str = "visit:";
/// Storage key of the last visit sequence number.
pub const VISIT_SEQ: &str = "visit-seq";

/// Most members the team keeps.
pub const MAX_MEMBERS: usize = 60;
/// Most fields one member may list.
pub const MAX_MEMBER_FIELDS: usize = 8;
/// Longest field name, in characters.
pub const MAX_FIELD_CHARS: usize = 20;
/// Most entries of the consultation vocabulary (the manifest declares this many choices).
pub const MAX_VOCABULARY: usize = 12;
/// Most records in one month's log.
pub const LOG_CAP: usize = 800;
/// Largest month log in bytes, under the host's 64 KiB per value.
pub const MAX_LOG_BYTES: usize = 60_000;
/// How many months of logs are kept.
pub const LOG_MONTHS: usize = 6;
/// How many visits are kept.
pub const VISIT_CAP: usize = 200;

/// The default vocabulary, as the manifest's setting gives it.
pub const DEFAULT_FIELDS: [&str; 5] = [
    "二手车交易",
    "汽车维修",
    "车辆年检",
    "新能源汽车",
    "企业经营",
];
/// The default keywords, as the manifest's setting gives them.
pub const DEFAULT_KEYWORDS: [&str; 10] = [
    "汽车",
    "车辆",
    "二手车",
    "维修",
    "年检",
    "新能源",
    "充电桩",
    "4S店",
    "车险",
    "驾驶证",
];
/// The default categories picked up from other channels.
pub const DEFAULT_EVENT_CATEGORIES: [&str; 3] = ["economy", "urban_construction", "other"];
/// The default category of consultations.
pub const DEFAULT_CONSULT_CATEGORY: &str = "economy";

/// Words in a case that point at a field even when the field's own name is absent.
const FIELD_HINTS: [(&str, &str); 12] = [
    ("二手车", "二手车交易"),
    ("过户", "二手车交易"),
    ("维修", "汽车维修"),
    ("修车", "汽车维修"),
    ("保养", "汽车维修"),
    ("4s店", "汽车维修"),
    ("年检", "车辆年检"),
    ("年审", "车辆年检"),
    ("驾驶证", "车辆年检"),
    ("新能源", "新能源汽车"),
    ("充电桩", "新能源汽车"),
    ("电动车", "新能源汽车"),
];

/// One member of the team.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Fields of expertise, as staff typed them.
    pub fields: Vec<String>,
    /// Whether the member takes consultations now.
    pub active: bool,
}

/// The team: deputy code → member.
pub type Members = BTreeMap<String, Member>;

/// How often and when a member was last suggested.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// Times suggested.
    pub n: u32,
    /// The rotation sequence number of the last suggestion (0: never).
    pub last: u64,
}

/// The rotation state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// The last sequence number handed out.
    pub seq: u64,
    /// Per deputy code.
    pub turns: BTreeMap<String, Turn>,
}

impl Rotation {
    /// The turn of `code` (never suggested: zeroes).
    pub fn turn(&self, code: &str) -> Turn {
        self.turns.get(code).copied().unwrap_or_default()
    }

    /// Records that `code` was suggested now.
    pub fn record(&mut self, code: &str) {
        self.seq += 1;
        let seq = self.seq;
        let t = self.turns.entry(code.to_owned()).or_default();
        t.n += 1;
        t.last = seq;
    }

    /// The fair pick among `candidates`: the one suggested least recently (never first), then
    /// the one suggested fewest times, then the smallest code.
    pub fn pick<'a>(&self, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        candidates.into_iter().min_by(|a, b| {
            let (ta, tb) = (self.turn(a), self.turn(b));
            (ta.last, ta.n, *a).cmp(&(tb.last, tb.n, *b))
        })
    }
}

/// How a case came to the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    /// Filed by the consultation form.
    #[serde(rename = "c")]
    Consult,
    /// Picked up from a submitted case.
    #[serde(rename = "e")]
    Event,
}

/// A case the team took on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The case id.
    pub case: i64,
    /// The member suggested, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The field, if one was known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
    /// How it came.
    pub via: Via,
}

/// One enterprise visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// The enterprise visited.
    pub enterprise: String,
    /// The day of the visit, YYYY-MM-DD.
    pub date: String,
    /// The member who went, by deputy code.
    pub member: String,
    /// What came of it.
    pub outcome: String,
}

/// The key of the month log of `month` (YYYY-MM).
pub fn log_key(month: &str) -> String {
    format!("{LOG_PREFIX}{month}")
}

/// The key of a visit on `date` with sequence number `seq`.
pub fn visit_key(date: &str, seq: u64) -> String {
    format!("{VISIT_PREFIX}{date}:{seq:06}")
}

/// The month (YYYY-MM) of a date, or of an RFC 3339 time in China Standard Time (the host's
/// clock reads +08:00; a time with another offset is moved to +08:00 first).
pub fn month_of(time: &str) -> Option<String> {
    cst_date(time).map(|d| d[..7].to_owned())
}

/// The day (YYYY-MM-DD) of a date, or of an RFC 3339 time in China Standard Time.
pub fn cst_date(time: &str) -> Option<String> {
    let date = time.get(..10)?;
    let days = day_number(date)?;
    let rest = &time[10..];
    let Some(clock) = rest.strip_prefix(['T', 't', ' ']) else {
        return rest.is_empty().then(|| date.to_owned());
    };
    let shift = (|| {
        let hh: i64 = clock.get(..2)?.parse().ok()?;
        let mm: i64 = clock.get(3..5)?.parse().ok()?;
        let at = clock.find(['Z', 'z', '+', '-'])?;
        let offset = match &clock[at..] {
            "Z" | "z" => 0,
            o => {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let oh: i64 = o.get(1..3)?.parse().ok()?;
                let om: i64 = o.get(4..6)?.parse().ok()?;
                sign * (oh * 60 + om)
            }
        };
        Some((hh * 60 + mm - offset + 8 * 60).div_euclid(24 * 60))
    })();
    Some(match shift {
        Some(0) | None => date.to_owned(),
        Some(d) => civil(days + d),
    })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is one.
pub fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| s[r].parse().ok())?
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
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
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    Some(era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468)
}

/// The `YYYY-MM-DD` date of a day number (Hinnant's civil_from_days).
pub fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A list typed by staff: split on commas (Latin or Chinese), 、 and semicolons, trimmed,
/// blanks and repeats dropped, in order.
pub fn split_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split([',', '，', '、', ';', '；', '\n']) {
        let p = part.trim();
        if !p.is_empty() && !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    out
}

/// The consultation vocabulary from the setting's text: at most [`MAX_VOCABULARY`] entries
/// of at most [`MAX_FIELD_CHARS`] characters; the defaults when the text names none.
pub fn vocabulary(setting: Option<&str>) -> Vec<String> {
    let mut v: Vec<String> = split_list(setting.unwrap_or_default())
        .into_iter()
        .filter(|f| f.chars().count() <= MAX_FIELD_CHARS)
        .take(MAX_VOCABULARY)
        .collect();
    if v.is_empty() {
        v = DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect();
    }
    v
}

/// A list setting, or `defaults` when the setting names nothing.
pub fn list_or(setting: Option<&str>, defaults: &[&str]) -> Vec<String> {
    let v = split_list(setting.unwrap_or_default());
    if v.is_empty() {
        defaults.iter().map(|d| d.to_string()).collect()
    } else {
        v
    }
}

/// Whether a member's field and a wanted field are the same matter: equal, or one contains
/// the other ("新能源" and "新能源汽车").
pub fn field_matches(have: &str, want: &str) -> bool {
    let (h, w) = (have.trim(), want.trim());
    !h.is_empty() && !w.is_empty() && (h == w || h.contains(w) || w.contains(h))
}

/// Whether a case of `category` with `text` concerns cars, for these settings.
pub fn concerns_cars(
    category: &str,
    text: &str,
    categories: &[String],
    keywords: &[String],
) -> bool {
    let text = text.to_lowercase();
    categories.iter().any(|c| c == category)
        && keywords.iter().any(|k| text.contains(&k.to_lowercase()))
}

/// The field a case's text is about: the first vocabulary entry it names, else the field its
/// words hint at; `None` when neither.
pub fn detect_field(text: &str, vocabulary: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    if let Some(v) = vocabulary
        .iter()
        .find(|v| lower.contains(&v.to_lowercase()))
    {
        return Some(v.clone());
    }
    FIELD_HINTS
        .iter()
        .find(|(word, _)| lower.contains(word))
        .map(|(_, field)| field.to_string())
}

/// The active members to choose from for `field`: those whose fields match it; when none do
/// (or no field is known), every active member. Only codes in `serving` (the station's
/// deputies now) count. The flag says whether the field matched.
pub fn candidates<'a>(
    members: &'a Members,
    field: Option<&str>,
    serving: &dyn Fn(&str) -> bool,
) -> (Vec<&'a str>, bool) {
    let active: Vec<(&str, &Member)> = members
        .iter()
        .filter(|(code, m)| m.active && serving(code))
        .map(|(c, m)| (c.as_str(), m))
        .collect();
    if let Some(want) = field {
        let matching: Vec<&str> = active
            .iter()
            .filter(|(_, m)| m.fields.iter().any(|f| field_matches(f, want)))
            .map(|(c, _)| *c)
            .collect();
        if !matching.is_empty() {
            return (matching, true);
        }
    }
    (active.into_iter().map(|(c, _)| c).collect(), false)
}

/// The first `max` characters of the first line of `text`, with … when cut.
pub fn snippet(text: &str, max: usize) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut s: String = first.chars().take(max).collect();
    if first.chars().count() > max {
        s.push('…');
    }
    s
}

/// Case statuses that count as solved.
pub const SOLVED: [&str; 3] = ["replied", "feedback_given", "closed"];

/// Whether a case in `status` counts as solved.
pub fn is_solved(status: &str) -> bool {
    SOLVED.contains(&status)
}

/// Whether a case in `status` is still being handled.
pub fn is_open(status: &str) -> bool {
    !is_solved(status) && status != "rejected"
}

/// A case status in words: Chinese and English.
pub fn status_label(status: &str) -> (&str, &str) {
    match status {
        "submitted" => ("待登记", "Submitted"),
        "registered" => ("已登记", "Registered"),
        "rejected" => ("不予受理", "Rejected"),
        "assigned" => ("已交办", "Assigned"),
        "in_progress" => ("办理中", "In progress"),
        "replied" => ("已答复", "Replied"),
        "feedback_given" => ("已反馈", "Feedback given"),
        "reopened" => ("重办", "Reopened"),
        "closed" => ("已办结", "Closed"),
        other => (other, other),
    }
}

/// The order statuses are listed in.
pub const STATUS_ORDER: [&str; 9] = [
    "submitted",
    "registered",
    "assigned",
    "in_progress",
    "reopened",
    "replied",
    "feedback_given",
    "closed",
    "rejected",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn members(list: &[(&str, &[&str], bool)]) -> Members {
        list.iter()
            .map(|(c, f, a)| {
                (
                    c.to_string(),
                    Member {
                        fields: f.iter().map(|x| x.to_string()).collect(),
                        active: *a,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn lists_split_on_every_comma_and_drop_repeats() {
        assert_eq!(
            split_list(" 汽车维修，车辆年检, ,汽车维修、新能源汽车;企业经营 "),
            vec!["汽车维修", "车辆年检", "新能源汽车", "企业经营"]
        );
        assert!(split_list("  ,， ").is_empty());
    }

    #[test]
    fn the_vocabulary_falls_back_and_is_capped() {
        assert_eq!(vocabulary(None), DEFAULT_FIELDS.to_vec());
        assert_eq!(vocabulary(Some(" ")), DEFAULT_FIELDS.to_vec());
        let many: Vec<String> = (1..=20).map(|i| format!("领域{i}")).collect();
        let v = vocabulary(Some(&many.join(",")));
        assert_eq!(v.len(), MAX_VOCABULARY);
        assert_eq!(v[0], "领域1");
        let long = "长".repeat(MAX_FIELD_CHARS + 1);
        assert_eq!(vocabulary(Some(&format!("{long},摩托车"))), vec!["摩托车"]);
    }

    #[test]
    fn rotation_goes_round_among_equals() {
        let mut r = Rotation::default();
        let team = ["d2", "d1", "d3"];
        let mut order = Vec::new();
        for _ in 0..6 {
            let p = r.pick(team).unwrap().to_owned();
            r.record(&p);
            order.push(p);
        }
        assert_eq!(order, ["d1", "d2", "d3", "d1", "d2", "d3"]);
        assert_eq!(r.turn("d1"), Turn { n: 2, last: 4 });
        assert_eq!(r.pick(std::iter::empty()), None);
    }

    #[test]
    fn rotation_prefers_who_waited_longest_then_fewest_times() {
        let mut r = Rotation::default();
        r.record("a");
        r.record("b");
        r.record("a");
        // b waited longer than a; c never went.
        assert_eq!(r.pick(["a", "b"]), Some("b"));
        assert_eq!(r.pick(["a", "b", "c"]), Some("c"));
        // Equal last (both never): fewest times cannot differ, so the code decides.
        assert_eq!(r.pick(["z", "y"]), Some("y"));
    }

    #[test]
    fn candidates_match_fields_else_everyone_active() {
        let m = members(&[
            ("d1", &["汽车维修", "车辆年检"], true),
            ("d2", &["新能源"], true),
            ("d3", &["汽车维修"], false),
            ("d4", &["汽车维修"], true),
        ]);
        let all = |_: &str| true;
        assert_eq!(
            candidates(&m, Some("汽车维修"), &all),
            (vec!["d1", "d4"], true)
        );
        assert_eq!(candidates(&m, Some("新能源汽车"), &all), (vec!["d2"], true));
        assert_eq!(
            candidates(&m, Some("企业经营"), &all),
            (vec!["d1", "d2", "d4"], false)
        );
        assert_eq!(candidates(&m, None, &all), (vec!["d1", "d2", "d4"], false));
        let not_d1 = |c: &str| c != "d1";
        assert_eq!(
            candidates(&m, Some("车辆年检"), &not_d1),
            (vec!["d2", "d4"], false)
        );
    }

    #[test]
    fn cars_are_recognised_by_category_and_words() {
        let cats = list_or(None, &DEFAULT_EVENT_CATEGORIES);
        let words = list_or(None, &DEFAULT_KEYWORDS);
        assert!(concerns_cars(
            "economy",
            "二手车过户手续太复杂",
            &cats,
            &words
        ));
        assert!(concerns_cars(
            "other",
            "小区想装4s店那样的充电设施",
            &cats,
            &words
        ));
        assert!(concerns_cars(
            "urban_construction",
            "小区缺少充电桩",
            &cats,
            &words
        ));
        assert!(!concerns_cars("ecology", "汽车尾气污染严重", &cats, &words));
        assert!(!concerns_cars("economy", "菜市场摊位费太高", &cats, &words));
    }

    #[test]
    fn fields_are_detected_by_name_then_hints() {
        let v = vocabulary(None);
        assert_eq!(
            detect_field("新能源汽车电池保修问题", &v).as_deref(),
            Some("新能源汽车")
        );
        assert_eq!(
            detect_field("小区充电桩不够用", &v).as_deref(),
            Some("新能源汽车")
        );
        assert_eq!(
            detect_field("在4S店保养被多收费", &v).as_deref(),
            Some("汽车维修")
        );
        assert_eq!(
            detect_field("驾驶证到期怎么换", &v).as_deref(),
            Some("车辆年检")
        );
        assert_eq!(detect_field("车险理赔很慢", &v), None);
    }

    #[test]
    fn months_and_snippets() {
        let m = |t: &str| month_of(t);
        assert_eq!(m("2026-03-02T09:00:00+08:00").as_deref(), Some("2026-03"));
        assert_eq!(m("2026-03-02").as_deref(), Some("2026-03"));
        assert_eq!(m("bad"), None);
        assert_eq!(m("2026/03/02"), None);
        assert_eq!(m("2026-02-30"), None);
        // Times in other offsets are read in China Standard Time.
        assert_eq!(m("2026-03-31T16:30:00Z").as_deref(), Some("2026-04"));
        assert_eq!(m("2026-03-31T15:59:59.123456Z").as_deref(), Some("2026-03"));
        assert_eq!(m("2026-12-31T23:00:00+00:00").as_deref(), Some("2027-01"));
        assert_eq!(m("2026-03-01T00:30:00+09:00").as_deref(), Some("2026-02"));
        assert_eq!(
            cst_date("2024-02-28T20:00:00Z").as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            cst_date("2026-03-01T07:00:00-05:00").as_deref(),
            Some("2026-03-01")
        );
        assert_eq!(
            cst_date("2026-03-01T07:00:00+08:00").as_deref(),
            Some("2026-03-01")
        );
        for d in ["1970-01-01", "2000-02-29", "2026-12-31", "2100-03-01"] {
            assert_eq!(civil(day_number(d).unwrap()), d);
        }
        assert_eq!(snippet("\n  第一行很长很长\n第二行", 4), "第一行很…");
        assert_eq!(snippet("短", 4), "短");
        assert_eq!(visit_key("2026-03-02", 7), "visit:2026-03-02:000007");
    }

    #[test]
    fn records_stay_compact() {
        let r = Record {
            case: 42,
            member: Some("D001".into()),
            field: "汽车维修".into(),
            via: Via::Consult,
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"case":42,"member":"D001","field":"汽车维修","via":"c"}"#
        );
        let bare: Record = serde_json::from_str(r#"{"case":1,"via":"e"}"#).unwrap();
        assert_eq!(bare.member, None);
        assert_eq!(bare.field, "");
    }
}
