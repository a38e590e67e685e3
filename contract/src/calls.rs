//! What the host's imports accept from a plugin: the sizes of storage keys and values and the
//! station's quota, texts (descriptions, titles, notes, reasons), tags, how many cases and keys
//! one call lists, and how long a roster span may be. The host refuses anything else with the
//! same `invalid` or `limit` answer the SDK's fake host gives.

use chrono::NaiveDate;

use crate::{FieldError, FieldKind, FormatKind};

/// The longest storage key, in bytes (the shortest is 1).
pub const MAX_KEY: usize = 200;
/// The largest single storage value, in bytes.
pub const MAX_VALUE: usize = 64 << 10;
/// Most keys one `storage-keys` call returns.
pub const MAX_KEYS: usize = 1000;
/// Most cases one `list-cases` call returns.
pub const MAX_LIST: u32 = 200;
/// The longest span of one `duty-roster` call, in days.
pub const MAX_ROSTER_DAYS: i64 = 92;
/// The shortest case description, in characters.
pub const MIN_DESCRIPTION: usize = 5;
/// The longest case description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// The longest case title, in characters.
pub const MAX_TITLE: usize = 100;
/// The longest tag, in characters.
pub const MAX_TAG: usize = 64;
/// The longest note `annotate-case` takes, in characters.
pub const MAX_NOTE: usize = 1000;
/// The longest reason a suggestion takes, in characters.
pub const MAX_REASON: usize = 500;
/// The longest line `log` keeps, in characters (the rest is cut).
pub const MAX_LOG: usize = 2000;
/// Most log lines one plugin call writes; later lines are dropped, with one marker.
pub const MAX_LOG_LINES_PER_CALL: u32 = 100;
/// Most log bytes one plugin call writes; later lines are dropped, with one marker.
pub const MAX_LOG_BYTES_PER_CALL: usize = 64 << 10;
/// Most log lines one plugin writes per minute, all stations and calls together.
pub const MAX_LOG_LINES_PER_MINUTE: u32 = 1000;
/// Most log bytes one plugin writes per minute, all stations and calls together.
pub const MAX_LOG_BYTES_PER_MINUTE: usize = 1 << 20;

/// Host calls one plugin call may make as shipped (ops may set another bound). Every import
/// counts; see [`host_call`].
pub const MAX_HOST_CALLS: u32 = 1000;

/// Longest subject of `notify-staff`, in characters (one line).
pub const MAX_NOTICE_SUBJECT: usize = 100;
/// Longest body of `notify-staff`, in characters.
pub const MAX_NOTICE_BODY: usize = 1000;
/// `notify-staff` calls one plugin may make per station per hour as shipped (ops may set
/// another number in `[plugins]`, `staff_notify_per_hour`).
pub const STAFF_NOTIFY_PER_HOUR: u32 = 10;

/// The subject and body of a `notify-staff` call, checked and trimmed: the subject one line
/// of 1 to [`MAX_NOTICE_SUBJECT`] characters, the body 1 to [`MAX_NOTICE_BODY`] (line breaks
/// allowed), neither with control or bidi characters.
pub fn staff_notice(subject: &str, body: &str) -> Result<(String, String), FieldError> {
    let subject = text("subject", subject, 1, MAX_NOTICE_SUBJECT)?;
    if subject.contains(['\n', '\r', '\t']) {
        return Err(FieldError::new("subject", FieldKind::ControlCharacters));
    }
    Ok((subject, text("body", body, 1, MAX_NOTICE_BODY)?))
}

/// The hour in which one plugin's `notify-staff` calls at one station are counted.
#[derive(Debug, Clone, Copy)]
pub struct NoticeHour {
    pub from: std::time::Instant,
    pub sent: u32,
}

