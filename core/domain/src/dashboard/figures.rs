//! What the cockpit and the big screen show, read from the counters: a few grouped reads of
//! `dashboard_counters` (each a prefix of its key), the live overdue counts over the deadline
//! index, and the latest cases without anything that identifies the reporter.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::counters::{self, DIM_ALL, DIM_CATEGORY, DIM_CHANNEL, DIM_ORG, DISTRICT, metric};
use crate::cases::Status;
use crate::cases::deadlines::local_today;
use crate::cases::entity::cases;

/// The numbers of one slice (a station, a category, an organisation…), each meaning what the
/// glossary's "dashboard figures" say. A figure that does not exist for a slice's dimension is
/// `None` and absent from the JSON (pages draw "—"), never a 0 that reads as a count.
///
/// For the case dimensions (district, station, category, channel) a case counts under its own
/// station, category and channel. For an organisation the case-side figures are its work as lead
/// (主办): received = assignments that made it lead; open and closed = cases it leads now by
/// status; the event figures (signed, replied, ratings, rework) against the lead at that moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    /// 收到意见: cases submitted (for an organisation: assignments that made it lead).
    pub received: i64,
    /// 办理中: cases neither closed nor rejected, now (for an organisation: those it leads now).
    pub open: i64,
    /// 已超期: open cases whose current step's deadline has passed, counted live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue: Option<i64>,
    /// 已办结: cases closed, rated or not, now (for an organisation: those it led).
    pub closed: i64,
    /// 不予受理: refused; absent for an organisation (a refused case never had one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<i64>,
    /// Closures without a rating (by staff, or by the sweeper after the rating window); absent
    /// for an organisation (closing is the station's act, not the handler's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_unrated: Option<i64>,
    /// 交办: assignments (a reassignment after a return or rework counts again); for an
    /// organisation, the assignments that made it lead.
    pub assigned: i64,
    /// 签收: sign-fors by the lead organisation.
    pub signed: i64,
    /// Sign-fors on or before the sign deadline.
    pub signed_on_time: i64,
    /// 答复: answers by the lead organisation.
    pub replied: i64,
    /// Answers on or before the reply deadline in force (after any granted extension).
    pub replied_on_time: i64,
    /// 站内解决: answered by the station itself; absent for an organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<i64>,
    /// Ratings 满意.
    pub satisfied: i64,
    /// Ratings 基本满意.
    pub basically_satisfied: i64,
    /// Ratings 不满意.
    pub unsatisfied: i64,
    /// 重办: sent back for rework (unsatisfied ratings and reopens).
    pub reworked: i64,
    /// 按时签收率: signed on time ÷ signed, in per cent, one decimal (none when nothing was signed for).
    pub sign_on_time_rate: Option<f64>,
    /// 按时答复率: replied on time ÷ replied, in per cent, one decimal (none when nothing was answered).
    pub reply_on_time_rate: Option<f64>,
    /// 满意率: (满意 + 基本满意) ÷ rated, in per cent, one decimal (none when nothing was rated).
    pub satisfaction_rate: Option<f64>,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

impl Figures {
    fn add(&mut self, metric_name: &str, n: i64) {
        use metric::*;
        if let Some(status) = metric_name.strip_prefix(STATUS_PREFIX) {
            match Status::parse(status) {
                Some(Status::Closed) => self.closed += n,
                Some(Status::Rejected) => *self.rejected.get_or_insert(0) += n,
                Some(_) => self.open += n,
                None => {}
            }
            return;
        }
        match metric_name {
            RECEIVED => self.received += n,
            CLOSED_UNRATED => *self.closed_unrated.get_or_insert(0) += n,
            ASSIGNED => self.assigned += n,
            SIGNED => self.signed += n,
            SIGNED_ON_TIME => self.signed_on_time += n,
            REPLIED => self.replied += n,
            REPLIED_ON_TIME => self.replied_on_time += n,
            RESOLVED => *self.resolved.get_or_insert(0) += n,
            SATISFIED => self.satisfied += n,
            BASICALLY_SATISFIED => self.basically_satisfied += n,
            UNSATISFIED => self.unsatisfied += n,
            REWORKED => self.reworked += n,
            _ => {}
        }
    }

    /// Gives the case dimensions' counts their zeros: on a case slice every figure exists.
    fn case_slice(mut self) -> Self {
        for f in [
            &mut self.rejected,
            &mut self.closed_unrated,
            &mut self.resolved,
        ] {
            f.get_or_insert(0);
        }
        self
    }

    /// An organisation's slice: the figures that are not an organisation's are absent.
    fn org_slice(mut self) -> Self {
        (self.rejected, self.closed_unrated, self.resolved) = (None, None, None);
        self
    }

