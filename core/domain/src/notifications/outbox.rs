//! Writing notifications: in the transaction of the event that causes them (a transition, an
//! intake batch, a plugin's suspension), so a notification exists if and only if its cause
//! committed. The dispatcher fans them out to channels after commit.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::entity::{consents, notifications};
use super::rules::{self, Audience, Facts, Notice};
use crate::auth::entity::users;
use crate::cases::entity::{cases, events};
use crate::cases::{Status, Urgency};

/// One notification to write.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub kind: &'static str,
    pub user_id: Option<i64>,
    pub case_id: Option<i64>,
    pub resident: bool,
    pub data: Value,
    pub urgent: bool,
    pub dedupe_key: Option<String>,
}

impl Row {
    fn model(self, now: DateTime<Utc>) -> notifications::ActiveModel {
        notifications::ActiveModel {
            kind: Set(self.kind.to_owned()),
            user_id: Set(self.user_id),
            case_id: Set(self.case_id),
            resident: Set(self.resident),
            data: Set(self.data.to_string()),
            urgent: Set(self.urgent),
            dedupe_key: Set(self.dedupe_key),
            fanned_out: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
    }
}

/// Writes `rows`; one whose dedupe key is already taken is skipped (another node, or an earlier
/// tick, wrote it).
pub(crate) async fn write(
    db: &impl ConnectionTrait,
    rows: Vec<Row>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let keyed = rows.iter().any(|r| r.dedupe_key.is_some());
    let models: Vec<_> = rows.into_iter().map(|r| r.model(now)).collect();
    if keyed {
        for m in models {
            notifications::Entity::insert(m)
                .on_conflict(
                    OnConflict::column(notifications::Column::DedupeKey)
                        .do_nothing()
                        .to_owned(),
                )
                .try_insert()
                .exec(db)
                .await?;
        }
    } else {
        notifications::Entity::insert_many(models).exec(db).await?;
    }
    Ok(())
}

/// The active users of `role` whose `col` is `id`.
async fn users_where(
    db: &impl ConnectionTrait,
    role: &str,
    col: users::Column,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<users::Model>, DbErr> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::Entity::find()
        .filter(users::Column::Role.eq(role))
        .filter(users::Column::Active.eq(true))
        .filter(col.is_in(ids))
        .all(db)
        .await
}

/// The ids of the active ops users.
pub(crate) async fn ops_users(db: &impl ConnectionTrait) -> Result<Vec<i64>, DbErr> {
    users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Role.eq("ops"))
        .filter(users::Column::Active.eq(true))
        .into_tuple()
        .all(db)
        .await
}

fn case_data(case: &cases::Model) -> Value {
    json!({ "case_id": case.id, "title": case.title, "level": case.supervision_level })
}

/// Whether the resident of `case_id` consented to texts and has not opted out.
async fn consents(db: &impl ConnectionTrait, case_id: i64) -> Result<bool, DbErr> {
    Ok(consents::Entity::find_by_id(case_id)
        .one(db)
        .await?
        .is_some_and(|c| c.opted_out_at.is_none()))
}

/// The rows `notices` make for `case`, resolved against the people in `people`.
fn rows_for(case: &cases::Model, notices: &[Notice], people: &People) -> Vec<Row> {
    let mut out = Vec::new();
    let urgent = case.urgency == Urgency::Urgent;
    for n in notices {
        let users: Vec<i64> = match n.to {
            Audience::Deputy => case
                .deputy_id
                .and_then(|d| people.deputies.get(&d))
                .cloned()
                .unwrap_or_default(),
            Audience::StationStaff => {
                // Each carries its station, for the station's group chat (see `dispatch`).
                let mut data = case_data(case);
                data["station_id"] = json!(case.station_id);
                for u in people.staff.get(&case.station_id).into_iter().flatten() {
                    out.push(Row {
                        kind: n.kind,
                        user_id: Some(*u),
                        case_id: Some(case.id),
                        resident: false,
                        data: data.clone(),
                        urgent,
                        dedupe_key: None,
                    });
                }
                continue;
            }
            Audience::LeadHandlers => case
                .lead_org_id
                .and_then(|o| people.handlers.get(&o))
                .cloned()
                .unwrap_or_default(),
            Audience::Ops => people.ops.clone(),
            // Only suggestions have co-organisations.
            Audience::CoHandlers => continue,
            Audience::Resident => {
                out.push(Row {
                    kind: n.kind,
                    user_id: None,
                    case_id: Some(case.id),
                    resident: true,
                    data: json!({ "case_id": case.id, "receipt": case.receipt_code }),
                    urgent,
                    dedupe_key: None,
                });
                continue;
            }
        };
        for u in users {
            out.push(Row {
                kind: n.kind,
                user_id: Some(u),
                case_id: Some(case.id),
                resident: false,
                data: case_data(case),
                urgent,
                dedupe_key: None,
            });
        }
    }
    out
}

