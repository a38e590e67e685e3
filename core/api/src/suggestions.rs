//! Deputies' suggestions and motions over HTTP: the congress sessions, filing, the register
//! (with its downloads), one item, one documented route per step, the public list and the
//! cockpit's counts. Thin: every rule is the domain's (`liaison_domain::suggestions`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::calendar::Calendar;
use liaison_domain::json::parse;
use liaison_domain::oversight::exports::Format;
use liaison_domain::policy::{self, Permission};
use liaison_domain::suggestions::Action;
use liaison_domain::suggestions::actions::{self, Context};
use liaison_domain::suggestions::commands::{
    AssignBody, CoOpinionBody, Command, ConfirmBody, ConsultBody, EvaluateBody, NoteBody,
    ReasonBody, ReplyBody, ReviseBody, SuperviseBody,
};
use liaison_domain::suggestions::filing::{self, NewSuggestion};
use liaison_domain::suggestions::queries::{
    self, PublicFilter, PublicSuggestion, SuggestionCounts, SuggestionDetail, SuggestionFilter,
    SuggestionSummary, View,
};
use liaison_domain::suggestions::sessions::{self, SessionInput, SessionOut};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sessions, create_session))
        .routes(routes!(list, file))
        .routes(routes!(public_list))
        .routes(routes!(counts))
        .routes(routes!(get_one))
        .merge(action_router())
}

/// The congress sessions (届次, 会次), newest first.
#[utoipa::path(get, path = "/congress-sessions", tag = "suggestions",
    responses((status = 200, body = Vec<SessionOut>)))]
async fn list_sessions(State(state): State<AppState>) -> ApiResult<Json<Vec<SessionOut>>> {
    Ok(Json(sessions::all(&state.db).await?))
}

