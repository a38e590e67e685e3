//! Deadlines on the working-day calendar, and the overlays derived from them (due soon, overdue).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::Calendar;
use crate::configuration::DeadlineRules;

/// Working-day limits for one case, after category and urgency overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Working days to acknowledge (签收) after assignment.
    pub sign_for_days: u32,
    /// Working days to reply (答复) to an ordinary case.
    pub reply_days: u32,
    /// Working days to reply to a case triaged as complex.
    pub complex_reply_days: u32,
    /// Working days to relay the reply to the resident (代表反馈).
    pub feedback_days: u32,
}

impl Limits {
    /// The category may change a limit; urgency may only tighten one (the stricter applies).
    pub fn for_case(rules: &DeadlineRules, category: &str, urgency: super::Urgency) -> Self {
        let mut l = Limits {
            sign_for_days: rules.sign_for_days,
            reply_days: rules.reply_days,
            complex_reply_days: rules.complex_reply_days,
            feedback_days: rules.feedback_days,
        };
        if let Some(o) = rules.category.get(category) {
            l.sign_for_days = o.sign_for_days.unwrap_or(l.sign_for_days);
            l.reply_days = o.reply_days.unwrap_or(l.reply_days);
            l.complex_reply_days = o.complex_reply_days.unwrap_or(l.complex_reply_days);
            l.feedback_days = o.feedback_days.unwrap_or(l.feedback_days);
        }
        if let Some(o) = rules.urgency.get(urgency.as_str()) {
            let tighten = |cur: u32, o: Option<u32>| o.map_or(cur, |v| v.min(cur));
            l.sign_for_days = tighten(l.sign_for_days, o.sign_for_days);
            l.reply_days = tighten(l.reply_days, o.reply_days);
            l.complex_reply_days = tighten(l.complex_reply_days, o.complex_reply_days);
            l.feedback_days = tighten(l.feedback_days, o.feedback_days);
        }
        l
    }

    /// The reply limit in working days: the complex one for a complex case.
    pub fn reply(&self, complex: bool) -> u32 {
        if complex {
            self.complex_reply_days
        } else {
            self.reply_days
        }
    }
}

/// The district's local date: working days are counted in China Standard Time.
pub fn local_today(now: DateTime<Utc>) -> NaiveDate {
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    now.with_timezone(&cst).date_naive()
}

/// Calendar days to rate, then the case closes unrated.
pub fn rating_deadline(rules: &DeadlineRules, today: NaiveDate) -> NaiveDate {
    today + Duration::days(rules.rating_window_days as i64)
}

/// Where a case stands against the deadline of its current step, as the lists and overdue alerts (超期预警) show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// More than `due_soon_days` working days left.
    OnTime,
    /// Due within `due_soon_days` working days, or today.
    DueSoon,
    /// Past its deadline (the deadline day itself is still on time).
    Overdue,
}

/// Where a case stands against the deadline of its current step (`due_on`).
pub fn timeliness(
    cal: &Calendar,
    rules: &DeadlineRules,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Timeliness> {
    let due = due_on?;
    Some(if today > due {
        Timeliness::Overdue
    } else if cal.working_days_between(today, due) <= rules.due_soon_days as i64 {
        Timeliness::DueSoon
    } else {
        Timeliness::OnTime
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::Settings;

    #[test]
    fn overrides_combine_category_then_stricter_urgency() {
        let rules = Settings::defaults().deadlines;
        let plain = Limits::for_case(&rules, "urban_construction", super::super::Urgency::Normal);
        assert_eq!(
            (
                plain.sign_for_days,
                plain.reply_days,
                plain.complex_reply_days
            ),
            (1, 15, 30)
        );
        let social = Limits::for_case(&rules, "social_security", super::super::Urgency::Normal);
        assert_eq!(social.reply_days, 10);
        let urgent_social =
            Limits::for_case(&rules, "social_security", super::super::Urgency::Urgent);
        assert_eq!(urgent_social.reply_days, 5);
        assert_eq!(urgent_social.reply(true), 30);
    }

    #[test]
    fn timeliness_uses_working_days() {
        let rules = Settings::defaults().deadlines;
        let cal = Calendar::default();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // Due Monday 30 Nov; on Friday 27 it is one working day away: due soon.
        assert_eq!(
            timeliness(&cal, &rules, Some(d(11, 30)), d(11, 27)),
            Some(Timeliness::DueSoon)
        );
        assert_eq!(
            timeliness(&cal, &rules, Some(d(12, 10)), d(11, 27)),
            Some(Timeliness::OnTime)
        );
        assert_eq!(
            timeliness(&cal, &rules, Some(d(11, 26)), d(11, 27)),
            Some(Timeliness::Overdue)
        );
        assert_eq!(
            timeliness(&cal, &rules, Some(d(11, 27)), d(11, 27)),
            Some(Timeliness::DueSoon)
        );
        assert_eq!(timeliness(&cal, &rules, None, d(11, 27)), None);
    }

    #[test]
    fn local_day_is_china_standard_time() {
        let late_utc = "2026-11-27T17:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            local_today(late_utc),
            NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
        );
    }
}
