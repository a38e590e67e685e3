//! A deputy files a suggestion or motion, from scratch or raised from residents' cases at their
//! station: every field checked, then the item, its co-signers, its cases and its first event
//! written in one transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr, TransactionTrait,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::entity::{cosigners, linked_cases, sessions, suggestions};
use super::{
    Kind, MAX_BODY, MAX_CASES, MAX_COSIGNERS, MAX_TITLE, MOTION_MIN_DEPUTIES, Status, Suggestion,
};
use crate::auth::Actor;
use crate::cases::intake::text;
use crate::error::{Error, FieldKind, Thing};
use crate::policy::{self, Permission};

/// What a deputy files.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSuggestion {
    /// `suggestion` (建议) or `motion` (议案).
    pub kind: Kind,
    /// The congress session's id.
    pub session: i64,
    /// Filed during the session (大会期间); false: between sessions (闭会期间).
    #[serde(default)]
    pub during_session: bool,
    /// 1–100 characters.
    pub title: String,
    /// 10–5000 characters.
    pub body: String,
    /// Co-signing deputies' codes, at most 100, the filer not among them. A motion needs a
    /// delegation or at least nine co-signers (ten deputies with the filer).
    #[serde(default)]
    pub cosigners: Vec<String>,
    /// The delegation (代表团) filing a motion (1–50 characters); suggestions have none.
    pub delegation: Option<String>,
    /// Ids of residents' cases at the deputy's station it was raised from, at most 20; their
    /// residents see on the tracking page that their opinion became a suggestion.
    #[serde(default)]
    pub cases: Vec<i64>,
}

/// Title and text as checked for filing and revision.
pub(super) fn check_title(v: &str) -> Result<String, Error> {
    text("title", v, 1, MAX_TITLE)
}

pub(super) fn check_body(v: &str) -> Result<String, Error> {
    text("body", v, 10, MAX_BODY)
}

/// Files `input` as the signed-in deputy; answers the item as stored.
pub async fn file(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &NewSuggestion,
    now: DateTime<Utc>,
) -> Result<Suggestion, Error> {
    policy::require(actor, Permission::FileSuggestion)?;
    let deputy_id = actor
        .deputy_id
        .ok_or_else(|| Error::forbidden("only deputies file suggestions and motions"))?;
    let deputy = crate::deputies::by_id(db, deputy_id)
        .await?
        .ok_or_else(|| Error::forbidden("the deputy record is gone"))?;
    let title = check_title(&input.title)?;
    let body = check_body(&input.body)?;
    let session = sessions::Entity::find_by_id(input.session)
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "session",
                FieldKind::NotOneOf {
                    choices: Vec::new(),
                },
            )
        })?;
    let delegation = match input.delegation.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => Some(text("delegation", d, 1, 50)?),
        _ => None,
    };
    if delegation.is_some() && input.kind == Kind::Suggestion {
        return Err(Error::invalid("delegation", FieldKind::NotApplicable));
    }
    if input.cosigners.len() > MAX_COSIGNERS {
        return Err(Error::invalid(
            "cosigners",
            FieldKind::TooMany {
                max: MAX_COSIGNERS as u32,
            },
        ));
    }
    let mut cosigner_ids = Vec::new();
    let mut seen = HashSet::new();
    for (i, code) in input.cosigners.iter().enumerate() {
        let field = format!("cosigners[{i}]");
        let code = code.trim();
        let d = crate::deputies::by_code(db, code)
            .await
            .ok()
            .filter(|d| d.active)
            .ok_or_else(|| Error::unknown_code(&field, Thing::Deputy, code))?;
        if d.id == deputy_id || !seen.insert(d.id) {
            return Err(Error::invalid(field, FieldKind::Conflict));
        }
        cosigner_ids.push(d.id);
    }
    if input.kind == Kind::Motion
        && delegation.is_none()
        && 1 + cosigner_ids.len() < MOTION_MIN_DEPUTIES
    {
        return Err(Error::invalid(
            "cosigners",
            FieldKind::Count {
                min: (MOTION_MIN_DEPUTIES - 1) as u32,
                max: MAX_COSIGNERS as u32,
            },
        ));
    }
    if input.cases.len() > MAX_CASES {
        return Err(Error::invalid(
            "cases",
            FieldKind::TooMany {
                max: MAX_CASES as u32,
            },
        ));
    }
    let mut case_ids = Vec::new();
    for (i, id) in input.cases.iter().enumerate() {
        let field = format!("cases[{i}]");
        // Only cases the deputy sees: those raised at their station.
        let found = crate::cases::scope::visible(actor)
            .filter(crate::cases::entity::cases::Column::Id.eq(*id))
            .one(db)
            .await?;
        if found.is_none() {
            return Err(Error::unknown_code(field, Thing::Case, id.to_string()));
        }
        if case_ids.contains(id) {
            return Err(Error::invalid(field, FieldKind::Conflict));
        }
        case_ids.push(*id);
    }

    let checked = Checked {
        session_id: session.id,
        deputy_id,
        station_id: deputy.station_id,
        title,
        body,
        delegation,
        cosigners: cosigner_ids,
        cases: case_ids,
    };
    // Two deputies filing at once may take the same number; the unique index refuses the
    // second, which tries again with the next one. Nothing of a refused try is kept.
    let mut tries = 0;
    let row = loop {
        match write(db, actor, input, &checked, now).await {
            Ok(row) => break row,
            Err(Error::Db(e)) if is_unique_violation(&e) && tries < FILING_TRIES => tries += 1,
            Err(e) => return Err(e),
        }
    };
    tracing::info!(
        suggestion_id = row.id,
        kind = input.kind.as_str(),
        "suggestion filed"
    );
    Ok(row)
}