/// Whether one more `notify-staff` call fits in the plugin's hour at the station (a new hour
/// starts when the last one is over); counts it if so, says the limit if not.
pub fn notice_admit(
    hour: &mut Option<NoticeHour>,
    now: std::time::Instant,
    per_hour: u32,
) -> Result<(), String> {
    let h = hour.get_or_insert(NoticeHour { from: now, sent: 0 });
    if now.duration_since(h.from) >= std::time::Duration::from_secs(3600) {
        *h = NoticeHour { from: now, sent: 0 };
    }
    if h.sent >= per_hour {
        return Err(format!(
            "more than {per_hour} staff notifications in an hour at this station"
        ));
    }
    h.sent += 1;
    Ok(())
}

/// Counts one host call of a plugin call that made `count` before, against `max`: past the
/// bound, what the host says. Imports with an error to return answer it as `limit`; `log`,
/// `now` and `setting` have none, so the host stops the call there (a trap).
pub fn host_call(count: &mut u32, max: u32) -> Result<(), String> {
    *count = count.saturating_add(1);
    if *count > max {
        return Err(format!("more than {max} host calls in one call"));
    }
    Ok(())
}

/// What one plugin logged in the current minute, all its calls (and stations) together.
#[derive(Debug, Clone, Copy)]
pub struct LogMinute {
    pub from: std::time::Instant,
    pub lines: u32,
    pub bytes: usize,
}

/// What one plugin call logged, and how many lines it had dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogCall {
    pub lines: u32,
    pub bytes: usize,
    pub dropped: u64,
}

/// Whether a log line of `bytes` (already cut by [`log_line`]) may still be written: within
/// the call's caps ([`MAX_LOG_LINES_PER_CALL`], [`MAX_LOG_BYTES_PER_CALL`]) and the plugin's
/// minute ([`MAX_LOG_LINES_PER_MINUTE`], [`MAX_LOG_BYTES_PER_MINUTE`]; a new minute starts when
/// the last one is over). A line that may is counted in both; one that may not is counted as
/// dropped in `call`.
pub fn log_admit(
    call: &mut LogCall,
    minute: &mut Option<LogMinute>,
    now: std::time::Instant,
    bytes: usize,
) -> bool {
    let call_ok =
        call.lines < MAX_LOG_LINES_PER_CALL && call.bytes + bytes <= MAX_LOG_BYTES_PER_CALL;
    let fits = call_ok && {
        let m = minute.get_or_insert(LogMinute {
            from: now,
            lines: 0,
            bytes: 0,
        });
        if now.duration_since(m.from) >= std::time::Duration::from_secs(60) {
            *m = LogMinute {
                from: now,
                lines: 0,
                bytes: 0,
            };
        }
        let fits =
            m.lines < MAX_LOG_LINES_PER_MINUTE && m.bytes + bytes <= MAX_LOG_BYTES_PER_MINUTE;
        if fits {
            m.lines += 1;
            m.bytes += bytes;
        }
        fits
    };
    if fits {
        call.lines += 1;
        call.bytes += bytes;
    } else {
        call.dropped += 1;
    }
    fits
}

/// Why a host call refuses what the plugin passed: a field that is not acceptable, or a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Invalid(FieldError),
    Limit(String),
}

impl From<FieldError> for Refusal {
    fn from(e: FieldError) -> Self {
        Refusal::Invalid(e)
    }
}

/// Text that people typed: free of control characters and bidi overrides
/// ([`crate::hygiene`]), trimmed of whitespace and invisible characters, not shorter than `min`
/// characters (an empty one "must not be empty" when `min` is 1), not longer than `max`.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    crate::hygiene::check(field, value)?;
    // Invisible characters at the ends count as blanks: text made only of them is empty.
    let v = crate::hygiene::trim(value);
    let n = v.chars().count();
    if n < min {
        return Err(if min <= 1 {
            FieldError::new(field, FieldKind::Blank)
        } else {
            FieldError::new(field, FieldKind::TooShort { min: count(min) })
        });
    }
    if n > max {
        return Err(FieldError::new(
            field,
            FieldKind::TooLong { max: count(max) },
        ));
    }
    Ok(v.to_owned())
}

