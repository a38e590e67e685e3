//! Notifications over HTTP: the caller's own inbox (the bell), its live stream, their
//! preferences, and for ops the deliveries with the parked ones and their retry. Every read is
//! the caller's own: there is no way to name another user's inbox.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::DatabaseConnection;
use liaison_domain::auth::Actor;
use liaison_domain::notifications::deliveries::{self, DeliveryFilter, DeliveryOut, DeliveryPage};
use liaison_domain::notifications::inbox::{self, Page};
use liaison_domain::notifications::live::Bell;
use liaison_domain::notifications::preferences::{self, Preferences};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine))
        .routes(routes!(stream))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(get_preferences, put_preferences))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread messages.
    #[serde(default)]
    pub unread: bool,
    /// Page, from 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    /// Messages per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// My notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(InboxQuery),
    responses((status = 200, body = Page), (status = 401, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody, description = "page or per_page out of range")),
    security(("bearer" = [])))]
async fn list_mine(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Json<Page>> {
    Ok(Json(
        inbox::list(&state.db, actor.user_id, q.unread, q.page, q.per_page).await?,
    ))
}

/// The unread count as the bell shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    /// Unread messages.
    pub unread: u64,
}

/// Marks one of my notifications read.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path, description = "the notification's id", minimum = 1)),
    responses((status = 200, body = Unread), (status = 401, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn mark_read(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<Unread>> {
    inbox::mark_read(&state.db, actor.user_id, id, state.clock.now()).await?;
    Ok(Json(Unread {
        unread: inbox::unread(&state.db, actor.user_id).await?,
    }))
}

/// Marks all my notifications read.
#[utoipa::path(post, path = "/notifications/read-all", tag = "notifications",
    responses((status = 200, body = Unread), (status = 401, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn mark_all_read(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<Unread>> {
    inbox::mark_all_read(&state.db, actor.user_id, state.clock.now()).await?;
    Ok(Json(Unread { unread: 0 }))
}

/// My preferences: channels per kind, quiet hours, language, contact for e-mail and SMS.
#[utoipa::path(get, path = "/notifications/preferences", tag = "notifications",
    responses((status = 200, body = Preferences), (status = 401, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn get_preferences(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(
        preferences::of(&state.db, actor.user_id, &state.settings.notifications).await?,
    ))
}

/// Saves my preferences (the whole set); a field that breaks a rule answers 422 naming it.
#[utoipa::path(put, path = "/notifications/preferences", tag = "notifications",
    request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 401, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn put_preferences(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<Preferences>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(
        preferences::save(&state.db, actor.user_id, body, state.clock.now()).await?,
    ))
}

/// Deliveries, newest first, with their state and the reason of the last failure (ops).
#[utoipa::path(get, path = "/notifications/deliveries", tag = "notifications",
    params(DeliveryFilter),
    responses((status = 200, body = DeliveryPage), (status = 401, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody, description = "page or per_page out of range"),
        (status = 403, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn list_deliveries(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<DeliveryFilter>,
) -> ApiResult<Json<DeliveryPage>> {
    Ok(Json(deliveries::list(&state.db, &actor, &f).await?))
}

/// Puts a parked delivery back in line, due now (ops).
#[utoipa::path(post, path = "/notifications/deliveries/{id}/retry", tag = "notifications",
    params(("id" = i64, Path, description = "the delivery's id", minimum = 1)),
    responses((status = 200, body = DeliveryOut), (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn retry_delivery(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveryOut>> {
    Ok(Json(
        deliveries::retry(&state.db, &actor, id, state.clock.now()).await?,
    ))
}

/// My bell, live: `unread` with `{"unread": n}` at once and whenever a message arrives (from
/// any node); a comment every 15 s keeps the connection open.
#[utoipa::path(get, path = "/notifications/stream", tag = "notifications",
    responses((status = 200, content_type = "text/event-stream", description = "the feed"),
        (status = 401, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn stream(State(state): State<AppState>, actor: Actor) -> ApiResult<impl IntoResponse> {
    Ok(bell_sse(&state.bell, state.db.clone(), actor.user_id).await?)
}

async fn unread_event(db: &DatabaseConnection, user_id: i64) -> Event {
    let n = inbox::unread(db, user_id).await.unwrap_or_default();
    Event::default()
        .event("unread")
        .data(serde_json::json!({ "unread": n }).to_string())
}

/// The SSE answer of `user_id`'s bell, for the API and the pages.
pub async fn bell_sse(
    bell: &Bell,
    db: DatabaseConnection,
    user_id: i64,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, liaison_domain::Error> {
    let rx = bell.subscribe();
    let first = unread_event(&db, user_id).await;
    let stream = futures_util::stream::unfold(
        (rx, Some(first), db),
        move |(mut rx, first, db)| async move {
            if let Some(e) = first {
                return Some((Ok(e), (rx, None, db)));
            }
            loop {
                match rx.recv().await {
                    Ok(u) if u == user_id => {
                        let e = unread_event(&db, user_id).await;
                        return Some((Ok(e), (rx, None, db)));
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let e = unread_event(&db, user_id).await;
                        return Some((Ok(e), (rx, None, db)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
