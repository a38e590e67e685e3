use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::calendar::DayKind;
use liaison_domain::error::{FieldKind, FormatKind};
use liaison_domain::policy::{self, Permission};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_days))
        .routes(routes!(put_day, delete_day))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDay {
    /// In the years 2000 to 2100.
    #[serde(deserialize_with = "liaison_domain::day::deserialize")]
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearQuery {
    /// Only this year's rows (2000 to 2100, as every date the calendar holds).
    pub year: Option<i32>,
}

/// The exceptions to "weekdays work, weekends rest": holidays and make-up working days.
#[utoipa::path(get, path = "/calendar", tag = "calendar", params(YearQuery), responses((status = 200, body = Vec<CalendarDay>)))]
async fn list_days(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    let years = liaison_domain::day::YEARS;
    if let Some(y) = q.year
        && !years.contains(&y)
    {
        // As the days themselves: a year no calendar row can be in is a mistake, not an
        // empty list.
        return Err(ApiError::invalid(
            "year",
            FieldKind::OutOfRange {
                min: (*years.start()).into(),
                max: (*years.end()).into(),
            },
        ));
    }
    let rows = liaison_domain::calendar::days(&state.db, q.year).await?;
    Ok(Json(
        rows.into_iter()
            .filter_map(|r| {
                Some(CalendarDay {
                    day: r.day,
                    kind: DayKind::parse(&r.kind)?,
                    name: r.name,
                })
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayBody {
    pub kind: DayKind,
    /// What the day is: 春节, 国庆节调休上班, …
    pub name: String,
}

/// Mark a day as a holiday or a make-up working day (replaces what was there).
#[utoipa::path(put, path = "/calendar/{day}", tag = "calendar", params(("day" = String, Path, description = "YYYY-MM-DD")),
    request_body = DayBody, responses((status = 200, body = CalendarDay)), security(("bearer" = [])))]
async fn put_day(
    State(state): State<AppState>,
    actor: Actor,
    Path(day): Path<String>,
    JsonBody(body): JsonBody<DayBody>,
) -> ApiResult<Json<CalendarDay>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let day = parse_day(&day)?;
    let name = liaison_domain::calendar::put_day(&state.db, day, body.kind, &body.name).await?;
    Ok(Json(CalendarDay {
        day,
        kind: body.kind,
        name,
    }))
}

/// Return a day to the weekday/weekend rule.
#[utoipa::path(delete, path = "/calendar/{day}", tag = "calendar", params(("day" = String, Path)),
    responses((status = 204), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn delete_day(
    State(state): State<AppState>,
    actor: Actor,
    Path(day): Path<String>,
) -> ApiResult<StatusCode> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let day = parse_day(&day)?;
    if !liaison_domain::calendar::remove_day(&state.db, day).await? {
        return Err(ApiError::not_found(format!("{day} is not in the calendar")));
    }
    Ok(StatusCode::NO_CONTENT)
}

fn parse_day(s: &str) -> Result<NaiveDate, ApiError> {
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("day", FieldKind::Format(FormatKind::Date)))?;
    if !liaison_domain::day::sensible(day) {
        let years = liaison_domain::day::YEARS;
        return Err(ApiError::invalid(
            "day",
            FieldKind::OutOfRange {
                min: (*years.start()).into(),
                max: (*years.end()).into(),
            },
        ));
    }
    Ok(day)
}
