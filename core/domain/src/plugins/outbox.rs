//! The outbox side of case events: a transition writes a row here in its own transaction;
//! the plugin host fans the rows out to plugins after commit (see the host's `outbox`).

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::entity::outbox;
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
