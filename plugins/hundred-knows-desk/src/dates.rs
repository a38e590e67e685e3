//! Calendar arithmetic on `YYYY-MM-DD` days, in China Standard Time. The host hands out
//! dates and RFC 3339 times as text; the plugin has no clock library, so it counts days itself.

/// Morning or afternoon: the two half-day sittings of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Half {
    /// 上午
    Am,
    /// 下午
    Pm,
}

impl Half {
    /// Both halves, in the order of the day.
    pub const BOTH: [Half; 2] = [Half::Am, Half::Pm];

    /// "am" or "pm", as forms, storage and the host's roster spell it.
    pub fn code(self) -> &'static str {
        match self {
            Half::Am => "am",
            Half::Pm => "pm",
        }
    }

    /// The half spelled `code`.
    pub fn from_code(code: &str) -> Option<Half> {
        match code {
            "am" => Some(Half::Am),
            "pm" => Some(Half::Pm),
            _ => None,
        }
    }

    /// 上午 / 下午, or am / pm.
    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Half::Am, false) => "上午",
            (Half::Pm, false) => "下午",
            (Half::Am, true) => "am",
            (Half::Pm, true) => "pm",
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is a real one.
pub fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: core::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The `YYYY-MM-DD` date of a day number.
pub fn date_of(n: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = n + 719_468;
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

/// The weekday of a day number: 1 Monday … 7 Sunday.
pub fn weekday(n: i64) -> u8 {
    // 1970-01-01 was a Thursday.
    ((n + 3).rem_euclid(7) + 1) as u8
}

/// 周一 … 周日, or Mon … Sun.
pub fn weekday_label(weekday: u8, en: bool) -> &'static str {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let i = usize::from(weekday.clamp(1, 7) - 1);
    if en { EN[i] } else { ZH[i] }
}

/// `MM-DD` of a date, for narrow table cells.
pub fn short(date: &str) -> &str {
    date.get(5..).unwrap_or(date)
}

/// The day number and half of an RFC 3339 time, read in China Standard Time (UTC+8); `None`
/// when it does not parse.
pub fn cst_day_half(at: &str) -> Option<(i64, Half)> {
    let day = day_number(at.get(0..10)?)?;
    if !matches!(at.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour: i64 = at.get(11..13)?.parse().ok()?;
    let minute: i64 = at.get(14..16)?.parse().ok()?;
    if hour > 23 || minute > 59 {
        return None;
    }
    // The offset follows the seconds and their optional fraction.
    let rest = at.get(16..)?;
    let offset_at = rest.find(['Z', 'z', '+', '-']);
    let offset_minutes = match offset_at.map(|i| &rest[i..]) {
        None => 8 * 60, // no offset: already local time
        Some(o) if o.eq_ignore_ascii_case("z") => 0,
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let h: i64 = o.get(1..3)?.parse().ok()?;
            let m: i64 = o.get(4..6).map_or(Some(0), |m| m.parse().ok())?;
            sign * (h * 60 + m)
        }
    };
    let cst = day * 1440 + hour * 60 + minute - offset_minutes + 8 * 60;
    let half = if cst.rem_euclid(1440) < 12 * 60 {
        Half::Am
    } else {
        Half::Pm
    };
    Some((cst.div_euclid(1440), half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_weekdays() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(weekday(0), 4, "a Thursday");
        let n = day_number("2026-03-02").unwrap();
        assert_eq!(weekday(n), 1, "2026-03-02 is a Monday");
        assert_eq!(weekday(n + 6), 7);
        assert_eq!(date_of(n), "2026-03-02");
        assert_eq!(date_of(day_number("2024-02-28").unwrap() + 1), "2024-02-29");
        assert_eq!(date_of(day_number("2025-12-31").unwrap() + 1), "2026-01-01");
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-3-1",
            "abcd-ef-gh",
            "2026-03-0x",
        ] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_are_read_in_china_standard_time() {
        let d = day_number("2026-03-02").unwrap();
        assert_eq!(
            cst_day_half("2026-03-02T09:00:00+08:00"),
            Some((d, Half::Am))
        );
        assert_eq!(
            cst_day_half("2026-03-02T12:00:00+08:00"),
            Some((d, Half::Pm))
        );
        assert_eq!(
            cst_day_half("2026-03-02T03:59:59.123Z"),
            Some((d, Half::Am))
        );
        assert_eq!(cst_day_half("2026-03-02T04:00:00Z"), Some((d, Half::Pm)));
        assert_eq!(cst_day_half("2026-03-01T20:30:00Z"), Some((d, Half::Am)));
        assert_eq!(
            cst_day_half("2026-03-02T23:30:00-01:00"),
            Some((d + 1, Half::Am))
        );
        assert_eq!(cst_day_half("yesterday"), None);
    }
}