/// Enter a congress session (ops).
#[utoipa::path(post, path = "/congress-sessions", tag = "suggestions", request_body = SessionInput,
    responses((status = 201, body = SessionOut), (status = 403, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn create_session(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<SessionInput>,
) -> ApiResult<(StatusCode, Json<SessionOut>)> {
    let s = sessions::create(&state.db, &actor, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

async fn view_parts(
    state: &AppState,
) -> ApiResult<(
    std::sync::Arc<liaison_domain::reference::Directory>,
    Calendar,
)> {
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    Ok((dir, cal))
}

/// The register within the caller's reach (a deputy their own and their station's, an
/// organisation those it handles, ops and viewers all), newest first; `organisation=` gives one
/// organisation's list; `?format=csv|xlsx` downloads it with Chinese headers.
#[utoipa::path(get, path = "/suggestions", tag = "suggestions", params(SuggestionFilter),
    responses((status = 200, body = Vec<SuggestionSummary>), (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<SuggestionFilter>,
) -> ApiResult<Response> {
    let (dir, cal) = view_parts(&state).await?;
    let view = View::load(
        &state.db,
        &dir,
        &cal,
        &state.settings.suggestions,
        state.clock.now(),
    )
    .await?;
    let rows = queries::list(&state.db, &view, &actor, &f).await?;
    match f.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        format => {
            let name = match f.organisation.as_deref() {
                Some(o) if o.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                    format!("suggestions-{o}")
                }
                _ => "suggestions".to_owned(),
            };
            crate::exports::download(format, &name, &queries::table(&rows))
        }
    }
}

/// File a suggestion or motion (a deputy), from scratch or raised from residents' cases at
/// their station.
#[utoipa::path(post, path = "/suggestions", tag = "suggestions", request_body = NewSuggestion,
    responses((status = 201, body = SuggestionDetail), (status = 400, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn file(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewSuggestion>,
) -> ApiResult<(StatusCode, Json<SuggestionDetail>)> {
    let s = filing::file(&state.db, &actor, &body, state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, &actor, s.id).await?),
    ))
}

async fn detail(state: &AppState, actor: &Actor, id: i64) -> ApiResult<SuggestionDetail> {
    let (dir, cal) = view_parts(state).await?;
    let view = View::load(
        &state.db,
        &dir,
        &cal,
        &state.settings.suggestions,
        state.clock.now(),
    )
    .await?;
    Ok(queries::detail(&state.db, &view, actor, id).await?)
}

/// One suggestion with its organisations, consultations, history and the steps the caller may
/// take now.
#[utoipa::path(get, path = "/suggestions/{id}", tag = "suggestions", params(("id" = i64, Path)),
    responses((status = 200, body = SuggestionDetail), (status = 404, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn get_one(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<SuggestionDetail>> {
    Ok(Json(detail(&state, &actor, id).await?))
}

/// The public list (no sign-in): accepted suggestions and motions with their status and
/// public reply, by station, organisation or class.
#[utoipa::path(get, path = "/suggestions/public", tag = "suggestions", params(PublicFilter),
    responses((status = 200, body = Vec<PublicSuggestion>), (status = 422, body = crate::ErrorBody)))]
async fn public_list(
    State(state): State<AppState>,
    Query(f): Query<PublicFilter>,
) -> ApiResult<Json<Vec<PublicSuggestion>>> {
    let (dir, cal) = view_parts(&state).await?;
    let view = View::load(
        &state.db,
        &dir,
        &cal,
        &state.settings.suggestions,
        state.clock.now(),
    )
    .await?;
    Ok(Json(queries::public_list(&state.db, &view, &f).await?))
}

/// Which counts: one station's, or the district's.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountsQuery {
    /// A station's code; absent: the whole district (ops and viewers).
    pub station: Option<String>,
}

/// Filed, in handling, replied and satisfaction: the cockpit's figures (a station's for those
/// who see its cockpit, the district's for ops and viewers).
#[utoipa::path(get, path = "/suggestions/counts", tag = "suggestions", params(CountsQuery),
    responses((status = 200, body = SuggestionCounts), (status = 403, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn counts(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<CountsQuery>,
) -> ApiResult<Json<SuggestionCounts>> {
    let station = match q
        .station
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => {
            let st = state
                .reference
                .station_by_code(&state.db, code)
                .await?
                .ok_or_else(|| {
                    ApiError::from(liaison_domain::Error::unknown_code(
                        "station",
                        liaison_domain::error::Thing::Station,
                        code,
                    ))
                })?;
            policy::require(&actor, Permission::SeeStation(st.id))?;
            Some(st.id)
        }
        None => {
            policy::require(&actor, Permission::ReadDistrict)?;
            None
        }
    };
    Ok(Json(queries::counts(&state.db, station).await?))
}

/// One documented route per step, each naming its own body, all answered by `act`.
macro_rules! action_routes {
    ($($handler:ident $path:tt $action:ident { $($body:tt)+ }, $doc:tt;)*) => {
        $(
            #[doc = $doc]
            #[utoipa::path(post, path = $path, tag = "suggestions", params(("id" = i64, Path)),
                request_body = $($body)+,
                responses((status = 200, body = SuggestionDetail, description = "the item after"),
                    (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody),
                    (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
                    (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
                security(("bearer" = [])))]
            async fn $handler(
                State(state): State<AppState>,
                actor: Actor,
                Path(id): Path<i64>,
                headers: HeaderMap,
                bytes: Bytes,
            ) -> ApiResult<Json<SuggestionDetail>> {
                act(&state, actor, id, Action::$action, &headers, &bytes).await
            }
        )*

        /// The step routes, and for a name that is none of them a 404 listing the steps.
        fn action_router() -> OpenApiRouter<AppState> {
            OpenApiRouter::new()
                $(.routes(routes!($handler)))*
                .route(
                    "/suggestions/{id}/actions/{action}",
                    axum::routing::post(unknown_action),
                )
        }
    };
}

action_routes! {
    act_register "/suggestions/{id}/actions/register" Register { Option<NoteBody> },
        "Register a filed item (立案, the congress office); the body may be left out.";
    act_return "/suggestions/{id}/actions/return" Return { ReasonBody },
        "Return a filed item to its deputy for revision, saying why (the office).";
    act_revise "/suggestions/{id}/actions/revise" Revise { Option<ReviseBody> },
        "Send a returned item again, revised (the filing deputy).";
    act_to_letter "/suggestions/{id}/actions/to_letter" ToLetter { ReasonBody },
        "Handle a filed or registered item as a letter for reference, saying why (the office).";
    act_assign "/suggestions/{id}/actions/assign" Assign { AssignBody },
        "Assign a registered item to a lead and co-organisations; the reply limit runs from today (the office).";
    act_supervise "/suggestions/{id}/actions/supervise" Supervise { SuperviseBody },
        "Mark an item for key supervision (重点督办) by a named leader (the office).";
    act_consult "/suggestions/{id}/actions/consult" Consult { ConsultBody },
        "Record a consultation with the deputy (面商), needed before replying (the lead organisation).";
    act_co_opinion "/suggestions/{id}/actions/co_opinion" CoOpinion { CoOpinionBody },
        "Send a co-organisation's opinion to the lead (a co-organisation).";
    act_reply "/suggestions/{id}/actions/reply" Reply { ReplyBody },
        "Answer with class A, B (with the planned date) or C (with the reason) and the public text (the lead organisation).";
    act_evaluate "/suggestions/{id}/actions/evaluate" Evaluate { EvaluateBody },
        "Evaluate the reply; 不满意 sends it back once (the filing deputy).";
    act_confirm "/suggestions/{id}/actions/confirm" Confirm { ConfirmBody },
        "Confirm a followed-up B item solved or not (the office or the lead organisation).";
}

/// A step name that is none of the steps: 404, listing them.
async fn unknown_action(Path((_, action)): Path<(i64, String)>) -> ApiError {
    let all: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
    ApiError::not_found(format!("no step {action}; steps are {}", all.join(", ")))
}

async fn act(
    state: &AppState,
    actor: Actor,
    id: i64,
    action: Action,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> ApiResult<Json<SuggestionDetail>> {
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
        parse(bytes)?
    };
    let command = Command::from_json(action, &raw)?;
    let ctx = Context {
        rules: &state.settings.suggestions,
        now: state.clock.now(),
    };
    let after = actions::perform(&state.db, &ctx, &actor, id, command).await?;
    Ok(Json(detail(state, &actor, after.id).await?))
}
