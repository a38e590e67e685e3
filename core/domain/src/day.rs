//! Days people give (a shift, a visit, a milestone, a calendar entry, a range to list): dates
//! in the years [`YEARS`], the span in which the district's work can fall. `chrono` reads any
//! year up to 262142, and a day so far off overflows working-day arithmetic and fills tables
//! with nonsense; every day a body or a query carries is read through [`deserialize`] (or
//! [`option`]), so a day outside the span is refused naming its field.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};

/// The years a day may fall in.
pub const YEARS: RangeInclusive<i32> = 2000..=2100;

/// Whether `day` falls in [`YEARS`].
pub fn sensible(day: NaiveDate) -> bool {
    YEARS.contains(&day.year())
}

fn bounded<E: serde::de::Error>(day: NaiveDate) -> Result<NaiveDate, E> {
    if sensible(day) {
        Ok(day)
    } else {
        Err(E::custom(format!(
            "must be a day in the years {} to {}, not {day}",
            YEARS.start(),
            YEARS.end()
        )))
    }
}

/// Reads a `YYYY-MM-DD` day within [`YEARS`] (`#[serde(deserialize_with = "…")]`).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    bounded(NaiveDate::deserialize(d)?)
}

/// Reads an optional day within [`YEARS`] (with `#[serde(default, deserialize_with = "…")]`).
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<NaiveDate>::deserialize(d)?
        .map(bounded::<D::Error>)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        #[serde(deserialize_with = "deserialize")]
        day: NaiveDate,
        #[serde(default, deserialize_with = "option")]
        due: Option<NaiveDate>,
    }

    #[test]
    fn days_outside_the_span_are_refused() {
        let read = |s: &str| crate::json::parse::<Body>(s.as_bytes());
        assert!(read(r#"{"day":"2026-12-02"}"#).is_ok());
        assert!(read(r#"{"day":"2026-12-02","due":null}"#).is_ok());
        for (bad, field) in [
            (r#"{"day":"+262142-01-01"}"#, "day"),
            (r#"{"day":"1899-12-31"}"#, "day"),
            (r#"{"day":"2026-12-02","due":"2101-01-01"}"#, "due"),
        ] {
            let e = read(bad).expect_err(bad);
            assert!(
                matches!(&e, crate::error::Error::BadRequest { field: Some(f), .. } if f == field),
                "{bad}: {e:?}"
            );
        }
    }
}
