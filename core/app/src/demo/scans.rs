//! Residents scanning the demo deputy's QR code today, through the public intake service as a
//! phone's form would send them: the notification rules fire, so the demo deputy's bell shows
//! the scans as soon as the server runs (the story of the grain farmers in the glossary).

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;

use liaison_domain::cases::intake::{self, ContactIn, Intake};
use liaison_domain::reference::Reference;

/// The demo deputy's public code (the `deputy` user's record).
pub const DEMO_DEPUTY: &str = "lunan-d01";

const SCANS: [(&str, &str, bool); 3] = [
    (
        "agriculture",
        "连续干旱，村里两百多亩稻田缺水，灌溉渠已经断流，希望尽快帮助抽水。",
        true,
    ),
    (
        "urban_construction",
        "石曲村口的路灯坏了半个多月，晚上出行很不方便，希望尽快修好。",
        false,
    ),
    (
        "ecology",
        "河道边有人倾倒建筑垃圾，下雨后污水流进河里，请有关部门处理。",
        false,
    ),
];

/// Writes the scans; how many.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let reference = Reference::default();
    let mut made = 0;
    for (i, (category, description, urgent)) in SCANS.into_iter().enumerate() {
        let form = Intake {
            station: "lunan".into(),
            category: category.into(),
            description: description.into(),
            title: None,
            location: None,
            contact: Some(ContactIn {
                name: Some("陈先生".into()),
                phone: Some(format!("1390000{:04}", 1000 + i)),
            }),
            anonymous: false,
            deputy: Some(DEMO_DEPUTY.into()),
            urgency: if urgent {
                liaison_domain::cases::Urgency::Urgent
            } else {
                Default::default()
            },
            channel: None,
            client_key: None,
            notify_consent: true,
        };
        let new = intake::validate(db, &reference, form, None).await?;
        intake::insert(db, new, now - Duration::minutes(30 - 10 * i as i64)).await?;
        made += 1;
    }
    Ok(made)
}