    fn finish(mut self) -> Self {
        self.sign_on_time_rate = rate(self.signed_on_time, self.signed);
        self.reply_on_time_rate = rate(self.replied_on_time, self.replied);
        self.satisfaction_rate = rate(
            self.satisfied + self.basically_satisfied,
            self.satisfied + self.basically_satisfied + self.unsatisfied,
        );
        self
    }

    /// All ratings given: the denominator of the satisfaction rate.
    pub fn rated(&self) -> i64 {
        self.satisfied + self.basically_satisfied + self.unsatisfied
    }
}

/// One labelled slice: a category, a channel, an organisation or a station.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Slice {
    /// The slice's code (station or category code, channel name, organisation id).
    pub code: String,
    /// The slice's name in Chinese.
    pub name: String,
    /// The English name where the reference row has one (the Chinese name otherwise).
    pub name_en: String,
    /// Its numbers.
    pub figures: Figures,
}

/// One month of the trend line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthPoint {
    /// `2026-11`
    pub month: String,
    /// Opinions received that month.
    pub received: i64,
    /// Of those, closed by now (the case-axis counts follow the intake month).
    pub closed: i64,
}

/// A recent case as the dashboards list it: no title, no description, no contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Latest {
    /// The case's receipt code: the one identifier the dashboards show.
    pub receipt_code: String,
    /// The station's code.
    pub station: String,
    /// The category's code.
    pub category: String,
    /// Its status now.
    pub status: Status,
    /// The status as residents read it (Chinese).
    pub status_label: String,
    /// The date it was received (Asia/Shanghai).
    pub date: NaiveDate,
}

/// A station's cockpit (驾驶舱).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cockpit {
    /// The station's own numbers, all time.
    pub station: Slice,
    /// Per category, all time.
    pub by_category: Vec<Slice>,
    /// Per lead handling organisation, all time.
    pub by_organisation: Vec<Slice>,
    /// Per intake channel, all time.
    pub by_channel: Vec<Slice>,
    /// The last twelve months, oldest first.
    pub by_month: Vec<MonthPoint>,
    /// The most recent cases, newest first.
    pub latest: Vec<Latest>,
    /// When the figures were read.
    pub as_of: DateTime<Utc>,
}

/// Where a station is, for the big screen's map.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Place {
    /// The station's code (its slice in `stations` has the same).
    pub code: String,
    /// Latitude, WGS 84 degrees.
    pub lat: f64,
    /// Longitude, WGS 84 degrees.
    pub lng: f64,
}

/// The district's big screen (一屏总览): the district, and every station side by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Screen {
    /// The whole district's numbers, all time.
    pub district: Figures,
    /// Cases submitted today (Asia/Shanghai), district-wide.
    pub received_today: i64,
    /// Cases submitted this month (Asia/Shanghai), district-wide.
    pub received_this_month: i64,
    /// The stations that have coordinates, to place them on the map.
    pub places: Vec<Place>,
    /// Each station's numbers.
    pub stations: Vec<Slice>,
    /// Per category, district-wide.
    pub by_category: Vec<Slice>,
    /// Per lead handling organisation, district-wide.
    pub by_organisation: Vec<Slice>,
    /// Per intake channel, district-wide.
    pub by_channel: Vec<Slice>,
    /// The last twelve months, oldest first.
    pub by_month: Vec<MonthPoint>,
    /// The most recent cases in the district, newest first.
    pub latest: Vec<Latest>,
    /// When the figures were read.
    pub as_of: DateTime<Utc>,
}

/// The channels in the order pages list them.
pub const CHANNELS: [&str; 6] = [
    "station_qr",
    "deputy_qr",
    "reception",
    "web",
    "plugin",
    "open311",
];

/// Sums of one dimension at one station: key → figures.
async fn sums_by_key(
    db: &impl ConnectionTrait,
    dim: &str,
    station: i64,
) -> Result<BTreeMap<String, Figures>, DbErr> {
    use counters::entity::{Column as C, Entity};
    let rows: Vec<(String, String, Option<i64>)> = Entity::find()
        .select_only()
        .column(C::Key)
        .column(C::Metric)
        .column_as(Expr::cust("CAST(SUM(value) AS BIGINT)"), "total")
        .filter(C::Dim.eq(dim))
        .filter(C::StationId.eq(station))
        .filter(C::Month.eq(counters::ALL_TIME))
        .group_by(C::Key)
        .group_by(C::Metric)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    for (key, m, n) in rows {
        out.entry(key).or_default().add(&m, n.unwrap_or(0));
    }
    Ok(out)
}

