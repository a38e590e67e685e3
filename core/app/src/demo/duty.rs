//! The demo's duty roster (值班): each station's deputies take turns at its desk on working
//! days, from two weeks back to two weeks ahead of the day the demo is loaded. This is the one
//! roster of who sits when: the station page's duty card and 蓬街's 代表百晓坐班 brand both read
//! it, so they name the same deputy for today.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use sea_orm::DatabaseConnection;

use liaison_domain::cases::deadlines::local_today;
use liaison_domain::duty::Half;
use liaison_domain::duty::roster::{self, NewShift};
use liaison_domain::{auth, deputies, stations, users};

/// Days before and after today the roster covers.
const SPAN_DAYS: i64 = 14;

/// Puts the stations' deputies on duty, through the roster service staff use; the number of
/// shifts made.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let ops_user = users::by_username(db, "ops")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no ops user"))?;
    let ops = auth::actor_of(&ops_user).ok_or_else(|| anyhow::anyhow!("ops cannot act"))?;
    let today = local_today(now);
    let mut made = 0;
    for station in stations::all(db).await? {
        let serving = deputies::serving_at(db, station.id).await?;
        if serving.is_empty() {
            continue;
        }
        for offset in -SPAN_DAYS..=SPAN_DAYS {
            let day = today + Duration::days(offset);
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                continue;
            }
            // A turn per half-day, counted from a fixed day so that the rota is stable.
            let turn = (day.num_days_from_ce() * 2) as usize;
            for (i, half) in [Half::Am, Half::Pm].into_iter().enumerate() {
                let deputy = &serving[(turn + i) % serving.len()];
                let shift = NewShift {
                    deputy: deputy.code.clone(),
                    day,
                    half,
                    note: None,
                };
                roster::add(db, &ops, station.id, &shift, today).await?;
                made += 1;
            }
        }
    }
    Ok(made)
}