/// The users a batch of notices may reach, by what they are attached to.
#[derive(Default)]
struct People {
    deputies: HashMap<i64, Vec<i64>>,
    staff: HashMap<i64, Vec<i64>>,
    handlers: HashMap<i64, Vec<i64>>,
    ops: Vec<i64>,
}

impl People {
    async fn load(
        db: &impl ConnectionTrait,
        cases: &[&cases::Model],
        audiences: &HashSet<Audience>,
    ) -> Result<Self, DbErr> {
        let mut p = People::default();
        if audiences.contains(&Audience::Deputy) {
            for u in users_where(
                db,
                "deputy",
                users::Column::DeputyId,
                cases.iter().filter_map(|c| c.deputy_id),
            )
            .await?
            {
                if let Some(d) = u.deputy_id {
                    p.deputies.entry(d).or_default().push(u.id);
                }
            }
        }
        if audiences.contains(&Audience::StationStaff) {
            let ids: HashSet<i64> = cases.iter().map(|c| c.station_id).collect();
            for u in users_where(db, "station_staff", users::Column::StationId, ids).await? {
                if let Some(s) = u.station_id {
                    p.staff.entry(s).or_default().push(u.id);
                }
            }
        }
        if audiences.contains(&Audience::LeadHandlers) {
            let ids: HashSet<i64> = cases.iter().filter_map(|c| c.lead_org_id).collect();
            for u in users_where(db, "handler", users::Column::OrganisationId, ids).await? {
                if let Some(o) = u.organisation_id {
                    p.handlers.entry(o).or_default().push(u.id);
                }
            }
        }
        if audiences.contains(&Audience::Ops) {
            p.ops = ops_users(db).await?;
        }
        Ok(p)
    }
}

/// Called in a transition's transaction with the case as it is after and its event.
pub async fn on_case_event(
    txn: &impl ConnectionTrait,
    after: &cases::Model,
    event: &events::Model,
) -> Result<(), DbErr> {
    // Only the actions that can text the resident pay for the consent lookup.
    let may_text =
        matches!(event.action.as_str(), "reply" | "resolve") || after.status == Status::Closed;
    let facts = Facts {
        action: &event.action,
        to_status: &event.to_status,
        has_deputy: after.deputy_id.is_some(),
        has_lead: after.lead_org_id.is_some(),
        resident_consents: may_text && consents(txn, after.id).await?,
    };
    let notices = rules::on_case_event(&facts);
    if notices.is_empty() {
        return Ok(());
    }
    let audiences = notices.iter().map(|n| n.to).collect();
    let people = People::load(txn, &[after], &audiences).await?;
    write(txn, rows_for(after, &notices, &people), event.created_at).await
}

/// Called in an intake batch's transaction with the cases it wrote: one query for the people,
/// one insert for the rows, however large the batch.
pub async fn on_intake(
    txn: &impl ConnectionTrait,
    cases: &[cases::Model],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut all = Vec::new();
    let refs: Vec<&cases::Model> = cases.iter().collect();
    let audiences = [Audience::Deputy, Audience::StationStaff].into();
    let people = People::load(txn, &refs, &audiences).await?;
    for c in cases {
        let notices = rules::on_case_event(&Facts {
            action: "submit",
            to_status: "submitted",
            has_deputy: c.deputy_id.is_some(),
            has_lead: false,
            resident_consents: false,
        });
        all.extend(rows_for(c, &notices, &people));
    }
    write(txn, all, now).await
}

/// Most items one sweep looks at; the next sweep goes on from where this one stopped.
pub const SWEEP_PAGE: u64 = 500;

