//! The counters rebuilt from the cases and their events: every event of every case replayed, in
//! order, through the same [`counters::on_event`] the live hooks use. `liaison recount` runs
//! [`rebuild`]; the tests compare [`compute`] with what the hooks kept.
//!
//! Reads in pages by id and keeps only a few numbers per case in memory, so a district of a
//! million cases recounts in one pass without holding its events.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::Value;

use super::counters::{self, CaseFacts, Deltas, Step};
use crate::cases::entity::{cases, events};

const PAGE: u64 = 20_000;

/// What a case is counted under, small: a million of these fit in a few tens of megabytes.
struct Compact {
    station_id: i64,
    category_id: i64,
    channel: u8,
    month: i32,
    lead: Option<i64>,
}

/// Every counter as a full replay says it should be.
pub async fn compute(db: &impl ConnectionTrait) -> Result<Deltas, crate::error::Error> {
    let orgs: HashMap<String, i64> = crate::orgs::entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.code, o.id))
        .collect();
    let mut channels: Vec<String> = Vec::new();
    let mut facts: HashMap<i64, Compact> = HashMap::new();
    let mut last = 0i64;
    loop {
        let page: Vec<(i64, i64, i64, String, DateTime<Utc>)> = cases::Entity::find()
            .select_only()
            .columns([
                cases::Column::Id,
                cases::Column::StationId,
                cases::Column::CategoryId,
                cases::Column::Channel,
                cases::Column::CreatedAt,
            ])
            .filter(cases::Column::Id.gt(last))
            .order_by_asc(cases::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let Some(end) = page.last().map(|r| r.0) else {
            break;
        };
        for (id, station_id, category_id, channel, created_at) in page {
            let channel = match channels.iter().position(|c| *c == channel) {
                Some(i) => i as u8,
                None => {
                    channels.push(channel);
                    (channels.len() - 1) as u8
                }
            };
            facts.insert(
                id,
                Compact {
                    station_id,
                    category_id,
                    channel,
                    month: counters::month_of(created_at),
                    lead: None,
                },
            );
        }
        last = end;
    }

    let mut d = Deltas::default();
    let mut last = 0i64;
    loop {
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            Option<String>,
            DateTime<Utc>,
        );
        // Ids rise with time within a case (its transitions are serialised), so id order is
        // each case's own order.
        let page: Vec<Row> = events::Entity::find()
            .select_only()
            .columns([
                events::Column::Id,
                events::Column::CaseId,
                events::Column::Action,
                events::Column::FromStatus,
                events::Column::ToStatus,
                events::Column::Data,
                events::Column::CreatedAt,
            ])
            .filter(events::Column::Id.gt(last))
            .order_by_asc(events::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let Some(end) = page.last().map(|r| r.0) else {
            break;
        };
        for (_, case_id, action, from, to, data, at) in page {
            let Some(c) = facts.get_mut(&case_id) else {
                continue;
            };
            let data: Value = data
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            let lead_before = c.lead;
            let lead_after = match action.as_str() {
                "assign" => data.get("lead_id").and_then(Value::as_i64).or_else(|| {
                    data.get("lead")
                        .and_then(Value::as_str)
                        .and_then(|code| orgs.get(code).copied())
                }),
                "return" => None,
                _ => lead_before,
            };
            c.lead = lead_after;
            let f = CaseFacts {
                station_id: c.station_id,
                category_id: c.category_id,
                channel: channels[c.channel as usize].clone(),
                intake_month: c.month,
            };
            counters::on_event(
                &mut d,
                &f,
                &Step {
                    action: &action,
                    from: &from,
                    to: &to,
                    data: &data,
                    lead_before,
                    lead_after,
                    month: counters::month_of(at),
                },
            );
        }
        last = end;
    }
    d.0.retain(|_, v| *v != 0);
    Ok(d)
}

/// Replaces every counter with the recount, in one transaction: readers see the old numbers
/// or the new, never none. On PostgreSQL the table is locked first, so a transition running
/// meanwhile waits and then adds its change on top of a recount that already saw everything
/// committed before it; SQLite's single writer gives the same order.
pub async fn rebuild(db: &DatabaseConnection) -> Result<usize, crate::error::Error> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE dashboard_counters IN EXCLUSIVE MODE")
            .await?;
    }
    counters::entity::Entity::delete_many().exec(&txn).await?;
    let d = compute(&txn).await?;
    counters::apply(&txn, &d).await?;
    txn.commit().await?;
    Ok(d.0.len())
}
