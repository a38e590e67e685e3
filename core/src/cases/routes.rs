use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::actions::{self, Context, Performer};
use super::contact::{self, Contact};
use super::intake::{self, Created, Intake};
use super::lifecycle::Action;
use super::queries::{self, CaseDetail, CaseFilter, CasePage, Directory, TrackView, View};
use crate::auth::Actor;
use crate::calendar::Calendar;
use crate::http::{ApiError, ApiResult, AppState, JsonBody, json::parse};

pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let s = &state.settings.server;
    // Intake and rating are open to anyone; a per-address budget keeps floods out.
    let public = OpenApiRouter::new()
        .routes(routes!(submit))
        .routes(routes!(rate_by_receipt))
        .layer(crate::http::limits::per_ip(
            s.intake_burst,
            s.intake_refill_ms,
        ));
    // Tracking is public too. A budget of its own (of the same size) keeps receipt codes from
    // being guessed, without a resident who just filed a few opinions losing sight of them.
    let tracking = OpenApiRouter::new()
        .routes(routes!(track))
        .layer(crate::http::limits::per_ip(
            s.intake_burst,
            s.intake_refill_ms,
        ));
    OpenApiRouter::new()
        .merge(public)
        .merge(tracking)
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .routes(routes!(act))
        .routes(routes!(reveal_contact))
}

/// Raise an opinion (no sign-in). The answer comes after the case is on disk.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = Intake,
    params(("Idempotency-Key" = Option<String>, Header, description = "the same key twice makes one case")),
    responses(
        (status = 201, body = Created, description = "on disk"),
        (status = 200, body = Created, description = "this form was sent before: the same case"),
        (status = 400, body = crate::http::ErrorBody), (status = 413, body = crate::http::ErrorBody),
        (status = 422, body = crate::http::ErrorBody), (status = 429)))]
async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<Intake>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let new = intake::validate(&state.db, &state.reference, req, key).await?;
    let (created, fresh) = state.intake.submit(new, state.clock.now()).await?;
    Ok((
        if fresh {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(created),
    ))
}

/// Cases the caller may see, newest first.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseFilter),
    responses((status = 200, body = CasePage), (status = 401, body = crate::http::ErrorBody)), security(("bearer" = [])))]
async fn list_cases(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<CaseFilter>,
) -> ApiResult<Json<CasePage>> {
    let today = queries::today(state.clock.now());
    let (rows, total, page, per_page) = queries::list(&state.db, &actor, &f, today).await?;
    let dir = Directory::load(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules: &state.settings.deadlines,
        today,
    };
    Ok(Json(CasePage {
        items: rows.into_iter().map(|c| view.summary(c)).collect(),
        total,
        page,
        per_page,
    }))
}

/// One case with its whole history and what the caller may do now.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = crate::http::ErrorBody)), security(("bearer" = [])))]
async fn get_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseDetail>> {
    let c = queries::visible_case(&state.db, &actor, id).await?;
    detail(&state, &actor, c).await.map(Json)
}

async fn detail(
    state: &AppState,
    actor: &Actor,
    c: super::entity::cases::Model,
) -> ApiResult<CaseDetail> {
    let today = queries::today(state.clock.now());
    let dir = Directory::load(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules: &state.settings.deadlines,
        today,
    };
    queries::detail(&state.db, &view, actor, c).await
}

/// Move a case on. Bodies by action: register `RegisterBody`; reject, return, reopen `ReasonBody`;
/// assign `AssignBody`; acknowledge, remind, supervise, notice, close `NoteBody` (optional);
/// extend `ExtendBody`; grant_extension `GrantExtensionBody`; reply, resolve `AnswerBody`;
/// feedback `FeedbackBody`; rate `RateBody` (no sign-in, with the receipt code).
#[utoipa::path(post, path = "/cases/{id}/actions/{action}", tag = "cases",
    params(("id" = i64, Path), ("action" = Action, Path)),
    request_body(content = Object, description = "the action's body; see the description"),
    responses((status = 200, body = CaseDetail), (status = 403, body = crate::http::ErrorBody),
        (status = 404, body = crate::http::ErrorBody), (status = 409, body = crate::http::ErrorBody),
        (status = 422, body = crate::http::ErrorBody)), security((), ("bearer" = [])))]
