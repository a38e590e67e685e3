//! Each user's preferences: language, contact for e-mail and SMS, which channels carry which
//! kinds, and quiet hours. A user who never saved any has the defaults: in-app only, Chinese,
//! quiet from 22:00 to 07:00.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entity::preferences;
use super::rules::KINDS;
use crate::configuration::NotificationSettings;
use crate::error::{Error, FormatKind};

/// The channel every user has, which cannot be switched off.
pub const IN_APP: &str = "in_app";
/// The channels a user may switch on per kind, beside in-app.
pub const OPTIONAL_CHANNELS: [&str; 2] = ["email", "sms"];

/// A user's preferences, as the API and the form read and write them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// `zh` or `en`: the language of the messages.
    pub lang: String,
    /// Where e-mails go; needed for the e-mail channel. Never logged.
    pub email: Option<String>,
    /// A mainland mobile number (11 digits, starting with 1); needed for SMS. Never logged.
    pub phone: Option<String>,
    /// For each kind, the channels beside in-app that carry it (`email`, `sms`); a kind not
    /// listed goes in-app only.
    #[serde(default)]
    pub channels: BTreeMap<String, Vec<String>>,
    /// Whether messages on push channels (e-mail, SMS) are held during quiet hours (urgent cases
    /// are not held; the in-app bell never is).
    pub quiet_hours: bool,
    /// Start of quiet hours, `HH:MM`, China Standard Time.
    pub quiet_from: String,
    /// End of quiet hours, `HH:MM`, China Standard Time.
    pub quiet_to: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            lang: "zh".into(),
            email: None,
            phone: None,
            channels: BTreeMap::new(),
            quiet_hours: true,
            quiet_from: "22:00".into(),
            quiet_to: "07:00".into(),
        }
    }
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// `HH:MM` as a time of day.
pub fn parse_time(field: &str, s: &str) -> Result<NaiveTime, Error> {
    let s = s.trim();
    if s.len() != 5 {
        return Err(Error::format(field, FormatKind::Time));
    }
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| Error::format(field, FormatKind::Time))
}

/// A plausible e-mail address: one `@`, a dotted host, no spaces, at most 254 characters.
pub fn valid_email(s: &str) -> bool {
    let Some((local, host)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !host.contains("..")
        && s.chars().all(|c| c.is_ascii_graphic())
        && !host.contains('@')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// A mainland mobile number: 11 digits starting with 1 (SMS gateways take no landlines).
pub fn valid_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit())
}

impl Preferences {
    /// Checks and normalises: every field named in the error it gives.
    pub fn checked(mut self) -> Result<Self, Error> {
        if !["zh", "en"].contains(&self.lang.as_str()) {
            return Err(Error::not_one_of("lang", &["zh", "en"]));
        }
        self.email = self
            .email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if let Some(e) = &self.email
            && !valid_email(e)
        {
            return Err(Error::format("email", FormatKind::Email));
        }
        self.phone = self
            .phone
            .map(|p| p.trim().replace([' ', '-'], ""))
            .filter(|p| !p.is_empty());
        if let Some(p) = &self.phone
            && !valid_mobile(p)
        {
            return Err(Error::format("phone", FormatKind::Phone));
        }
        parse_time("quiet_from", &self.quiet_from)?;
        parse_time("quiet_to", &self.quiet_to)?;
        self.quiet_from = self.quiet_from.trim().to_owned();
        self.quiet_to = self.quiet_to.trim().to_owned();
        let mut channels = BTreeMap::new();
        for (kind, list) in std::mem::take(&mut self.channels) {
            if !KINDS.contains(&kind.as_str()) {
                return Err(Error::not_one_of(format!("channels.{kind}"), &KINDS));
            }
            let mut on: Vec<String> = Vec::new();
            for c in list {
                if !OPTIONAL_CHANNELS.contains(&c.as_str()) {
                    return Err(Error::not_one_of(
                        format!("channels.{kind}"),
                        &OPTIONAL_CHANNELS,
                    ));
                }
                if c == "email" && self.email.is_none() {
                    return Err(Error::required("email"));
                }
                if c == "sms" && self.phone.is_none() {
                    return Err(Error::required("phone"));
                }
                if !on.contains(&c) {
                    on.push(c);
                }
            }
            if !on.is_empty() {
                channels.insert(kind, on);
            }
        }
        self.channels = channels;
        Ok(self)
    }