/// `all` rows at one station: the all-time totals and the month line in one read.
async fn months(
    db: &impl ConnectionTrait,
    station: i64,
) -> Result<(Figures, BTreeMap<i32, Figures>), DbErr> {
    use counters::entity::{Column as C, Entity};
    let rows: Vec<(i32, String, i64)> = Entity::find()
        .select_only()
        .column(C::Month)
        .column(C::Metric)
        .column(C::Value)
        .filter(C::Dim.eq(DIM_ALL))
        .filter(C::StationId.eq(station))
        .filter(C::Key.eq(""))
        .into_tuple()
        .all(db)
        .await?;
    let mut total = Figures::default();
    let mut by: BTreeMap<i32, Figures> = BTreeMap::new();
    for (month, m, n) in rows {
        if month == counters::ALL_TIME {
            total.add(&m, n);
        } else {
            by.entry(month).or_default().add(&m, n);
        }
    }
    Ok((total, by))
}

/// The twelve months up to `today`'s, each with what was received then and is closed now.
fn month_line(by: &BTreeMap<i32, Figures>, today: NaiveDate) -> Vec<MonthPoint> {
    let (mut y, mut m) = (today.year(), today.month() as i32);
    let mut out = Vec::with_capacity(12);
    for _ in 0..12 {
        let f = by.get(&(y * 100 + m)).cloned().unwrap_or_default();
        out.push(MonthPoint {
            month: format!("{y:04}-{m:02}"),
            received: f.received,
            closed: f.closed,
        });
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

/// Open cases past their step's deadline, counted by station, lead organisation, category and
/// channel.
///
/// One range read of the index on `(due_on, station_id, lead_org_id)`: only the overdue cases
/// are read (their category and channel from the row), and the counting is done here rather
/// than by a `GROUP BY`, which could tempt the planner into walking another index over every
/// case to skip a sort. Only open steps carry a `due_on` (closing and refusing clear it), so
/// the read needs no status filter.
#[derive(Default)]
struct Overdue {
    by_station: HashMap<i64, i64>,
    by_org: HashMap<i64, i64>,
    by_category: HashMap<i64, i64>,
    by_channel: HashMap<String, i64>,
}

impl Overdue {
    fn total(&self) -> i64 {
        self.by_station.values().sum()
    }
}

async fn overdue(
    db: &impl ConnectionTrait,
    station: Option<i64>,
    today: NaiveDate,
) -> Result<Overdue, DbErr> {
    // Counted by the database from the index alone (idx_cases_due_dimensions holds the
    // deadline and all four dimensions), one row per combination rather than per case.
    let q = cases::Entity::find()
        .select_only()
        .column(cases::Column::StationId)
        .column(cases::Column::LeadOrgId)
        .column(cases::Column::CategoryId)
        .column(cases::Column::Channel)
        .column_as(
            sea_orm::sea_query::ExprTrait::count(Expr::col(cases::Column::DueOn)),
            "n",
        )
        .filter(cases::Column::DueOn.lt(today))
        .group_by(cases::Column::StationId)
        .group_by(cases::Column::LeadOrgId)
        .group_by(cases::Column::CategoryId)
        .group_by(cases::Column::Channel);
    let rows: Vec<(i64, Option<i64>, i64, String, i64)> = q.into_tuple().all(db).await?;
    let mut out = Overdue::default();
    // A station's cockpit keeps its own rows here: told `station_id = ?`, SQLite prefers the
    // station's index and reads all of the station's cases (78 ms at a million, against 23).
    for (s, org, category, channel, n) in rows {
        if station.is_some_and(|x| x != s) {
            continue;
        }
        *out.by_station.entry(s).or_default() += n;
        if let Some(o) = org {
            *out.by_org.entry(o).or_default() += n;
        }
        *out.by_category.entry(category).or_default() += n;
        *out.by_channel.entry(channel).or_default() += n;
    }
    Ok(out)
}

async fn latest(
    db: &impl ConnectionTrait,
    station: Option<i64>,
    names: &Names,
    n: u64,
) -> Result<Vec<Latest>, DbErr> {
    let mut q = cases::Entity::find()
        .select_only()
        .columns([
            cases::Column::ReceiptCode,
            cases::Column::StationId,
            cases::Column::CategoryId,
            cases::Column::Status,
            cases::Column::CreatedAt,
        ])
        .order_by_desc(cases::Column::Id)
        .limit(n);
    if let Some(s) = station {
        q = q.filter(cases::Column::StationId.eq(s));
    }
    let rows: Vec<(String, i64, i64, String, DateTime<Utc>)> = q.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(code, station, category, status, at)| {
            let status = Status::parse(&status)?;
            Some(Latest {
                receipt_code: code,
                station: names.station(station).0,
                category: names.category(category).0,
                status,
                status_label: status.label_zh().to_owned(),
                date: local_today(at),
            })
        })
        .collect())
}

