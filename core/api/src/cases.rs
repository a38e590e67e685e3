use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::calendar::Calendar;
use liaison_domain::cases::actions::{self, Context, Performer};
use liaison_domain::cases::commands::{
    AnswerBody, AssignBody, Command, ExtendBody, FeedbackBody, GrantExtensionBody, NoteBody,
    RateBody, ReasonBody, RegisterBody,
};
use liaison_domain::cases::contact::{self, Contact};
use liaison_domain::cases::intake::{self, Created, Intake};
use liaison_domain::cases::lifecycle::Action;
use liaison_domain::cases::queries::{self, CaseDetail, CaseFilter, CasePage, TrackView, View};
use liaison_domain::error::FieldKind;
use liaison_domain::json::parse;

pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    // Intake takes photos too, so its body limit is the photos' (a JSON body keeps the server's).
    let intake =
        OpenApiRouter::new()
            .routes(routes!(submit))
            .layer(axum::extract::DefaultBodyLimit::max(
                state.settings.photos.body_limit(),
            ));
    // Intake is open to anyone; a per-client budget (shared with the intake pages) keeps
    // floods out.
    let public = OpenApiRouter::new()
        .merge(intake)
        .layer(state.budgets.intake.layer());
    // Every door that takes a receipt code spends one budget of its own, with the tracking
    // pages: codes cannot be tried faster on one door than another, and a resident who just
    // filed a few opinions does not lose sight of them.
    let receipts = OpenApiRouter::new()
        .routes(routes!(track))
        .routes(routes!(rate_by_receipt))
        .routes(routes!(act_rate))
        .layer(state.budgets.receipt.layer());
    OpenApiRouter::new()
        .merge(public)
        .merge(receipts)
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .merge(action_router())
        .routes(routes!(reveal_contact))
        .routes(routes!(photo))
        .routes(routes!(photo_thumb))
}

/// Raise an opinion (no sign-in). The answer comes after the case is on disk. The body is the
/// JSON `Intake`, or `multipart/form-data` with that JSON as a `case` part and up to
/// `[photos].max_count` `photo` parts (default 6; JPEG or PNG by content, each at most
/// `[photos].max_bytes`, default 8 MiB, and at most `[photos].max_side` pixels on a side and
/// `[photos].max_megapixels` million pixels in all, defaults 8192 and 50, read from the photo's
/// header before it is decoded). An `Idempotency-Key` (16–64 printable ASCII characters) sent
/// again with the same content, photos' bytes included, answers the first case; with other
/// content it is refused (422, `key_reused`). Per client address: `[server].intake_burst`
/// requests, then one per `intake_refill_ms` (429 with `Retry-After`).
/// The multipart form of `POST /cases`: the opinion as JSON in the part `case`, and up to
/// `[photos] max_count` photos (JPEG or PNG, each at most `[photos] max_bytes`) in parts named
/// `photo`. Documented so that clients and checkers know the photos' way in, not only JSON's.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // read part by part in `read_multipart`; this type only describes the form
struct IntakeForm {
    /// The opinion, exactly as the JSON body would be (an `Intake`).
    #[schema(content_media_type = "application/json", value_type = String)]
    case: String,
    /// Photos of the matter, in parts that all have this name.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    photo: Option<Vec<Vec<u8>>>,
}

#[utoipa::path(post, path = "/cases", tag = "cases",
    request_body(content(
        (Intake = "application/json"),
        (IntakeForm = "multipart/form-data"))),
    params(("Idempotency-Key" = Option<String>, Header, description = "the same key twice makes one case")),
    responses(
        (status = 201, body = Created, description = "on disk"),
        (status = 200, body = Created, description = "this form was sent before: the same case"),
        (status = 400, body = crate::ErrorBody), (status = 413, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody), (status = 429)))]
async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (req, raws) = if multipart {
        read_multipart(&state, req).await?
    } else {
        (read_json(&state, req).await?, Vec::new())
    };
    let mut new = intake::validate(&state.db, &state.reference, req, key).await?;
    // A resident who shared a location shares where the photo was taken too; otherwise the
    // photo is re-encoded, which leaves its EXIF (GPS included) behind.
    let keep = new.location.is_some();
    new.photos = liaison_domain::cases::photos::store_all(
        &state.settings.photos,
        &state.photo_decoders,
        raws,
        keep,
    )
    .await?;
    // The photos are written with the case, in its transaction; a form sent before keeps the
    // photos of its first sending.
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

