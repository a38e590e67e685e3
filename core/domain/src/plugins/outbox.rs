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
