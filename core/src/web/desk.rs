//! The station's inbox: its latest cases, for its own staff and deputies, ops and viewers, with
//! the API's filters (status, category, organisation, overdue, supervision level, words) as a GET
//! form; each case links to its page. The overdue board is the same list with `overdue=true`.
//! Scope is the API's (`cases::scope` through `cases::queries::list`); a station that is not the
//! visitor's answers 403.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::templates::value;
use crate::auth::Scope;
use crate::calendar::Calendar;
use crate::cases::deadlines::Timeliness;
use crate::cases::lifecycle::Status;
use crate::cases::queries::{self, CaseFilter, Directory, View};
use crate::http::{ApiError, AppState};

/// The filter form as sent: every field text, empty meaning "any".
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DeskQuery {
    status: String,
    category: String,
    organisation: String,
    overdue: String,
    supervision: String,
    text: String,
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    code: String,
    title: String,
    category: String,
    status: String,
    supervision: Option<String>,
    due_on: Option<String>,
    overdue: bool,
    due_soon: bool,
}

/// `GET /desk/{code}`
pub async fn station_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<DeskQuery>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?;
    let station = state
        .reference
        .station(&state.db, &code)
        .await?
        .ok_or(PageError::NotFound)?;
    match actor.scope() {
        Scope::All => {}
        Scope::Station(id) if id == station.id => {}
        _ => return Err(PageError::Forbidden),
    }
    let today = queries::today(state.clock.now());
    let mut errors: BTreeMap<&str, String> = BTreeMap::new();
    let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let status = match some(&q.status) {
        Some(v) => Status::parse(&v).or_else(|| {
            errors.insert("status", ctx.t("errors.choice"));
            None
        }),
        None => None,
    };
    let supervision = match some(&q.supervision) {
        Some(v) => match v.parse::<i32>() {
            Ok(n @ 1..=3) => Some(n),
            _ => {
                errors.insert("supervision", ctx.t("errors.choice"));
                None
            }
        },
        None => None,
    };
    let overdue = matches!(q.overdue.as_str(), "true" | "on" | "1");
    let filter = CaseFilter {
        station: Some(station.code.clone()),
        status,
        category: some(&q.category),
        organisation: some(&q.organisation),
        overdue: overdue.then_some(true),
        supervision,
        text: some(&q.text),
        tag: None,
        page: Some(1),
        per_page: Some(50),
    };
    let (rows, total) = if errors.is_empty() {
        match queries::list(&state.db, actor, &filter, today).await {
            Ok((rows, total, _, _)) => (rows, total),
            Err(ApiError::Invalid { field, message }) => {
                let key: &str = match field.as_str() {
                    "category" => "category",
                    "organisation" => "organisation",
                    _ => "text",
                };
                errors.insert(key, super::form::explain(&ctx, key, &message, false));
                (Vec::new(), 0)
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (Vec::new(), 0)
    };
    let dir = Directory::load(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules: &state.settings.deadlines,
        today,
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|c| {
            let category = dir
                .categories
                .get(&c.category_id)
                .map(|x| ctx.lang.pick(&x.name, &x.name_en).to_owned())
                .unwrap_or_default();
            let s = view.summary(c);
            Row {
                id: s.id,
                code: s.receipt_code,
                title: s.title,
                category,
                status: ctx.t(&format!("status.{}", s.status.as_str())),
                supervision: (s.supervision_level > 0)
                    .then(|| ctx.t(&format!("supervision.{}", s.supervision_level.min(3)))),
                due_on: s.due_on.map(|d| d.to_string()),
                overdue: matches!(s.timeliness, Some(Timeliness::Overdue)),
                due_soon: matches!(s.timeliness, Some(Timeliness::DueSoon)),
            }
        })
        .collect();
    let mut cats: Vec<_> = dir.categories.values().filter(|c| c.active).collect();
    cats.sort_by_key(|c| (c.sort, c.id));
    let categories: Vec<Choice> = cats
        .into_iter()
        .map(|c| Choice {
            code: c.code.clone(),
            name: ctx.lang.pick(&c.name, &c.name_en).to_owned(),
        })
        .collect();
    let mut orgs: Vec<Choice> = dir
        .orgs
        .values()
        .map(|o| Choice {
            code: o.code.clone(),
            name: o.name.clone(),
        })
        .collect();
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    let statuses: Vec<Choice> = Status::ALL
        .iter()
        .map(|s| Choice {
            code: s.as_str().to_owned(),
            name: ctx.t(&format!("status.{}", s.as_str())),
        })
        .collect();
    let filtered = !(q.status.is_empty()
        && q.category.is_empty()
        && q.organisation.is_empty()
        && q.supervision.is_empty()
        && q.text.trim().is_empty()
        && !overdue);
    ctx.render_status(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        "desk.html",
        minijinja::context! {
            station => minijinja::context! {
                code => station.code.clone(),
                name => ctx.lang.pick(&station.name, &station.name_en).to_owned(),
            },
            total => total,
            rows => value(rows),
            overdue_board => overdue,
            filtered => filtered,
            q => value(&q),
            errors => value(&errors),
            statuses => value(statuses),
            levels => value(
                (1..=3)
                    .map(|n| Choice {
                        code: n.to_string(),
                        name: ctx.t(&format!("supervision.{n}")),
                    })
                    .collect::<Vec<_>>()
            ),
            categories => value(categories),
            orgs => value(orgs),
        },
    )
}