async fn act(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path((id, action)): Path<(i64, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let action = Action::parse(&action).ok_or_else(|| {
        let all: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        ApiError::not_found(format!(
            "no action {action}; actions are {}",
            all.join(", ")
        ))
    })?;
    let raw: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        if !headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
        {
            return Err(ApiError::BadRequest {
                field: None,
                message: "expected Content-Type: application/json".into(),
            });
        }
        parse(&bytes)?
    };
    let who = match actor {
        Some(a) => Performer::User(a),
        None if action == Action::Rate => {
            let code = raw
                .get("receipt_code")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::invalid("receipt_code", "required to rate without signing in")
                })?;
            Performer::Resident {
                receipt_code: code.to_owned(),
            }
        }
        None => return Err(ApiError::Unauthorized),
    };
    let ctx = Context {
        rules: &state.settings.deadlines,
        now: state.clock.now(),
    };
    let after = actions::perform(&state.db, &ctx, &who, id, action, &raw).await?;
    match who {
        Performer::User(a) => {
            let d = detail(&state, &a, after).await?;
            Ok((
                StatusCode::OK,
                Json(serde_json::to_value(d).map_err(anyhow::Error::from)?),
            ))
        }
        // A resident gets the public view, nothing more.
        _ => {
            let t = queries::track(&state.db, &after.receipt_code).await?;
            Ok((
                StatusCode::OK,
                Json(serde_json::to_value(t).map_err(anyhow::Error::from)?),
            ))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// Why the contact is needed; kept in the case history.
    pub reason: String,
}

/// Reveal the reporter's contact. Logged as an event with the reason; staff, deputies and ops only.
#[utoipa::path(post, path = "/cases/{id}/contact", tag = "cases", params(("id" = i64, Path)), request_body = RevealBody,
    responses((status = 200, body = Contact), (status = 403, body = crate::http::ErrorBody), (status = 404, body = crate::http::ErrorBody)),
    security(("bearer" = [])))]
async fn reveal_contact(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<RevealBody>,
) -> ApiResult<Json<Contact>> {
    contact::reveal(&state.db, &actor, id, &body.reason, state.clock.now())
        .await
        .map(Json)
}

/// Follow a case with its receipt code (public).
#[utoipa::path(get, path = "/track/{receipt_code}", tag = "tracking", params(("receipt_code" = String, Path)),
    responses((status = 200, body = TrackView), (status = 404, body = crate::http::ErrorBody)))]
async fn track(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<TrackView>> {
    queries::track(&state.db, &code).await.map(Json)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateIn {
    pub rating: super::Rating,
    pub comment: Option<String>,
}

/// Rate the answer (public, with the receipt code): satisfied or basically satisfied closes the
/// case; unsatisfied sends it back for rework.
#[utoipa::path(post, path = "/track/{receipt_code}/rate", tag = "tracking", params(("receipt_code" = String, Path)),
    request_body = RateIn, responses((status = 200, body = TrackView), (status = 404, body = crate::http::ErrorBody),
        (status = 409, body = crate::http::ErrorBody)))]
async fn rate_by_receipt(
    State(state): State<AppState>,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<RateIn>,
) -> ApiResult<Json<TrackView>> {
    let view = queries::track(&state.db, &code).await?;
    let id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        super::entity::cases::Entity::find()
            .filter(super::entity::cases::Column::ReceiptCode.eq(view.receipt_code.as_str()))
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("no case with that receipt code"))?
            .id
    };
    let raw = serde_json::json!({ "rating": body.rating, "comment": body.comment, "receipt_code": view.receipt_code });
    let ctx = Context {
        rules: &state.settings.deadlines,
        now: state.clock.now(),
    };
    actions::perform(
        &state.db,
        &ctx,
        &Performer::Resident {
            receipt_code: view.receipt_code.clone(),
        },
        id,
        Action::Rate,
        &raw,
    )
    .await?;
    queries::track(&state.db, &view.receipt_code)
        .await
        .map(Json)
}
