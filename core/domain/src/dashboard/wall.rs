//! A station's wall screen (智慧屏, `/s/{code}/screen`): public, so it reads only what the
//! public tracking page shows — the answers given in public events — and never a title, a
//! description or a contact.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::cases::deadlines::local_today;
use crate::cases::entity::{cases, events};

/// One public answer, as the wall shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicReply {
    /// The case's receipt code: residents find the whole answer with it on `/t`.
    pub receipt_code: String,
    /// The case's category id.
    pub category_id: i64,
    /// Who answered: the lead organisation's id, none when the station answered itself.
    pub organisation_id: Option<i64>,
    /// The answer as published on the tracking page.
    pub answer: String,
    /// The date it was given (Asia/Shanghai).
    pub date: NaiveDate,
}

/// The `n` latest public answers (答复, 站内解决) of station `station_id`, newest first.
pub async fn latest_replies(
    db: &impl ConnectionTrait,
    station_id: i64,
    n: u64,
) -> Result<Vec<PublicReply>, crate::error::Error> {
    let mut of_station = Query::select();
    of_station
        .column(cases::Column::Id)
        .from(cases::Entity)
        .and_where(cases::Column::StationId.eq(station_id));
    let rows: Vec<(i64, Option<String>, DateTime<Utc>)> = events::Entity::find()
        .select_only()
        .columns([
            events::Column::CaseId,
            events::Column::Note,
            events::Column::CreatedAt,
        ])
        .filter(events::Column::Action.is_in(["reply", "resolve"]))
        .filter(events::Column::Public.eq(true))
        .filter(events::Column::CaseId.in_subquery(of_station))
        .order_by_desc(events::Column::CreatedAt)
        .order_by_desc(events::Column::Id)
        .limit(n)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let found = cases::Entity::find()
        .filter(cases::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(case_id, note, at)| {
            let c = found.iter().find(|c| c.id == case_id)?;
            Some(PublicReply {
                receipt_code: c.receipt_code.clone(),
                category_id: c.category_id,
                organisation_id: c.lead_org_id,
                answer: note.unwrap_or_default(),
                date: local_today(at),
            })
        })
        .collect())
}