    /// Whether `channel` carries `kind` for this user: in-app always does; the channels people
    /// choose ([`OPTIONAL_CHANNELS`]) as they chose; any other channel is operations' own (the
    /// demo's sink, a station's group-chat robot) and carries every kind it accepts, since
    /// these preferences are about a person's own inboxes.
    pub fn wants(&self, kind: &str, channel: &str) -> bool {
        if channel == IN_APP || !OPTIONAL_CHANNELS.contains(&channel) {
            return true;
        }
        self.channels
            .get(kind)
            .is_some_and(|l| l.iter().any(|c| c == channel))
    }

    /// Whether quiet hours and digests apply on `channel`: only on the push channels people
    /// choose, which reach them at night; not in-app, not operations' own channels.
    pub fn disturbs(channel: &str) -> bool {
        OPTIONAL_CHANNELS.contains(&channel)
    }

    /// When quiet hours hold a message made at `now` until, or none when they do not.
    pub fn held_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.quiet_hours {
            return None;
        }
        let from = parse_time("quiet_from", &self.quiet_from).ok()?;
        let to = parse_time("quiet_to", &self.quiet_to).ok()?;
        quiet_until(now, from, to)
    }
}

/// When the quiet hours `from`–`to` (China Standard Time; over midnight when `from` > `to`)
/// that cover `now` end; none when they do not cover it.
pub fn quiet_until(now: DateTime<Utc>, from: NaiveTime, to: NaiveTime) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&cst());
    let t = local.time();
    let day = local.date_naive();
    let end_on = |d: chrono::NaiveDate| {
        cst()
            .from_local_datetime(&d.and_time(to))
            .single()
            .map(|x| x.with_timezone(&Utc))
    };
    if from == to {
        return None;
    }
    if from < to {
        (from <= t && t < to).then(|| end_on(day)).flatten()
    } else if t >= from {
        end_on(day + Duration::days(1))
    } else if t < to {
        end_on(day)
    } else {
        None
    }
}

fn from_row(r: preferences::Model) -> Preferences {
    Preferences {
        lang: r.lang,
        email: r.email,
        phone: r.phone,
        channels: serde_json::from_str(&r.channels).unwrap_or_default(),
        quiet_hours: r.quiet_hours,
        quiet_from: r.quiet_from,
        quiet_to: r.quiet_to,
    }
}

impl Preferences {
    /// The defaults, with the configured quiet hours.
    pub fn configured(s: &NotificationSettings) -> Self {
        Preferences {
            quiet_from: s.quiet_from.clone(),
            quiet_to: s.quiet_to.clone(),
            ..Default::default()
        }
    }
}

/// The user's preferences, or the configured defaults.
pub async fn of(
    db: &impl ConnectionTrait,
    user_id: i64,
    defaults: &NotificationSettings,
) -> Result<Preferences, Error> {
    Ok(preferences::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(from_row)
        .unwrap_or_else(|| Preferences::configured(defaults)))
}