/// A limit as the field kinds carry it (limits are small; a larger one is shown as the largest).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A case's description: [`MIN_DESCRIPTION`] to [`MAX_DESCRIPTION`] characters, trimmed.
pub fn description(value: &str) -> Result<String, FieldError> {
    text("description", value, MIN_DESCRIPTION, MAX_DESCRIPTION)
}

/// A title from the first words of the description when none is given.
pub fn default_title(description: &str) -> String {
    let first_line = description.lines().next().unwrap_or(description);
    let mut t: String = first_line.chars().take(30).collect();
    if first_line.chars().count() > 30 {
        t.push('…');
    }
    t
}

/// A case's title: the given one (trimmed, at most [`MAX_TITLE`] characters), or, when none or
/// a blank one is given, the first words of the description.
pub fn title(given: Option<&str>, description: &str) -> Result<String, FieldError> {
    match given.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => text("title", t, 1, MAX_TITLE),
        None => Ok(default_title(description)),
    }
}

/// A tag: trimmed, 1 to [`MAX_TAG`] printable characters.
pub fn tag(value: &str) -> Result<String, FieldError> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > MAX_TAG || t.chars().any(char::is_control) {
        return Err(FieldError::new(
            "tag",
            FieldKind::Format(FormatKind::Tag {
                max: count(MAX_TAG),
            }),
        ));
    }
    Ok(t.to_owned())
}

/// What a `log` line keeps.
pub fn log_line(message: &str) -> String {
    message.chars().take(MAX_LOG).collect()
}

/// How many cases a `list-cases` asking for `limit` returns at most.
pub fn list_limit(limit: u32) -> u32 {
    limit.clamp(1, MAX_LIST)
}

/// A `YYYY-MM-DD` date passed as `field`.
pub fn day(field: &str, value: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, FieldKind::Format(FormatKind::Date)))
}

/// The days of a `duty-roster` call: both dates, `to` on or after `from` and at most
/// [`MAX_ROSTER_DAYS`] later.
pub fn roster_span(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let (from, to) = (day("from", from)?, day("to", to)?);
    if to < from || (to - from).num_days() > MAX_ROSTER_DAYS {
        return Err(FieldError::new(
            "to",
            FieldKind::DateSpan {
                max_days: MAX_ROSTER_DAYS.unsigned_abs() as u32,
            },
        ));
    }
    Ok((from, to))
}

/// A storage key: 1 to [`MAX_KEY`] bytes of printable text — no control characters (tab and
/// line breaks included), no bidi controls, no invisible characters. (A NUL-prefixed key used
/// to slip past the quota: SQLite's `LENGTH` stops at NUL.)
pub fn storage_key(field: &str, key: &str) -> Result<(), FieldError> {
    let printable = key
        .chars()
        .all(|c| !c.is_control() && !crate::hygiene::forbidden(c) && !crate::link::invisible(c));
    if key.is_empty() || key.len() > MAX_KEY || !printable {
        let max = count(MAX_KEY);
        return Err(FieldError::new(
            field,
            FieldKind::Format(FormatKind::StorageKey { max }),
        ));
    }
    Ok(())
}

/// A prefix `storage-keys` takes: empty (every key), or up to [`MAX_KEY`] bytes of what a key
/// may hold ([`storage_key`]). It is matched exactly, byte for byte (no patterns, no case
/// folding).
pub fn storage_prefix(prefix: &str) -> Result<(), FieldError> {
    if prefix.is_empty() {
        return Ok(());
    }
    storage_key("prefix", prefix)
}

/// A storage key and value by their sizes: a key by [`storage_key`], a value of at most
/// [`MAX_VALUE`] bytes.
pub fn storage_entry(key: &str, value_len: usize) -> Result<(), Refusal> {
    storage_key("key", key)?;
    if value_len > MAX_VALUE {
        return Err(Refusal::Limit(format!(
            "a value may be at most {MAX_VALUE} bytes"
        )));
    }
    Ok(())
}

