//! What a resident's brand form answered, kept for a day under the one-time token the form
//! carried. The page answers the POST with a redirect to the kept answer, so a reload shows it
//! again instead of sending the form again; and the token is claimed before the brand runs, so
//! a form sent twice (back and send again, a double tap, two nodes) runs once and both sendings
//! land on the same answer.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::Error;

/// How long an answer is kept: long enough to come back to it, short enough that the table
/// stays small (a brand's message may repeat what the resident typed).
pub const KEPT_FOR_HOURS: i64 = 24;

/// Maps the `brand_results` table.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One resident form's answer, or its claim while the brand runs.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "brand_results")]
    pub struct Model {
        /// The form's one-time token (16 to 64 printable ASCII characters).
        #[sea_orm(primary_key, auto_increment = false)]
        pub token: String,
        /// The brand that answered.
        pub plugin_id: String,
        /// The station whose page the form was on.
        pub station_id: i64,
        /// False while the brand runs; true once its answer is kept.
        pub done: bool,
        /// The brand's message to the resident.
        pub message: Option<String>,
        /// The brand's view, as the host's JSON blocks.
        pub view: Option<String>,
        /// The case the brand filed, if it did.
        pub case_id: Option<i64>,
        /// When the form was first sent.
        pub created_at: DateTimeUtc,
    }

    /// No relations: read by token only.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A kept answer.
pub use entity::Model as BrandResult;

/// Whether `token` can name a form: what the page puts in the hidden field, not anything sent.
pub fn valid_token(token: &str) -> bool {
    (16..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Claims `token` for a run of `plugin` at the station: `None` when this sending is the first
/// (the caller runs the brand, then [`settle`]s or [`release`]s), or what an earlier sending
/// left (running still, or its answer). Answers older than [`KEPT_FOR_HOURS`] are forgotten
/// here, so the table needs no sweeper.
pub async fn claim(
    db: &impl ConnectionTrait,
    token: &str,
    plugin: &str,
    station_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<BrandResult>, Error> {
    entity::Entity::delete_many()
        .filter(entity::Column::CreatedAt.lt(now - Duration::hours(KEPT_FOR_HOURS)))
        .exec(db)
        .await?;
    if let Some(earlier) = entity::Entity::find_by_id(token.to_owned()).one(db).await? {
        return Ok(Some(earlier));
    }
    let inserted = entity::ActiveModel {
        token: Set(token.to_owned()),
        plugin_id: Set(plugin.to_owned()),
        station_id: Set(station_id),
        done: Set(false),
        message: Set(None),
        view: Set(None),
        case_id: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(None),
        // Another sending claimed it between the read and the insert: it runs, this one waits
        // for its answer.
        Err(_) => Ok(entity::Entity::find_by_id(token.to_owned()).one(db).await?),
    }
}

/// Keeps the brand's answer under the claimed token.
pub async fn settle(
    db: &impl ConnectionTrait,
    token: &str,
    message: &str,
    view: Option<String>,
    case_id: Option<i64>,
) -> Result<(), Error> {
    entity::Entity::update_many()
        .col_expr(entity::Column::Done, sea_orm::sea_query::Expr::val(true))
        .col_expr(
            entity::Column::Message,
            sea_orm::sea_query::Expr::val(message.to_owned()),
        )
        .col_expr(entity::Column::View, sea_orm::sea_query::Expr::val(view))
        .col_expr(
            entity::Column::CaseId,
            sea_orm::sea_query::Expr::val(case_id),
        )
        .filter(entity::Column::Token.eq(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives the token back after a refusal or a failure, so the corrected form can be sent with
/// it again.
pub async fn release(db: &impl ConnectionTrait, token: &str) -> Result<(), Error> {
    entity::Entity::delete_many()
        .filter(entity::Column::Token.eq(token))
        .filter(entity::Column::Done.eq(false))
        .exec(db)
        .await?;
    Ok(())
}

/// The answer kept under `token` for this brand at this station, if any (and not yet
/// forgotten): another station's or brand's token shows nothing.
pub async fn kept(
    db: &impl ConnectionTrait,
    token: &str,
    plugin: &str,
    station_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<BrandResult>, Error> {
    Ok(entity::Entity::find_by_id(token.to_owned())
        .filter(entity::Column::PluginId.eq(plugin))
        .filter(entity::Column::StationId.eq(station_id))
        .filter(entity::Column::CreatedAt.gte(now - Duration::hours(KEPT_FOR_HOURS)))
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_runs_once_and_keeps_its_answer() {
        let db = crate::db::testing::memory().await;
        let now = Utc::now();
        assert!(
            claim(&db, "tok0123456789abcdef", "desk", 1, now)
                .await
                .unwrap()
                .is_none()
        );
        // Sent again while the first still runs: the claim is seen, nothing runs twice.
        let again = claim(&db, "tok0123456789abcdef", "desk", 1, now)
            .await
            .unwrap();
        assert!(again.is_some_and(|r| !r.done));
        settle(&db, "tok0123456789abcdef", "已收到", None, Some(7))
            .await
            .unwrap();
        let kept_answer = kept(&db, "tok0123456789abcdef", "desk", 1, now)
            .await
            .unwrap()
            .unwrap();
        assert!(kept_answer.done);
        assert_eq!(
            (kept_answer.message.as_deref(), kept_answer.case_id),
            (Some("已收到"), Some(7))
        );
        // Another station or brand cannot read it; after a day it is gone.
        assert!(
            kept(&db, "tok0123456789abcdef", "desk", 2, now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            kept(&db, "tok0123456789abcdef", "other", 1, now)
                .await
                .unwrap()
                .is_none()
        );
        let later = now + Duration::hours(KEPT_FOR_HOURS + 1);
        assert!(
            kept(&db, "tok0123456789abcdef", "desk", 1, later)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            claim(&db, "tokfedcba9876543210", "desk", 1, later)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            kept(&db, "tok0123456789abcdef", "desk", 1, now)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_released_token_can_be_sent_again_but_a_settled_one_stays() {
        let db = crate::db::testing::memory().await;
        let now = Utc::now();
        claim(&db, "aaaaaaaaaaaaaaaa", "desk", 1, now)
            .await
            .unwrap();
        release(&db, "aaaaaaaaaaaaaaaa").await.unwrap();
        assert!(
            claim(&db, "aaaaaaaaaaaaaaaa", "desk", 1, now)
                .await
                .unwrap()
                .is_none()
        );
        settle(&db, "aaaaaaaaaaaaaaaa", "ok", None, None)
            .await
            .unwrap();
        release(&db, "aaaaaaaaaaaaaaaa").await.unwrap();
        assert!(
            kept(&db, "aaaaaaaaaaaaaaaa", "desk", 1, now)
                .await
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn tokens_are_what_pages_make() {
        assert!(valid_token(&"a1".repeat(16)));
        assert!(!valid_token("short"));
        assert!(!valid_token(&"a".repeat(65)));
        assert!(!valid_token("has space in it 12345"));
    }
}
