//! The bell's pages: my notifications with mark-as-read, their live stream (the layout's bell
//! listens to it), my notification settings, the resident's opt-out link, and for ops the
//! deliveries with the parked ones and their retry.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::sent::{Sent, Taken, take};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::notifications::deliveries::{self, DeliveryFilter, State as DState};
use liaison_domain::notifications::preferences::{self, OPTIONAL_CHANNELS, Preferences};
use liaison_domain::notifications::rules::KINDS;
use liaison_domain::notifications::{consent, inbox};
use liaison_domain::policy::{self, Permission};

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "notifications/list.html",
        include_str!("templates/notifications/list.html"),
    ),
    (
        "notifications/preferences.html",
        include_str!("templates/notifications/preferences.html"),
    ),
    (
        "notifications/optout.html",
        include_str!("templates/notifications/optout.html"),
    ),
    (
        "notifications/deliveries.html",
        include_str!("templates/notifications/deliveries.html"),
    ),
];

/// This area's routes; mounted inside the page context.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/stream", get(stream))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read_one))
        .route(
            "/notifications/preferences",
            get(prefs_page).post(prefs_save),
        )
        .route("/n/optout/{token}", get(optout))
        .route("/console/notifications", get(deliveries_page))
        .route("/console/notifications/{id}/retry", post(retry))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// `GET /notifications`
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    let unread_only = q.unread.as_deref() == Some("1");
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, liaison_domain::paging::MAX_PAGE);
    let p = inbox::list(&state.db, a.user_id, unread_only, Some(page), None).await?;
    let more = p.page * p.per_page < p.total;
    let filter = if unread_only { "&unread=1" } else { "" };
    ctx.render_status(
        StatusCode::OK,
        "notifications/list.html",
        minijinja::context! {
            items => value(&p.items),
            total => p.total,
            unread => p.unread,
            unread_only,
            page => p.page,
            prev => (p.page > 1).then(|| format!("/notifications?page={}{filter}", p.page - 1)),
            next => more.then(|| format!("/notifications?page={}{filter}", p.page + 1)),
            page_label => ctx.tf("notifications.page_of", &[("page", p.page.to_string())]),
        },
    )
}

/// `GET /notifications/stream`: the bell, live.
async fn stream(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    let sse = liaison_api::notifications::bell_sse(&state.bell, state.db.clone(), a.user_id)
        .await
        .map_err(PageError::from)?;
    Ok(sse.into_response())
}

/// `POST /notifications/{id}/read`
async fn read_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    if form.is_err() {
        return Ok(ctx.redirect_with_flash("/notifications", "error.csrf"));
    }
    inbox::mark_read(&state.db, a.user_id, id, state.clock.now()).await?;
    Ok(ctx.redirect_with_flash("/notifications", "notifications.marked"))
}

/// `POST /notifications/read-all`
async fn read_all(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    if form.is_err() {
        return Ok(ctx.redirect_with_flash("/notifications", "error.csrf"));
    }
    inbox::mark_all_read(&state.db, a.user_id, state.clock.now()).await?;
    Ok(ctx.redirect_with_flash("/notifications", "notifications.marked"))
}

#[derive(Serialize)]
struct KindRow {
    kind: String,
    label: String,
    channels: Vec<(String, String, bool)>,
}

fn prefs_values(p: &Preferences) -> Sent {
    let mut s = Sent {
        status: StatusCode::OK,
        ..Default::default()
    };
    s.values.insert("lang".into(), p.lang.clone());
    s.values
        .insert("email".into(), p.email.clone().unwrap_or_default());
    s.values
        .insert("phone".into(), p.phone.clone().unwrap_or_default());
    s.values.insert("quiet_from".into(), p.quiet_from.clone());
    s.values.insert("quiet_to".into(), p.quiet_to.clone());
    if p.quiet_hours {
        s.values.insert("quiet_hours".into(), "true".into());
    }
    for (kind, list) in &p.channels {
        for c in list {
            s.lists
                .entry("on".into())
                .or_default()
                .push(format!("{kind}:{c}"));
        }
    }
    s
}