/// Codes and names of the reference rows, read once per request (a few dozen rows).
/// id → (code, name, English name).
type Named = HashMap<i64, (String, String, String)>;

struct Names {
    stations: Named,
    places: Vec<Place>,
    categories: Named,
    orgs: Named,
}

impl Names {
    async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let stations = crate::stations::entity::Entity::find().all(db).await?;
        Ok(Names {
            places: stations
                .iter()
                .filter_map(|s| {
                    Some(Place {
                        code: s.code.clone(),
                        lat: s.lat?,
                        lng: s.lng?,
                    })
                })
                .collect(),
            stations: stations
                .into_iter()
                .map(|s| (s.id, (s.code, s.name, s.name_en)))
                .collect(),
            categories: crate::categories::entity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, (c.code, c.name, c.name_en)))
                .collect(),
            orgs: crate::orgs::entity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|o| (o.id, (o.code, o.name, o.name_en)))
                .collect(),
        })
    }

    fn of(map: &Named, id: i64) -> (String, String, String) {
        map.get(&id)
            .cloned()
            .unwrap_or_else(|| (id.to_string(), id.to_string(), id.to_string()))
    }

    fn station(&self, id: i64) -> (String, String, String) {
        Self::of(&self.stations, id)
    }

    fn category(&self, id: i64) -> (String, String, String) {
        Self::of(&self.categories, id)
    }
}

/// Figures by key turned into labelled slices, largest first; `overdue` gives each key's live
/// overdue count, `shape` makes the figures the dimension's own (see [`Figures`]).
fn slices(
    by: BTreeMap<String, Figures>,
    label: impl Fn(&str) -> (String, String, String),
    overdue: impl Fn(&str) -> i64,
    shape: fn(Figures) -> Figures,
) -> Vec<Slice> {
    let mut out: Vec<Slice> = by
        .into_iter()
        .map(|(key, f)| {
            let (code, name, name_en) = label(&key);
            let mut figures = shape(f).finish();
            figures.overdue = Some(overdue(&key));
            Slice {
                code,
                name,
                name_en,
                figures,
            }
        })
        .filter(|s| {
            let mut empty = shape(Figures::default()).finish();
            empty.overdue = Some(0);
            s.figures != empty
        })
        .collect();
    out.sort_by(|a, b| {
        b.figures
            .received
            .cmp(&a.figures.received)
            .then(a.code.cmp(&b.code))
    });
    out
}

struct Parts {
    by_category: Vec<Slice>,
    by_organisation: Vec<Slice>,
    by_channel: Vec<Slice>,
}

async fn parts(
    db: &impl ConnectionTrait,
    station: i64,
    names: &Names,
    late: &Overdue,
) -> Result<Parts, DbErr> {
    let by_id = |m: &HashMap<i64, i64>, k: &str| {
        k.parse().ok().and_then(|k| m.get(&k).copied()).unwrap_or(0)
    };
    let by_category = slices(
        sums_by_key(db, DIM_CATEGORY, station).await?,
        |k| names.category(k.parse().unwrap_or_default()),
        |k| by_id(&late.by_category, k),
        Figures::case_slice,
    );
    let by_organisation = slices(
        sums_by_key(db, DIM_ORG, station).await?,
        |k| Names::of(&names.orgs, k.parse().unwrap_or_default()),
        |k| by_id(&late.by_org, k),
        Figures::org_slice,
    );
    let mut by_channel = slices(
        sums_by_key(db, DIM_CHANNEL, station).await?,
        |k| (k.to_owned(), k.to_owned(), k.to_owned()),
        |k| late.by_channel.get(k).copied().unwrap_or(0),
        Figures::case_slice,
    );
    by_channel.sort_by_key(|s| CHANNELS.iter().position(|c| *c == s.code));
    Ok(Parts {
        by_category,
        by_organisation,
        by_channel,
    })
}