/// How many times a filing tries again after another took its number.
const FILING_TRIES: u32 = 8;

/// A filing's fields once every one is checked.
struct Checked {
    session_id: i64,
    deputy_id: i64,
    station_id: i64,
    title: String,
    body: String,
    delegation: Option<String>,
    cosigners: Vec<i64>,
    cases: Vec<i64>,
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Writes the item with the next number of its session and kind, its co-signers, its cases and
/// its first event, in one transaction. Its first statement writes the session's row (to what
/// it holds): PostgreSQL then locks that row and SQLite takes its write lock before anything is
/// read, so filings in one session take their numbers in turn on both.
async fn write(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &NewSuggestion,
    c: &Checked,
    now: DateTime<Utc>,
) -> Result<Suggestion, Error> {
    let txn = db.begin().await?;
    sessions::Entity::update_many()
        .col_expr(sessions::Column::Name, Expr::col(sessions::Column::Name))
        .filter(sessions::Column::Id.eq(c.session_id))
        .exec(&txn)
        .await?;
    let last: Option<i32> = suggestions::Entity::find()
        .filter(suggestions::Column::SessionId.eq(c.session_id))
        .filter(suggestions::Column::Kind.eq(input.kind.as_str()))
        .order_by_desc(suggestions::Column::Serial)
        .one(&txn)
        .await?
        .map(|s| s.serial);
    let row = suggestions::ActiveModel {
        session_id: Set(c.session_id),
        kind: Set(input.kind),
        serial: Set(last.unwrap_or(0) + 1),
        during_session: Set(input.during_session),
        title: Set(c.title.clone()),
        body: Set(c.body.clone()),
        deputy_id: Set(c.deputy_id),
        station_id: Set(c.station_id),
        delegation: Set(c.delegation.clone()),
        status: Set(Status::Filed),
        key_supervision: Set(false),
        rehandled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for d in &c.cosigners {
        cosigners::ActiveModel {
            suggestion_id: Set(row.id),
            deputy_id: Set(*d),
        }
        .insert(&txn)
        .await?;
    }
    for case in &c.cases {
        linked_cases::ActiveModel {
            suggestion_id: Set(row.id),
            case_id: Set(*case),
        }
        .insert(&txn)
        .await?;
    }
    super::actions::record(
        &txn,
        row.id,
        "file",
        Status::Filed,
        Status::Filed,
        actor,
        None,
        true,
        Some(serde_json::json!({
            "kind": input.kind.as_str(),
            "cosigners": c.cosigners.len(),
            "cases": c.cases,
        })),
        now,
    )
    .await?;
    crate::notifications::suggestions::on_step(&txn, &row, "file", now).await?;
    txn.commit().await?;
    Ok(row)
}
