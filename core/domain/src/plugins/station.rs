//! What a brand reaches at its station through the host: the station's cases and their tags,
//! its own notes in a case's history, and its own key-value storage. Every function takes the
//! station (and, for storage, the plugin) so that no query here can reach past them; the host
//! checks capabilities and the contract's limits before it comes here.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::entity::{storage, tags};
use crate::auth::Scope;
use crate::cases::entity::{cases, events};
use crate::cases::{Case, Status, scope};
use crate::error::Error;

/// The case `id` if it belongs to the station; `None` otherwise, so that a brand cannot tell a
/// case of another station from one that does not exist.
pub async fn case(
    db: &impl ConnectionTrait,
    station_id: i64,
    id: i64,
) -> Result<Option<Case>, Error> {
    Ok(
        scope::narrow(cases::Entity::find(), Scope::Station(station_id))
            .filter(cases::Column::Id.eq(id))
            .one(db)
            .await?,
    )
}

/// Which of the station's cases a brand asks for; every part narrows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases in this state.
    pub status: Option<Status>,
    /// Only cases of this category (its id).
    pub category_id: Option<i64>,
    /// Only cases carrying this tag.
    pub tag: Option<String>,
    /// Only cases whose title or description contains this text.
    pub text: Option<String>,
    /// At most this many, newest first.
    pub limit: u64,
}

/// The station's cases that pass the filter, newest first.
pub async fn cases(
    db: &impl ConnectionTrait,
    station_id: i64,
    filter: &CaseFilter,
) -> Result<Vec<Case>, Error> {
    let mut q = scope::narrow(cases::Entity::find(), Scope::Station(station_id));
    if let Some(status) = filter.status {
        q = q.filter(cases::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.category_id {
        q = q.filter(cases::Column::CategoryId.eq(id));
    }
    if let Some(t) = &filter.tag {
        q = q.filter(
            Expr::col((cases::Entity, cases::Column::Id)).in_subquery(
                Query::select()
                    .column(tags::Column::CaseId)
                    .from(tags::Entity)
                    .and_where(Expr::col(tags::Column::Tag).eq(t.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q = q.filter(
            Condition::any()
                .add(cases::Column::Title.contains(t))
                .add(cases::Column::Description.contains(t)),
        );
    }
    Ok(q.order_by_desc(cases::Column::Id)
        .limit(filter.limit)
        .all(db)
        .await?)
}

/// The tags on these cases, as (case id, tag).
pub async fn tags_of(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<(i64, String)>, Error> {
    Ok(tags::Entity::find()
        .filter(tags::Column::CaseId.is_in(ids.iter().copied()))
        .order_by_asc(tags::Column::CaseId)
        .order_by_asc(tags::Column::Tag)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.case_id, t.tag))
        .collect())
}

/// Puts the tag on the case, once: a tag already there stays as it was (with its first plugin).
pub async fn tag(
    db: &impl ConnectionTrait,
    plugin_id: &str,
    case_id: i64,
    tag: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if tags::Entity::find_by_id((case_id, tag.to_owned()))
        .one(db)
        .await?
        .is_none()
    {
        tags::ActiveModel {
            case_id: Set(case_id),
            tag: Set(tag.to_owned()),
            plugin_id: Set(plugin_id.to_owned()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// An internal step in the case's history by the plugin (an annotation, a suggestion): staff
/// see it, the tracking page does not, and the case's state does not move.
pub async fn note(
    db: &impl ConnectionTrait,
    plugin_id: &str,
    case: &Case,
    action: &str,
    note: String,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    events::ActiveModel {
        case_id: Set(case.id),
        action: Set(action.to_owned()),
        from_status: Set(case.status.as_str().to_owned()),
        to_status: Set(case.status.as_str().to_owned()),
        actor_role: Set("plugin".into()),
        actor_user_id: Set(None),
        actor_name: Set(plugin_id.to_owned()),
        note: Set(Some(note)),
        note_public: Set(false),
        public: Set(false),
        data: Set(Some(data.to_string())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// One plugin's storage at one station: nothing here can read or write another's keys.
#[derive(Debug, Clone, Copy)]
pub struct Storage<'a> {
    /// The plugin that owns the keys.
    pub plugin_id: &'a str,
    /// The station they belong to.
    pub station_id: i64,
}

impl Storage<'_> {
    /// The value under `key`, if any.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
    ) -> Result<Option<Vec<u8>>, Error> {
        Ok(storage::Entity::find_by_id((
            self.plugin_id.to_owned(),
            self.station_id,
            key.to_owned(),
        ))
        .one(db)
        .await?
        .map(|r| r.value))
    }

    /// Bytes used by every key but `key` (keys and values): what a write of `key` adds to.
    /// Bytes on both backends: `LENGTH` of text counts characters (a Chinese key at a third of
    /// its size) and, in SQLite, stops at a NUL.
    pub async fn used_besides(&self, db: &impl ConnectionTrait, key: &str) -> Result<i64, Error> {
        let bytes = match db.get_database_backend() {
            DbBackend::Postgres => "COALESCE(SUM(OCTET_LENGTH(value) + OCTET_LENGTH(key)), 0)",
            _ => "COALESCE(SUM(LENGTH(CAST(value AS BLOB)) + LENGTH(CAST(key AS BLOB))), 0)",
        };
        let used: Option<i64> = storage::Entity::find()
            .select_only()
            .column_as(Expr::cust(bytes), "used")
            .filter(storage::Column::PluginId.eq(self.plugin_id))
            .filter(storage::Column::StationId.eq(self.station_id))
            .filter(storage::Column::Key.ne(key))
            .into_tuple()
            .one(db)
            .await?;
        Ok(used.unwrap_or(0))
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn put(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        self.delete(db, key).await?;
        storage::ActiveModel {
            plugin_id: Set(self.plugin_id.to_owned()),
            station_id: Set(self.station_id),
            key: Set(key.to_owned()),
            value: Set(value),
        }
        .insert(db)
        .await?;
        Ok(())
    }

    /// Forgets `key`; nothing happens when it is not there.
    pub async fn delete(&self, db: &impl ConnectionTrait, key: &str) -> Result<(), Error> {
        storage::Entity::delete_by_id((self.plugin_id.to_owned(), self.station_id, key.to_owned()))
            .exec(db)
            .await?;
        Ok(())
    }

    /// At most `limit` keys starting with `prefix`, byte for byte (a LIKE would read `%` and
    /// `_` as patterns and, in SQLite, fold ASCII case), ordered by bytes as the SDK's harness
    /// orders them.
    pub async fn keys(
        &self,
        db: &impl ConnectionTrait,
        prefix: &str,
        limit: u64,
    ) -> Result<Vec<String>, Error> {
        let n = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
        let first = Func::cust("SUBSTR")
            .arg(Expr::col(storage::Column::Key))
            .arg(1)
            .arg(n);
        let order = match db.get_database_backend() {
            DbBackend::Postgres => Expr::cust("\"key\" COLLATE \"C\""),
            _ => Expr::col(storage::Column::Key),
        };
        Ok(storage::Entity::find()
            .select_only()
            .column(storage::Column::Key)
            .filter(storage::Column::PluginId.eq(self.plugin_id))
            .filter(storage::Column::StationId.eq(self.station_id))
            .filter(Expr::expr(first).eq(prefix))
            .order_by(order, sea_orm::Order::Asc)
            .limit(limit)
            .into_tuple()
            .all(db)
            .await?)
    }
}