/// A JSON intake body, held to the server's body limit (the route's own limit is the photos').
async fn read_json(state: &AppState, req: axum::extract::Request) -> ApiResult<Intake> {
    let limit = state.settings.server.body_limit_bytes;
    let req = req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, limit)));
    let JsonBody(v) =
        <JsonBody<Intake> as axum::extract::FromRequest<AppState>>::from_request(req, state)
            .await?;
    Ok(v)
}

/// The `case` part and the `photo` parts of a multipart intake. A photo over the size limit is
/// refused as soon as it is seen, without reading it whole.
async fn read_multipart(
    state: &AppState,
    req: axum::extract::Request,
) -> ApiResult<(Intake, Vec<Bytes>)> {
    use axum::extract::FromRequest;
    let s = &state.settings.photos;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge {
                limit: s.body_limit(),
                field: None,
            }
        } else {
            ApiError::BadRequest {
                field: None,
                message: e.body_text(),
            }
        }
    };
    let mut m = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest {
            field: None,
            message: e.body_text(),
        })?;
    let mut case = None;
    let mut photos = Vec::new();
    while let Some(mut field) = m.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "case" => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if bytes.len() > state.settings.server.body_limit_bytes {
                    return Err(ApiError::TooLarge {
                        limit: state.settings.server.body_limit_bytes,
                        field: Some("case".into()),
                    });
                }
                case = Some(parse::<Intake>(&bytes)?);
            }
            "photo" => {
                if photos.len() >= s.max_count {
                    return Err(liaison_domain::cases::photos::too_many(s).into());
                }
                let mut buf = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if buf.len() + chunk.len() > s.max_bytes {
                        return Err(liaison_domain::cases::photos::too_large(s).into());
                    }
                    buf.extend_from_slice(&chunk);
                }
                photos.push(Bytes::from(buf));
            }
            other => {
                return Err(ApiError::invalid(other.to_owned(), FieldKind::UnknownField));
            }
        }
    }
    let case = case.ok_or_else(|| ApiError::invalid("case", FieldKind::Required))?;
    Ok((case, photos))
}

