//! A resident's consent to be texted about their case: given by ticking the box on the form
//! (with a phone), kept with the case, withdrawn by the opt-out link in every text.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::entity::consents;

fn token() -> String {
    let mut raw = [0u8; 24];
    rand::rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

/// A consent row for `case_id`, written with the case.
pub(crate) fn row(case_id: i64, now: DateTime<Utc>) -> consents::ActiveModel {
    consents::ActiveModel {
        case_id: Set(case_id),
        token: Set(token()),
        opted_out_at: Set(None),
        created_at: Set(now),
    }
}

/// Writes the consents of the cases `ids` (each had a phone and the box ticked).
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if !ids.is_empty() {
        consents::Entity::insert_many(ids.iter().map(|id| row(*id, now)))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The opt-out token of the resident of `case_id`, while they consent.
pub(crate) async fn token_of(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Option<String>, DbErr> {
    Ok(consents::Entity::find_by_id(case_id)
        .one(db)
        .await?
        .filter(|c| c.opted_out_at.is_none())
        .map(|c| c.token))
}

/// Whether the case's resident consented (and has not opted out).
pub async fn given(db: &impl ConnectionTrait, case_id: i64) -> Result<bool, DbErr> {
    Ok(token_of(db, case_id).await?.is_some())
}

/// Withdraws the consent behind `token`; false when the token is unknown. Opting out twice is
/// fine.
pub async fn opt_out(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, crate::error::Error> {
    let token = token.trim();
    if token.len() != 48 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let Some(c) = consents::Entity::find()
        .filter(consents::Column::Token.eq(token))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    if c.opted_out_at.is_none() {
        consents::Entity::update_many()
            .col_expr(consents::Column::OptedOutAt, Expr::val(now))
            .filter(consents::Column::CaseId.eq(c.case_id))
            .exec(db)
            .await?;
        tracing::info!(case_id = c.case_id, "resident opted out of texts");
    }
    Ok(true)
}