/// Tells each station's staff of its overdue cases, once per case and deadline (a unique key),
/// however many nodes sweep. Looks at one page of the overdue cases after id `after`; answers
/// the last id it looked at, or `None` once it reached the end (the next sweep starts again
/// from the first). Paging matters: a district with more overdue cases than a page would
/// otherwise look at the same first page for ever, and never tell of the rest.
pub async fn sweep_overdue(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    now: DateTime<Utc>,
    after: i64,
) -> Result<Option<i64>, DbErr> {
    sweep_overdue_page(db, today, now, after, SWEEP_PAGE).await
}

/// [`sweep_overdue`] with pages of `page` cases.
pub async fn sweep_overdue_page(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    now: DateTime<Utc>,
    after: i64,
    page: u64,
) -> Result<Option<i64>, DbErr> {
    let overdue = cases::Entity::find()
        .filter(cases::Column::DueOn.lt(today))
        .filter(
            cases::Column::Status.is_not_in([Status::Closed.as_str(), Status::Rejected.as_str()]),
        )
        .filter(cases::Column::Id.gt(after))
        .order_by_asc(cases::Column::Id)
        .limit(page)
        .all(db)
        .await?;
    let refs: Vec<&cases::Model> = overdue.iter().collect();
    let people = People::load(db, &refs, &[Audience::StationStaff].into()).await?;
    let notice = rules::on_overdue();
    let mut rows = Vec::new();
    for c in &overdue {
        let due = c.due_on.map(|d| d.to_string()).unwrap_or_default();
        for mut r in rows_for(c, &[notice], &people) {
            r.dedupe_key = Some(format!(
                "overdue:{}:{due}:{}",
                c.id,
                r.user_id.unwrap_or_default()
            ));
            rows.push(r);
        }
    }
    write_once(db, rows, now).await?;
    Ok(next_page(&overdue, page, |c| c.id))
}

/// Where the next sweep goes on after `items`, a page of at most `page`: its last id, or from
/// the start after a short (last) page.
pub(crate) fn next_page<T>(items: &[T], page: u64, id: impl Fn(&T) -> i64) -> Option<i64> {
    if (items.len() as u64) < page {
        None
    } else {
        items.last().map(id)
    }
}

/// Writes the keyed `rows` whose keys are not taken yet: a sweep that runs every few seconds
/// on every node finds most of its rows written already, and reading their keys once costs
/// less than an insert per row that lands on the unique key.
pub(crate) async fn write_once(
    db: &impl ConnectionTrait,
    mut rows: Vec<Row>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let existing: HashSet<String> = notifications::Entity::find()
        .select_only()
        .column(notifications::Column::DedupeKey)
        .filter(
            notifications::Column::DedupeKey
                .is_in(rows.iter().filter_map(|r| r.dedupe_key.clone())),
        )
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    rows.retain(|r| r.dedupe_key.as_ref().is_some_and(|k| !existing.contains(k)));
    write(db, rows, now).await
}

/// Tells ops something needs them (a plugin suspended, a delivery parked), once per `key`.
pub async fn alert_ops(
    db: &impl ConnectionTrait,
    key: &str,
    text: &str,
    link: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let notice = rules::on_ops_alert();
    let rows = ops_users(db)
        .await?
        .into_iter()
        .map(|u| Row {
            kind: notice.kind,
            user_id: Some(u),
            case_id: None,
            resident: false,
            data: json!({ "text": text, "link": link }),
            urgent: false,
            dedupe_key: Some(format!("{key}:{u}")),
        })
        .collect();
    write(db, rows, now).await
}

/// A station brand's notice to the staff of `station_id` (the plugin host checked the grant,
/// the sizes and the hourly limit). Returns how many staff it reaches; none is not an error,
/// as a station may have no staff account yet.
pub async fn brand_notice(
    db: &impl ConnectionTrait,
    station_id: i64,
    plugin_id: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let notice = rules::on_brand_notice();
    let rows: Vec<Row> = users_where(db, "station_staff", users::Column::StationId, [station_id])
        .await?
        .into_iter()
        .map(|u| Row {
            kind: notice.kind,
            user_id: Some(u.id),
            case_id: None,
            resident: false,
            data: json!({
                "plugin": plugin_id, "subject": subject, "body": body, "station_id": station_id
            }),
            urgent: false,
            dedupe_key: None,
        })
        .collect();
    let n = rows.len();
    write(db, rows, now).await?;
    Ok(n)
}
