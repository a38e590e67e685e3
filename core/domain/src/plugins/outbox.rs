//! The outbox side of case events: a transition writes a row here in its own transaction;
//! the plugin host fans the rows out to plugins after commit and delivers them (see the
//! host's `outbox`), reading and settling the rows through the functions here.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::entity::{deliveries, outbox};
use super::{Delivery, OutboxEvent};
use crate::cases::entity::events;

/// Called inside the transition's transaction.
pub async fn enqueue(
    txn: &impl sea_orm::ConnectionTrait,
    event: &events::Model,
    station_id: i64,
) -> Result<(), sea_orm::DbErr> {
    if !liaison_contract::manifest::EVENT_ACTIONS.contains(&event.action.as_str()) {
        return Ok(());
    }
    outbox::ActiveModel {
        event_id: Set(event.id),
        case_id: Set(event.case_id),
        station_id: Set(station_id),
        action: Set(event.action.clone()),
        dispatched: Set(false),
        created_at: Set(event.created_at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// `enqueue` for a batch of events, in one statement.
pub async fn enqueue_many(
    txn: &impl sea_orm::ConnectionTrait,
    events: &[events::Model],
    station_of: &std::collections::HashMap<i64, i64>,
) -> Result<(), sea_orm::DbErr> {
    let rows: Vec<outbox::ActiveModel> = events
        .iter()
        .filter(|e| liaison_contract::manifest::EVENT_ACTIONS.contains(&e.action.as_str()))
        .filter_map(|e| {
            Some(outbox::ActiveModel {
                event_id: Set(e.id),
                case_id: Set(e.case_id),
                station_id: Set(*station_of.get(&e.case_id)?),
                action: Set(e.action.clone()),
                dispatched: Set(false),
                created_at: Set(e.created_at),
                ..Default::default()
            })
        })
        .collect();
    if !rows.is_empty() {
        outbox::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}

/// Events not yet fanned out, oldest first, at most `limit` of them.
pub async fn undispatched(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<OutboxEvent>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Dispatched.eq(false))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The event `id`.
pub async fn event(db: &impl ConnectionTrait, id: i64) -> Result<Option<OutboxEvent>, DbErr> {
    outbox::Entity::find_by_id(id).one(db).await
}

/// The case's events in the outbox, oldest first: where a case's events stand on their way
/// to the plugins.
pub async fn events_of_case(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<OutboxEvent>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::CaseId.eq(case_id))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}

/// The deliveries of the event `outbox_id`, by plugin.
pub async fn deliveries_of(
    db: &impl ConnectionTrait,
    outbox_id: i64,
) -> Result<Vec<Delivery>, DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::OutboxId.eq(outbox_id))
        .order_by_asc(deliveries::Column::PluginId)
        .all(db)
        .await
}

/// Fans the event out: a pending delivery, due `now`, to each of `plugins` that has none yet,
/// then marks the event dispatched. Run it on one transaction, so that the deliveries and the
/// mark land together: a crash half-way leaves the event to fan out again, and the check for
/// an existing delivery keeps that from delivering twice.
pub async fn fan_out(
    db: &impl ConnectionTrait,
    event: &OutboxEvent,
    plugins: &[&str],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for plugin in plugins {
        let exists = deliveries::Entity::find()
            .filter(deliveries::Column::OutboxId.eq(event.id))
            .filter(deliveries::Column::PluginId.eq(*plugin))
            .one(db)
            .await?;
        if exists.is_none() {
            deliveries::ActiveModel {
                outbox_id: Set(event.id),
                plugin_id: Set((*plugin).to_owned()),
                station_id: Set(event.station_id),
                status: Set("pending".into()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                last_error: Set(None),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Dispatched, Expr::val(true))
        .filter(outbox::Column::Id.eq(event.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Pending deliveries due by `now`, oldest first, at most `limit` of them.
pub async fn due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::Status.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.lte(now))
        .order_by_asc(deliveries::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Claims the delivery (as read, `d`) until `lease`: true for the one caller whose update
/// finds it still pending and still due when it was read. Another node that read the same row
/// loses this race and skips it; a claimer that dies leaves it to be tried after the lease.
pub async fn claim(
    db: &impl ConnectionTrait,
    d: &Delivery,
    lease: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let claimed = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::NextAttemptAt, Expr::val(lease))
        .filter(deliveries::Column::Id.eq(d.id))
        .filter(deliveries::Column::Status.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.eq(d.next_attempt_at))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// The outcome of an attempt at a delivery: each field given is written, the others stay.
#[derive(Debug, Clone)]
pub struct DeliveryChange {
    /// "done" or "parked"; none leaves it pending.
    pub status: Option<String>,
    /// The failed attempts so far.
    pub attempts: Option<i32>,
    /// When to try next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the attempt did not deliver.
    pub last_error: Option<String>,
    /// When the outcome was booked.
    pub updated_at: DateTime<Utc>,
}

/// Books an attempt's outcome on the delivery (as read, `d`); its fields the change does not
/// give are not written, so the lease the claim set stays unless the change moves it.
pub async fn settle(
    db: &impl ConnectionTrait,
    d: Delivery,
    change: DeliveryChange,
) -> Result<(), DbErr> {
    let mut am: deliveries::ActiveModel = d.into();
    am.updated_at = Set(change.updated_at);
    if let Some(s) = change.status {
        am.status = Set(s);
    }
    if let Some(a) = change.attempts {
        am.attempts = Set(a);
    }
    if let Some(t) = change.next_attempt_at {
        am.next_attempt_at = Set(t);
    }
    if let Some(e) = change.last_error {
        am.last_error = Set(Some(e));
    }
    am.update(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};

    use super::*;
    use crate::cases::actions::{Context, Performer, perform};
    use crate::cases::commands::{Command, ReasonBody, RegisterBody};
    use crate::testing::District;

    async fn rows_of(d: &District, case_id: i64) -> Vec<outbox::Model> {
        outbox::Entity::find()
            .filter(outbox::Column::CaseId.eq(case_id))
            .all(&d.db)
            .await
            .unwrap()
    }

    fn event(case_id: i64, action: &str) -> events::ActiveModel {
        events::ActiveModel {
            case_id: Set(case_id),
            action: Set(action.to_owned()),
            from_status: Set("submitted".into()),
            to_status: Set("registered".into()),
            actor_role: Set("station_staff".into()),
            actor_user_id: Set(None),
            actor_name: Set("工作人员".into()),
            note: Set(None),
            public: Set(true),
            data: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_rolled_back_transaction_leaves_no_row_and_a_committed_one_exactly_one() {
        let d = District::new().await;
        let case = d
            .submit(District::intake("lunan"), Utc::now())
            .await
            .unwrap();
        assert_eq!(rows_of(&d, case.id).await.len(), 1, "the submit");

        let txn = d.db.begin().await.unwrap();
        let ev = event(case.id, "register").insert(&txn).await.unwrap();
        enqueue(&txn, &ev, d.lunan.id).await.unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(
            rows_of(&d, case.id).await.len(),
            1,
            "nothing of the rollback"
        );

        let txn = d.db.begin().await.unwrap();
        let ev = event(case.id, "register").insert(&txn).await.unwrap();
        enqueue(&txn, &ev, d.lunan.id).await.unwrap();
        txn.commit().await.unwrap();
        let rows = rows_of(&d, case.id).await;
        assert_eq!(rows.len(), 2);
        let row = rows.iter().find(|r| r.event_id == ev.id).unwrap();
        assert_eq!(
            (row.action.as_str(), row.station_id, row.dispatched),
            ("register", d.lunan.id, false)
        );

        // An action no plugin may listen to is not queued at all.
        let txn = d.db.begin().await.unwrap();
        let ev = event(case.id, "reveal_contact").insert(&txn).await.unwrap();
        enqueue(&txn, &ev, d.lunan.id).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(rows_of(&d, case.id).await.len(), 2);
    }

    #[tokio::test]
    async fn a_transition_queues_its_event_and_a_refused_one_queues_nothing() {
        let d = District::new().await;
        let case = d
            .submit(District::intake("lunan"), Utc::now())
            .await
            .unwrap();
        let ctx = Context {
            rules: &d.settings.deadlines,
            now: Utc::now(),
        };
        let staff = Performer::User(d.lunan_staff.clone());
        // Refused half-way (a blank reason): the transaction is dropped, nothing is queued.
        perform(
            &d.db,
            &ctx,
            &staff,
            case.id,
            Command::Reject(ReasonBody { reason: " ".into() }),
        )
        .await
        .unwrap_err();
        assert_eq!(rows_of(&d, case.id).await.len(), 1);
        perform(
            &d.db,
            &ctx,
            &staff,
            case.id,
            Command::Register(RegisterBody::default()),
        )
        .await
        .unwrap();
        let actions: Vec<String> = rows_of(&d, case.id)
            .await
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(actions, ["submit", "register"]);
        assert_eq!(outbox::Entity::find().count(&d.db).await.unwrap(), 2);
    }
}