/// The cockpit of station `station_id` as of `now`.
pub async fn cockpit(
    db: &impl ConnectionTrait,
    station_id: i64,
    now: DateTime<Utc>,
) -> Result<Cockpit, crate::error::Error> {
    let today = local_today(now);
    let names = Names::load(db).await?;
    let (mut total, by_month) = months(db, station_id).await?;
    let late = overdue(db, Some(station_id), today).await?;
    total.overdue = Some(late.by_station.get(&station_id).copied().unwrap_or(0));
    let p = parts(db, station_id, &names, &late).await?;
    let (code, name, name_en) = names.station(station_id);
    Ok(Cockpit {
        station: Slice {
            code,
            name,
            name_en,
            figures: total.case_slice().finish(),
        },
        by_category: p.by_category,
        by_organisation: p.by_organisation,
        by_channel: p.by_channel,
        by_month: month_line(&by_month, today),
        latest: latest(db, Some(station_id), &names, 10).await?,
        as_of: now,
    })
}

/// The district's big screen as of `now`.
pub async fn screen(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Screen, crate::error::Error> {
    use counters::entity::{Column as C, Entity};
    let today = local_today(now);
    let names = Names::load(db).await?;
    let (mut district, by_month) = months(db, DISTRICT).await?;
    let late = overdue(db, None, today).await?;
    district.overdue = Some(late.total());
    let rows: Vec<(i64, String, Option<i64>)> = Entity::find()
        .select_only()
        .column(C::StationId)
        .column(C::Metric)
        .column_as(Expr::cust("CAST(SUM(value) AS BIGINT)"), "total")
        .filter(C::Dim.eq(DIM_ALL))
        .filter(C::StationId.ne(DISTRICT))
        .filter(C::Month.eq(counters::ALL_TIME))
        .group_by(C::StationId)
        .group_by(C::Metric)
        .into_tuple()
        .all(db)
        .await?;
    let mut per: BTreeMap<i64, Figures> = names
        .stations
        .keys()
        .map(|id| (*id, Figures::default()))
        .collect();
    for (station, m, n) in rows {
        per.entry(station).or_default().add(&m, n.unwrap_or(0));
    }
    let mut stations: Vec<Slice> = per
        .into_iter()
        .map(|(id, f)| {
            let (code, name, name_en) = names.station(id);
            let mut figures = f.case_slice().finish();
            figures.overdue = Some(late.by_station.get(&id).copied().unwrap_or(0));
            Slice {
                code,
                name,
                name_en,
                figures,
            }
        })
        .collect();
    // The head station first, then the others in the order they were set up.
    stations.sort_by_key(|s| {
        names
            .stations
            .iter()
            .find(|(_, (c, _, _))| *c == s.code)
            .map(|(id, _)| *id)
    });
    let p = parts(db, DISTRICT, &names, &late).await?;
    let month_line = month_line(&by_month, today);
    // Today's intake: a range read of the index on `created_at`, a day's cases at most.
    // China Standard Time has no daylight saving: midnight is 16:00 UTC the day before.
    let midnight = today
        .and_hms_opt(0, 0, 0)
        .map_or(now, |t| t.and_utc() - chrono::Duration::hours(8));
    let received_today = cases::Entity::find()
        .filter(cases::Column::CreatedAt.gte(midnight))
        .count(db)
        .await? as i64;
    Ok(Screen {
        received_today,
        received_this_month: month_line.last().map_or(0, |m| m.received),
        places: names.places.clone(),
        district: district.case_slice().finish(),
        stations,
        by_category: p.by_category,
        by_organisation: p.by_organisation,
        by_channel: p.by_channel,
        by_month: month_line,
        latest: latest(db, None, &names, 16).await?,
        as_of: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_per_cent_to_one_decimal_and_absent_without_a_base() {
        assert_eq!(rate(1, 3), Some(33.3));
        assert_eq!(rate(2, 2), Some(100.0));
        assert_eq!(rate(0, 0), None);
    }

    #[test]
    fn the_month_line_runs_twelve_months_back_across_the_year() {
        let mut by = BTreeMap::new();
        let mut f = Figures::default();
        f.add("received", 5);
        f.add("s_closed", 2);
        by.insert(202601, f);
        let line = month_line(&by, NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(line.len(), 12);
        assert_eq!(line[0].month, "2025-04");
        assert_eq!(line[11].month, "2026-03");
        assert_eq!((line[9].received, line[9].closed), (5, 2));
    }

    #[test]
    fn status_gauges_fold_into_open_closed_and_rejected() {
        let mut f = Figures::default();
        for (m, n) in [
            ("s_submitted", 2),
            ("s_in_progress", 3),
            ("s_closed", 4),
            ("s_rejected", 1),
        ] {
            f.add(m, n);
        }
        assert_eq!((f.open, f.closed, f.rejected), (5, 4, Some(1)));
        let org = f.clone().org_slice();
        assert_eq!((org.open, org.rejected, org.resolved), (5, None, None));
        let empty = Figures::default().case_slice();
        assert_eq!((empty.rejected, empty.resolved), (Some(0), Some(0)));
    }
}