async fn render_prefs(ctx: &Ctx, sent: Sent) -> PageResult<Response> {
    let on = sent.all("on");
    let kinds: Vec<KindRow> = KINDS
        .iter()
        .map(|k| KindRow {
            kind: (*k).to_owned(),
            label: ctx.t(&format!("notifications.kinds.{k}")),
            channels: OPTIONAL_CHANNELS
                .iter()
                .map(|c| {
                    let key = format!("{k}:{c}");
                    let checked = on.contains(&key);
                    (key, ctx.t(&format!("notifications.channels.{c}")), checked)
                })
                .collect(),
        })
        .collect();
    ctx.render_status(
        sent.status,
        "notifications/preferences.html",
        minijinja::context! {
            sent => value(&sent),
            kinds => value(&kinds),
            channels => OPTIONAL_CHANNELS.iter().map(|c| ctx.t(&format!("notifications.channels.{c}"))).collect::<Vec<_>>(),
        },
    )
}

/// `GET /notifications/preferences`
async fn prefs_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    let p = preferences::of(&state.db, a.user_id, &state.settings.notifications).await?;
    render_prefs(&ctx, prefs_values(&p)).await
}

/// `POST /notifications/preferences`
async fn prefs_save(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let a = ctx.require_actor()?.clone();
    let f = match take(&ctx, "", form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return render_prefs(&ctx, s).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new("", &f);
    let mut channels: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in f.values() {
        if k != "on" {
            continue;
        }
        if let Some((kind, ch)) = v.split_once(':') {
            channels
                .entry(kind.to_owned())
                .or_default()
                .push(ch.to_owned());
        }
    }
    let blank = |s: String| (!s.trim().is_empty()).then_some(s);
    let p = Preferences {
        lang: f.text("lang"),
        email: blank(f.text("email")),
        phone: blank(f.text("phone")),
        channels,
        quiet_hours: f.checked("quiet_hours"),
        quiet_from: f.text("quiet_from"),
        quiet_to: f.text("quiet_to"),
    };
    match preferences::save(&state.db, a.user_id, p, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/notifications/preferences", "notifications.saved")),
        Err(e) => {
            // A channel switched on without its address is the address's fault.
            if !sent.refuse(&ctx, &e) {
                return Err(e.into());
            }
            render_prefs(&ctx, sent).await
        }
    }
}

/// `GET /n/optout/{token}`: the link in every text; it works at once, twice is fine.
async fn optout(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult<Response> {
    let done = consent::opt_out(&state.db, &token, state.clock.now()).await?;
    ctx.render_status(
        if done {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        "notifications/optout.html",
        minijinja::context! { done },
    )
}

#[derive(Debug, Deserialize)]
struct DeliveriesQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// `GET /console/notifications` (ops)
async fn deliveries_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DeliveriesQuery>,
) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    policy::require(a, Permission::AdministerDistrict)?;
    let filter_state = match q.state.as_deref() {
        Some("pending") => Some(DState::Pending),
        Some("sent") => Some(DState::Sent),
        Some("parked") => Some(DState::Parked),
        _ => None,
    };
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, liaison_domain::paging::MAX_PAGE);
    let d = deliveries::list(
        &state.db,
        a,
        &DeliveryFilter {
            state: filter_state,
            page: Some(page),
            per_page: Some(50),
        },
    )
    .await?;
    let filters: Vec<(String, String, bool)> = [
        ("", "filter_all"),
        ("pending", "filter_pending"),
        ("sent", "filter_sent"),
        ("parked", "filter_parked"),
    ]
    .iter()
    .map(|(s, k)| {
        (
            if s.is_empty() {
                "/console/notifications".to_owned()
            } else {
                format!("/console/notifications?state={s}")
            },
            ctx.t(&format!("notifications.{k}")),
            filter_state.map(|f| f.as_str()).unwrap_or("") == *s,
        )
    })
    .collect();
    ctx.render_status(
        StatusCode::OK,
        "notifications/deliveries.html",
        minijinja::context! {
            items => value(&d.items),
            parked_label => ctx.tf("notifications.parked_count", &[("n", d.parked.to_string())]),
            filters => value(&filters),
        },
    )
}

/// `POST /console/notifications/{id}/retry` (ops)
async fn retry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let a = ctx.require_actor()?;
    policy::require(a, Permission::AdministerDistrict)?;
    if form.is_err() {
        return Ok(ctx.redirect_with_flash("/console/notifications?state=parked", "error.csrf"));
    }
    deliveries::retry(&state.db, a, id, state.clock.now()).await?;
    Ok(ctx.redirect_with_flash(
        "/console/notifications?state=parked",
        "notifications.retried",
    ))
}