/// Whether storing `key` with a value of `value_len` bytes fits the station's `quota`, when the
/// plugin's other keys and values there take `used_by_others` bytes. Everything is counted in
/// bytes (UTF-8 for keys): a key of 66 Chinese characters takes 198.
pub fn storage_quota(
    used_by_others: i64,
    key: &str,
    value_len: usize,
    quota: i64,
) -> Result<(), Refusal> {
    if used_by_others + (key.len() + value_len) as i64 > quota {
        return Err(Refusal::Limit(format!(
            "storage quota of {quota} bytes at this station is used up"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(text("note", "  好  ", 1, 3).unwrap(), "好");
        assert_eq!(
            text("note", "  ", 1, 3).unwrap_err().kind.to_string(),
            "must not be empty"
        );
        assert_eq!(
            description("太短").unwrap_err(),
            FieldError::new("description", FieldKind::TooShort { min: 5 })
        );
        assert_eq!(
            text("reason", "四个字了", 1, 3)
                .unwrap_err()
                .kind
                .to_string(),
            "must be at most 3 characters"
        );
        let long = "路".repeat(40);
        assert_eq!(
            title(Some("  "), &long).unwrap(),
            format!("{}…", "路".repeat(30))
        );
        assert_eq!(title(None, "第一行\n第二行").unwrap(), "第一行");
        assert_eq!(title(Some(" 灯 "), &long).unwrap(), "灯");
        assert_eq!(tag(" urgent ").unwrap(), "urgent");
        assert_eq!(tag("a\nb").unwrap_err().field, "tag");
        assert_eq!(list_limit(0), 1);
        assert_eq!(list_limit(5000), MAX_LIST);
    }

    #[test]
    fn host_calls_and_logs_are_bounded() {
        let mut n = 0;
        for _ in 0..3 {
            assert!(host_call(&mut n, 3).is_ok());
        }
        assert_eq!(
            host_call(&mut n, 3).unwrap_err(),
            "more than 3 host calls in one call"
        );
        let t0 = std::time::Instant::now();
        let mut minute = None;
        let mut kept = 0;
        for _ in 0..11 {
            let mut call = LogCall::default();
            for _ in 0..150 {
                kept += usize::from(log_admit(&mut call, &mut minute, t0, 10));
            }
            assert!(call.lines <= MAX_LOG_LINES_PER_CALL);
            assert_eq!(call.dropped, 150 - u64::from(call.lines));
        }
        assert_eq!(kept, MAX_LOG_LINES_PER_MINUTE as usize, "the minute's cap");
        let later = t0 + std::time::Duration::from_secs(61);
        assert!(
            log_admit(&mut LogCall::default(), &mut minute, later, 10),
            "a new minute"
        );
        let mut call = LogCall::default();
        assert!(!log_admit(
            &mut call,
            &mut None,
            t0,
            MAX_LOG_BYTES_PER_CALL + 1
        ));
    }

    #[test]
    fn roster_spans_and_storage_are_bounded() {
        assert!(roster_span("2026-01-01", "2026-04-03").is_ok(), "92 days");
        assert_eq!(
            roster_span("2026-01-01", "2026-04-04").unwrap_err().field,
            "to"
        );
        assert_eq!(
            roster_span("2026-03-02", "2026-03-01").unwrap_err().field,
            "to"
        );
        assert_eq!(
            roster_span("2026-02-30", "2026-03-01").unwrap_err().field,
            "from"
        );
        assert!(storage_entry("k", MAX_VALUE).is_ok());
        assert!(matches!(storage_entry("", 1), Err(Refusal::Invalid(e)) if e.field == "key"));
        assert!(matches!(
            storage_entry(&"k".repeat(MAX_KEY + 1), 1),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            storage_entry("k", MAX_VALUE + 1),
            Err(Refusal::Limit(_))
        ));
        assert!(storage_quota(60, "k", 3, 64).is_ok());
        assert!(matches!(
            storage_quota(61, "k", 3, 64),
            Err(Refusal::Limit(_))
        ));
    }
}
