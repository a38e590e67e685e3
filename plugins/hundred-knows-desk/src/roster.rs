//! The sitting roster: a weekly pattern (weekday × half-day → deputy), exceptions for single
//! days, and the station's official duty shifts from the host, resolved into who sits when.

use std::collections::BTreeMap;

use liaison_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::{self, Half};

/// Storage key of the weekly pattern: `{"1am": "D01", …}` (weekday 1-7 and half → deputy code).
pub const PATTERN: &str = "roster:pattern";
/// Storage key of the exceptions: `{"2026-03-05:am": "D02" | null}`, null meaning no sitting.
pub const EXCEPTIONS: &str = "roster:exceptions";
/// Storage key of the gaps the schedule last found for the next day.
pub const GAPS: &str = "roster:gaps";

/// How far ahead an exception may be set, in days (the host's roster reads at most 92 days).
pub const EXCEPTION_HORIZON: i64 = 92;

/// The weekly pattern, keyed by [`slot`].
pub type Pattern = BTreeMap<String, String>;
/// The exceptions, keyed by [`exception_key`]; `None` cancels the sitting.
pub type Exceptions = BTreeMap<String, Option<String>>;

/// The pattern's key of a weekday (1-7) and half, e.g. `1am`.
pub fn slot(weekday: u8, half: Half) -> String {
    format!("{weekday}{}", half.code())
}

/// The exceptions' key of a day and half, e.g. `2026-03-05:am`.
pub fn exception_key(date: &str, half: Half) -> String {
    format!("{date}:{}", half.code())
}

/// Why a deputy sits in a half-day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The weekly pattern.
    Pattern,
    /// An exception for that day.
    Exception,
    /// The station's official duty roster (值班).
    Duty,
}

/// One deputy in a sitting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seat {
    /// The deputy's public code.
    pub code: String,
    /// Where the seat comes from.
    pub source: Source,
}

/// One half-day, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sitting {
    /// Day number (see [`dates::day_number`]).
    pub day: i64,
    /// Morning or afternoon.
    pub half: Half,
    /// Who sits, pattern or exception first, then official duty shifts.
    pub seats: Vec<Seat>,
    /// Whether someone is meant to sit: an open weekday, a pattern slot or an exception.
    pub expected: bool,
    /// Whether an exception cancelled the sitting.
    pub cancelled: bool,
}

impl Sitting {
    /// The day as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        dates::date_of(self.day)
    }

    /// Someone was meant to sit and nobody does.
    pub fn is_gap(&self) -> bool {
        self.expected && self.seats.is_empty()
    }
}

/// A gap the schedule recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// "am" or "pm".
    pub half: String,
    /// "empty" (nobody in the weekly pattern) or "cancelled" (an exception cancelled it).
    pub reason: String,
}

/// What the schedule found for one day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gaps {
    /// The day checked, `YYYY-MM-DD`.
    pub day: String,
    /// Its half-days without a deputy.
    pub gaps: Vec<Gap>,
    /// When it was checked (RFC 3339).
    pub checked_at: String,
}

/// The weekdays (1-7) the desk is meant to sit, from the `open_days` setting: numbers and
/// ranges separated by commas or spaces, e.g. `1,2,3,4,5` or `1-5`.
pub fn open_days() -> [bool; 8] {
    let raw = host::setting_or("open_days", "1-5");
    let mut open = [false; 8];
    for part in raw.split([',', '，', '、', ' ', ';']) {
        let part = part.trim();
        let (a, b) = match part.split_once(['-', '~']) {
            Some((a, b)) => (a.trim().parse::<usize>(), b.trim().parse::<usize>()),
            None => (part.parse(), part.parse()),
        };
        if let (Ok(a), Ok(b)) = (a, b) {
            let (a, b) = (a.max(1), b.min(7));
            if a <= b {
                open[a..=b].fill(true);
            }
        }
    }
    open
}

/// Everything needed to say who sits when over a span of days.
pub struct Roster {
    /// The weekly pattern.
    pub pattern: Pattern,
    /// The exceptions.
    pub exceptions: Exceptions,
    /// The official duty shifts in the span.
    pub shifts: Vec<Shift>,
    /// Whether the host refused the duty roster (`deputies.read` not granted).
    pub duty_denied: bool,
    open: [bool; 8],
}

