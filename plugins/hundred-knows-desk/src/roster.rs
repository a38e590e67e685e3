//! Who sits at the desk when: the station's duty roster (值班), read from the host.
//!
//! The brand keeps no roster of its own. An earlier version kept a weekly pattern and one-day
//! changes in its store, so the station page's duty card (from the platform's roster) and the
//! brand's "who sits today" could contradict each other. Now the platform's duty roster, which
//! station staff keep, is the one source of who sits when; the brand only reads it and points
//! out the half-days of its open days that nobody covers.

use liaison_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::{self, Half};

/// Storage key of the gaps the schedule last found for the next day.
pub const GAPS: &str = "roster:gaps";
/// Storage keys an earlier version kept its own roster under; the schedule deletes them.
pub const RETIRED: [&str; 2] = ["roster:pattern", "roster:exceptions"];

/// One half-day, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sitting {
    /// Day number (see [`dates::day_number`]).
    pub day: i64,
    /// Morning or afternoon.
    pub half: Half,
    /// The deputies on duty, by public code, in the roster's order.
    pub seats: Vec<String>,
    /// Whether someone is meant to sit: the day is one of the desk's open days.
    pub expected: bool,
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
    /// Always "empty": nobody is on the station's duty roster then.
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

/// The station's duty shifts over a span of days, and the desk's open days.
pub struct Roster {
    /// The official duty shifts in the span.
    pub shifts: Vec<Shift>,
    /// Whether the host refused the duty roster (`deputies.read` not granted).
    pub duty_denied: bool,
    open: [bool; 8],
}

impl Roster {
    /// Reads the station's duty shifts from `from` to `to` (day numbers).
    pub fn load(from: i64, to: i64) -> Result<Roster, Error> {
        let (shifts, duty_denied) =
            match deputies::roster(&dates::date_of(from), &dates::date_of(to)) {
                Ok(s) => (s, false),
                Err(Error::Denied(_)) => (Vec::new(), true),
                Err(e) => return Err(e),
            };
        Ok(Roster {
            shifts,
            duty_denied,
            open: open_days(),
        })
    }

    /// Who sits on `day` in `half`.
    pub fn sitting(&self, day: i64, half: Half) -> Sitting {
        let date = dates::date_of(day);
        let mut seats: Vec<String> = Vec::new();
        for s in &self.shifts {
            if s.day == date && s.half == half.code() && !seats.contains(&s.deputy) {
                seats.push(s.deputy.clone());
            }
        }
        Sitting {
            day,
            half,
            seats,
            expected: self.open[usize::from(dates::weekday(day))],
        }
    }

    /// The gaps of `day`.
    pub fn gaps(&self, day: i64) -> Vec<Gap> {
        Half::BOTH
            .into_iter()
            .map(|h| self.sitting(day, h))
            .filter(Sitting::is_gap)
            .map(|s| Gap {
                half: s.half.code().into(),
                reason: "empty".into(),
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