/// Cases the caller may see, newest first.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseFilter),
    responses((status = 200, body = CasePage), (status = 401, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn list_cases(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<CaseFilter>,
) -> ApiResult<Json<CasePage>> {
    let today = queries::today(state.clock.now());
    let (rows, total, page, per_page) = queries::list(&state.db, &actor, &f, today).await?;
    let dir = state.reference.directory(&state.db).await?;
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
    responses((status = 200, body = CaseDetail), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
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
    c: liaison_domain::cases::Case,
) -> ApiResult<CaseDetail> {
    let today = queries::today(state.clock.now());
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules: &state.settings.deadlines,
        today,
    };
    (queries::detail(&state.db, &view, actor, c).await).map_err(Into::into)
}

/// One documented route per action, each naming its own body, all answered by `act`.
/// A body written `Option<…>` may be left out altogether.
macro_rules! action_routes {
    ($($handler:ident $path:tt $action:ident { $($body:tt)+ }, $doc:tt;)*) => {
        $(
            #[doc = $doc]
            #[utoipa::path(post, path = $path, tag = "cases", params(("id" = i64, Path)),
                request_body = $($body)+,
                responses((status = 200, body = CaseDetail,
                        description = "the case after; a resident rating gets its `TrackView`"),
                    (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody),
                    (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
                    (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
                security((), ("bearer" = [])))]
            async fn $handler(
                State(state): State<AppState>,
                actor: Option<Actor>,
                Path(id): Path<i64>,
                headers: HeaderMap,
                bytes: Bytes,
            ) -> ApiResult<(StatusCode, Json<Value>)> {
                act(&state, actor, id, Action::$action, &headers, &bytes).await
            }
        )*

        /// The action routes, and for a name that is none of them a 404 listing the actions.
        fn action_router() -> OpenApiRouter<AppState> {
            OpenApiRouter::new()
                $(.routes(routes!($handler)))*
                .route(
                    "/cases/{id}/actions/{action}",
                    axum::routing::post(unknown_action),
                )
        }
    };
}

action_routes! {
    act_register "/cases/{id}/actions/register" Register { Option<RegisterBody> },
        "Register a submitted opinion (station staff), correcting it if need be; the body may be left out.";
    act_reject "/cases/{id}/actions/reject" Reject { ReasonBody },
        "Decline a submitted opinion, saying why (station staff).";
    act_assign "/cases/{id}/actions/assign" Assign { AssignBody },
        "Hand a registered case to a lead organisation and co-handlers (station staff).";
    act_acknowledge "/cases/{id}/actions/acknowledge" Acknowledge { Option<NoteBody> },
        "Sign for an assigned case (the lead organisation); the body may be left out.";
    act_return "/cases/{id}/actions/return" Return { ReasonBody },
        "Hand the case back to the station, saying why (the lead organisation).";
    act_extend "/cases/{id}/actions/extend" Extend { ExtendBody },
        "Ask for more working days (the lead organisation).";
    act_grant_extension "/cases/{id}/actions/grant_extension" GrantExtension { GrantExtensionBody },
        "Grant or refuse the extension asked for (station staff).";
    act_reply "/cases/{id}/actions/reply" Reply { AnswerBody },
        "Answer the resident (the lead organisation).";
    act_resolve "/cases/{id}/actions/resolve" Resolve { AnswerBody },
        "Answer the resident without an organisation (station staff or a deputy).";
    act_feedback "/cases/{id}/actions/feedback" Feedback { FeedbackBody },
        "Record how the answer was relayed to the resident (a deputy).";
    act_reopen "/cases/{id}/actions/reopen" Reopen { ReasonBody },
        "Open an answered or closed case again, saying why.";
    act_remind "/cases/{id}/actions/remind" Remind { Option<NoteBody> },
        "Remind the handler (the first rung of supervision); the body may be left out.";
    act_supervise "/cases/{id}/actions/supervise" Supervise { Option<NoteBody> },
        "Supervise the case (督办); the body may be left out.";
    act_notice "/cases/{id}/actions/notice" Notice { Option<NoteBody> },
        "Give public notice (通报), the top rung of supervision; the body may be left out.";
    act_close "/cases/{id}/actions/close" Close { Option<NoteBody> },
        "Close the case without a rating; the body may be left out.";
}

/// Rate the answer: signed in, or without signing in by giving the receipt code. Routed apart
/// from the other actions: it takes a receipt code, so it spends the receipt budget.
#[utoipa::path(post, path = "/cases/{id}/actions/rate", tag = "cases", params(("id" = i64, Path)),
    request_body = RateBody,
    responses((status = 200, body = CaseDetail,
            description = "the case after; a resident rating gets its `TrackView`"),
        (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody),
        (status = 429, body = crate::ErrorBody)),
    security((), ("bearer" = [])))]
async fn act_rate(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    act(&state, actor, id, Action::Rate, &headers, &bytes).await
}

/// An action name that is none of the actions: 404, listing them.
async fn unknown_action(Path((_, action)): Path<(i64, String)>) -> ApiError {
    let all: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
    ApiError::not_found(format!(
        "no action {action}; actions are {}",
        all.join(", ")
    ))
}

/// Moves a case on: the body is read as `action`'s command (an empty body is an absent one),
/// then performed by the signed-in user, or by a resident rating with the receipt code.
async fn act(
    state: &AppState,
    actor: Option<Actor>,
    id: i64,
    action: Action,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
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
    let who = match actor {
        Some(a) => Performer::User(a),
        None if action == Action::Rate => {
            let code = raw
                .get("receipt_code")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid("receipt_code", FieldKind::Required))?;
            Performer::Resident {
                receipt_code: code.to_owned(),
            }
        }
        None => return Err(ApiError::Unauthorized),
    };
    let command = Command::from_json(action, &raw)?;
    let ctx = Context {
        rules: &state.settings.deadlines,
        now: state.clock.now(),
    };
    let after = actions::perform(&state.db, &ctx, &who, id, command).await?;
    match who {
        Performer::User(a) => {
            let d = detail(state, &a, after).await?;
            Ok((
                StatusCode::OK,
                Json(serde_json::to_value(d).map_err(anyhow::Error::from)?),
            ))
        }
        // A resident gets the public view, nothing more.
        _ => {
            let t = queries::track(&state.db, &state.reference, &after.receipt_code).await?;
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
    responses((status = 200, body = Contact), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn reveal_contact(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<RevealBody>,
) -> ApiResult<Json<Contact>> {
    (contact::reveal(&state.db, &actor, id, &body.reason, state.clock.now())
        .await
        .map(Json))
    .map_err(Into::into)
}

/// Follow a case with its receipt code (public).
#[utoipa::path(get, path = "/track/{receipt_code}", tag = "tracking", params(("receipt_code" = String, Path)),
    responses((status = 200, body = TrackView), (status = 404, body = crate::ErrorBody)))]
async fn track(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<TrackView>> {
    (queries::track(&state.db, &state.reference, &code)
        .await
        .map(Json))
    .map_err(Into::into)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateIn {
    pub rating: liaison_domain::cases::Rating,
    pub comment: Option<String>,
}

/// Rate the answer (public, with the receipt code): satisfied or basically satisfied closes the
/// case; unsatisfied sends it back for rework.
#[utoipa::path(post, path = "/track/{receipt_code}/rate", tag = "tracking", params(("receipt_code" = String, Path)),
    request_body = RateIn, responses((status = 200, body = TrackView), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody)))]
async fn rate_by_receipt(
    State(state): State<AppState>,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<RateIn>,
) -> ApiResult<Json<TrackView>> {
    let case = queries::by_receipt(&state.db, &code).await?;
    let command = Command::Rate(RateBody {
        rating: body.rating,
        comment: body.comment,
        receipt_code: Some(case.receipt_code.clone()),
    });
    let ctx = Context {
        rules: &state.settings.deadlines,
        now: state.clock.now(),
    };
    actions::perform(
        &state.db,
        &ctx,
        &Performer::Resident {
            receipt_code: case.receipt_code.clone(),
        },
        case.id,
        command,
    )
    .await?;
    (queries::track(&state.db, &state.reference, &case.receipt_code)
        .await
        .map(Json))
    .map_err(Into::into)
}

/// One photo of a case, for the people whose scope covers the case.
#[utoipa::path(get, path = "/cases/{id}/photos/{file}", tag = "cases",
    params(("id" = i64, Path), ("file" = String, Path)),
    responses((status = 200, content_type = "image/jpeg"), (status = 401, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn photo(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, file)): Path<(i64, String)>,
) -> ApiResult<axum::response::Response> {
    let c = queries::visible_case(&state.db, &actor, id).await?;
    crate::cases::photo_answer(&state.db, &state.settings.photos, c.id, &file, false).await
}

/// The thumbnail of one photo of a case (JPEG), for the people whose scope covers the case.
#[utoipa::path(get, path = "/cases/{id}/photos/{file}/thumb", tag = "cases",
    params(("id" = i64, Path), ("file" = String, Path)),
    responses((status = 200, content_type = "image/jpeg"), (status = 401, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn photo_thumb(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, file)): Path<(i64, String)>,
) -> ApiResult<axum::response::Response> {
    let c = queries::visible_case(&state.db, &actor, id).await?;
    crate::cases::photo_answer(&state.db, &state.settings.photos, c.id, &file, true).await
}

/// A stored photo (or its thumbnail) as an answer; the caller has checked the case's scope.
pub async fn photo_answer(
    db: &liaison_domain::DatabaseConnection,
    s: &liaison_domain::cases::photos::PhotoSettings,
    case_id: i64,
    file_name: &str,
    thumb: bool,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let (kind, body) =
        liaison_domain::cases::photos::read(db, s, case_id, file_name, thumb).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&kind).unwrap_or(HeaderValue::from_static("image/jpeg")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response())
}