impl Roster {
    /// Loads the pattern, exceptions and the official shifts from `from` to `to` (day numbers).
    pub fn load(from: i64, to: i64) -> Result<Roster, Error> {
        let pattern = storage::get_or_default(PATTERN)?;
        let exceptions = storage::get_or_default(EXCEPTIONS)?;
        let (shifts, duty_denied) =
            match deputies::roster(&dates::date_of(from), &dates::date_of(to)) {
                Ok(s) => (s, false),
                Err(Error::Denied(_)) => (Vec::new(), true),
                Err(e) => return Err(e),
            };
        Ok(Roster {
            pattern,
            exceptions,
            shifts,
            duty_denied,
            open: open_days(),
        })
    }

    /// Who sits on `day` in `half`.
    pub fn sitting(&self, day: i64, half: Half) -> Sitting {
        let date = dates::date_of(day);
        let weekday = dates::weekday(day);
        let in_pattern = self.pattern.get(&slot(weekday, half));
        let exception = self.exceptions.get(&exception_key(&date, half));
        let mut seats = Vec::new();
        match exception {
            Some(Some(code)) => seats.push(Seat {
                code: code.clone(),
                source: Source::Exception,
            }),
            Some(None) => {}
            None => {
                if let Some(code) = in_pattern {
                    seats.push(Seat {
                        code: code.clone(),
                        source: Source::Pattern,
                    });
                }
            }
        }
        for s in &self.shifts {
            if s.day == date && s.half == half.code() && !seats.iter().any(|x| x.code == s.deputy) {
                seats.push(Seat {
                    code: s.deputy.clone(),
                    source: Source::Duty,
                });
            }
        }
        Sitting {
            day,
            half,
            seats,
            expected: self.open[usize::from(weekday)]
                || in_pattern.is_some()
                || exception.is_some(),
            cancelled: matches!(exception, Some(None)),
        }
    }

    /// Both halves of `count` days from `from`.
    pub fn days(&self, from: i64, count: i64) -> Vec<Sitting> {
        (from..from + count)
            .flat_map(|d| Half::BOTH.map(|h| self.sitting(d, h)))
            .collect()
    }

    /// The gaps of `day`.
    pub fn gaps(&self, day: i64) -> Vec<Gap> {
        Half::BOTH
            .into_iter()
            .map(|h| self.sitting(day, h))
            .filter(Sitting::is_gap)
            .map(|s| Gap {
                half: s.half.code().into(),
                reason: if s.cancelled { "cancelled" } else { "empty" }.into(),
            })
            .collect()
    }
}

/// The station's deputies by code, and whether the host refused the list.
pub struct Names {
    /// Deputies in the host's order.
    pub list: Vec<Deputy>,
    /// Whether `deputies.read` was refused.
    pub denied: bool,
}

impl Names {
    /// Reads the station's deputies; a refusal leaves the list empty.
    pub fn load() -> Result<Names, Error> {
        match deputies::list() {
            Ok(list) => Ok(Names {
                list,
                denied: false,
            }),
            Err(Error::Denied(_)) => Ok(Names {
                list: Vec::new(),
                denied: true,
            }),
            Err(e) => Err(e),
        }
    }

    /// The deputy's name, or the code when unknown.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.list
            .iter()
            .find(|d| d.code == code)
            .map_or(code, |d| d.name.as_str())
    }
}

/// `code` if it is a deputy of the station (refused as `Invalid` naming `field` otherwise).
/// Needs `deputies.read`: without it the check cannot be made and the call is `Denied`.
pub fn station_deputy(field: &str, code: &str) -> Result<String, Error> {
    let list = deputies::list()?;
    let code = code.trim();
    list.iter()
        .find(|d| d.code == code || d.code.eq_ignore_ascii_case(code))
        .map(|d| d.code.clone())
        .ok_or_else(|| Error::invalid(field, format!("{code} 不是本站的代表")))
}

/// Drops exceptions for days before `today` (day number).
pub fn prune_exceptions(exceptions: &mut Exceptions, today: i64) -> bool {
    let before = exceptions.len();
    exceptions.retain(|k, _| {
        k.get(0..10)
            .and_then(dates::day_number)
            .is_some_and(|d| d >= today)
    });
    exceptions.len() != before
}