/// Checks and saves the user's own preferences; answers them as stored.
pub async fn save(
    db: &impl ConnectionTrait,
    user_id: i64,
    prefs: Preferences,
    now: DateTime<Utc>,
) -> Result<Preferences, Error> {
    let p = prefs.checked()?;
    let row = preferences::ActiveModel {
        user_id: Set(user_id),
        lang: Set(p.lang.clone()),
        email: Set(p.email.clone()),
        phone: Set(p.phone.clone()),
        channels: Set(serde_json::to_string(&p.channels).unwrap_or_else(|_| "{}".into())),
        quiet_hours: Set(p.quiet_hours),
        quiet_from: Set(p.quiet_from.clone()),
        quiet_to: Set(p.quiet_to.clone()),
        updated_at: Set(now),
    };
    if preferences::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some()
    {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_choose_their_push_channels_and_operations_channels_carry_everything() {
        let mut p = Preferences::default();
        p.channels.insert("case.new".into(), vec!["email".into()]);
        assert!(p.wants("case.new", IN_APP));
        assert!(p.wants("case.new", "email"));
        assert!(!p.wants("case.new", "sms"));
        assert!(!p.wants("case.overdue", "email"));
        assert!(p.wants("case.overdue", "sink"));
        assert!(Preferences::disturbs("sms") && !Preferences::disturbs("sink"));
        assert!(!Preferences::disturbs(IN_APP));
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    #[test]
    fn quiet_hours_over_midnight_hold_until_seven_in_the_morning() {
        let (from, to) = (t("22:00"), t("07:00"));
        // 23:30 in Shanghai is 15:30 UTC; held until 07:00 next morning (23:00 UTC).
        assert_eq!(
            quiet_until(at("2026-12-03T15:30:00Z"), from, to),
            Some(at("2026-12-03T23:00:00Z"))
        );
        // 05:00 in Shanghai: held until 07:00 the same morning.
        assert_eq!(
            quiet_until(at("2026-12-03T21:00:00Z"), from, to),
            Some(at("2026-12-03T23:00:00Z"))
        );
        // 12:00 in Shanghai: not held.
        assert_eq!(quiet_until(at("2026-12-03T04:00:00Z"), from, to), None);
        // A daytime window.
        assert_eq!(
            quiet_until(at("2026-12-03T04:00:00Z"), t("11:00"), t("13:00")),
            Some(at("2026-12-03T05:00:00Z"))
        );
        assert_eq!(quiet_until(at("2026-12-03T04:00:00Z"), from, from), None);
    }

    #[test]
    fn contact_data_and_times_are_checked_and_channels_need_their_address() {
        let p = Preferences {
            email: Some(" a@example.org ".into()),
            phone: Some("138 1234 5678".into()),
            channels: [("case.assigned".to_owned(), vec!["email".to_owned()])].into(),
            ..Default::default()
        }
        .checked()
        .unwrap();
        assert_eq!(p.email.as_deref(), Some("a@example.org"));
        assert_eq!(p.phone.as_deref(), Some("13812345678"));
        assert!(p.wants("case.assigned", "email"));
        assert!(!p.wants("case.assigned", "sms"));
        assert!(p.wants("case.new", IN_APP));

        let bad = |p: Preferences| match p.checked() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        for e in ["a", "a@b", "a b@c.d", "@c.d", "a@.c", "a@c..d"] {
            let p = Preferences {
                email: Some(e.into()),
                ..Default::default()
            };
            assert_eq!(bad(p), "email", "{e}");
        }
        for ph in ["12345", "0571-88888888", "23812345678"] {
            let p = Preferences {
                phone: Some(ph.into()),
                ..Default::default()
            };
            assert_eq!(bad(p), "phone", "{ph}");
        }
        let p = Preferences {
            quiet_from: "25:00".into(),
            ..Default::default()
        };
        assert_eq!(bad(p), "quiet_from");
        let p = Preferences {
            channels: [("case.assigned".to_owned(), vec!["sms".to_owned()])].into(),
            ..Default::default()
        };
        assert_eq!(bad(p), "phone", "SMS needs a phone");
        let p = Preferences {
            channels: [("nope".to_owned(), vec![])].into(),
            ..Default::default()
        };
        assert_eq!(bad(p), "channels.nope");
        let p = Preferences {
            lang: "fr".into(),
            ..Default::default()
        };
        assert_eq!(bad(p), "lang");
    }
}
