//! What operations need from a running node: Prometheus metrics at `/metrics`, readiness at
//! `/readyz` (liveness is `/healthz`), and the layer that counts and times every request.
//!
//! `/metrics` is guarded by a bearer token (`[metrics] token`), compared in constant time, on
//! the node's one listener, rather than served on a second listen address. Why: behind a proxy
//! every node would need a second port opened to the scraper and kept out of the proxy, and a
//! mistake there publishes the figures; a token keeps the page closed wherever it is reached
//! from, and ops can still block the path at the proxy as well (DEPLOY.md does). Without a token
//! nothing is recorded and `/metrics` answers 404.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::{ApiError, AppState};
use liaison_domain::operations as names;

/// The process's recorder, installed by the first router built with a metrics token (the
/// `metrics` facade has one global recorder per process; tests build many routers in one).
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets in seconds: from a cached read to a slow plugin page.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Batch-size buckets: one case alone up to the writer's largest batch (128).
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// Installs the Prometheus recorder (once per process) when `token` is set; the handle to render
/// it, or `None` when metrics are off.
pub fn install(token: &str) -> Option<&'static PrometheusHandle> {
    if token.is_empty() {
        return RECORDER.get().and_then(Option::as_ref);
    }
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(names::INTAKE_BATCH_SIZE.into()), BATCH)
                });
            let handle = match builder.map(PrometheusBuilder::install_recorder) {
                Ok(Ok(h)) => h,
                other => {
                    tracing::error!(error = ?other.err(), "metrics recorder not installed");
                    return None;
                }
            };
            describe();
            // Histograms keep raw samples until they are drained; drain them even when nobody
            // scrapes, so memory stays flat.
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                let h = handle.clone();
                rt.spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_secs(5));
                    loop {
                        tick.tick().await;
                        h.run_upkeep();
                    }
                });
            }
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        names::HTTP_REQUESTS,
        "HTTP requests by route template, method and status"
    );
    describe_histogram!(names::HTTP_DURATION, Unit::Seconds, "HTTP request latency");
    describe_gauge!(
        names::INTAKE_QUEUE_DEPTH,
        "Submissions waiting for the intake writer"
    );
    describe_histogram!(names::INTAKE_BATCH_SIZE, "Cases written per intake commit");
    describe_counter!(names::PLUGIN_CALLS, "Plugin calls that ran, by plugin");
    describe_counter!(
        names::PLUGIN_FAILURES,
        "Plugin calls that failed, by plugin"
    );
    describe_counter!(
        names::PLUGIN_BUSY,
        "Plugin calls refused for want of a slot"
    );
    describe_histogram!(
        names::PLUGIN_DURATION,
        Unit::Seconds,
        "Plugin call duration"
    );
    describe_gauge!(names::SSE_CLIENTS, "Clients connected to live feeds");
    describe_gauge!(names::CASES, "Cases by status, district-wide");
    describe_gauge!(
        names::OUTBOX_LAG,
        Unit::Seconds,
        "Age of the oldest undelivered case event"
    );
    describe_gauge!(
        names::OUTBOX_PARKED,
        "Plugin deliveries parked after repeated failures"
    );
    describe_gauge!(
        names::NOTIFICATION_LAG,
        Unit::Seconds,
        "Age of the oldest unsent notification"
    );
    describe_gauge!(names::DB_POOL, "Database pool connections by state");
}

/// `/metrics` and `/readyz`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/readyz", get(crate::readiness::readyz))
}

/// Counts and times every request under its route template (`unmatched` when no route took
/// it: a raw path would let anyone mint series).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!(names::HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(names::HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    res
}

/// True when `headers` carry `Authorization: Bearer <token>`, compared in constant time.
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(token.as_bytes()))
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = &state.settings.metrics.token;
    let Some(handle) = install(token).filter(|_| !token.is_empty()) else {
        return ApiError::not_found("no such page").into_response();
    };
    if !authorised(&headers, token) {
        let mut res = ApiError::Unauthorized.into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return res;
    }
    refresh(&state).await;
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Sets the gauges read at scrape time from this node's database and pool.
async fn refresh(state: &AppState) {
    let pool = names::pool_use(&state.db);
    metrics::gauge!(names::DB_POOL, "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!(names::DB_POOL, "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!(names::DB_POOL, "state" => "max").set(f64::from(pool.max));
    match names::read(&state.db, state.clock.now()).await {
        Ok(r) => {
            for (status, n) in r.cases_by_status {
                metrics::gauge!(names::CASES, "status" => status.as_str()).set(n as f64);
            }
            metrics::gauge!(names::OUTBOX_LAG).set(r.outbox_lag_secs);
            metrics::gauge!(names::OUTBOX_PARKED).set(r.outbox_parked as f64);
        }
        // The scrape still answers with what the process knows; the gap shows the failure.
        Err(e) => tracing::warn!(error = %e, "metrics: reading the database"),
    }
}

/// A JSON answer with `status`, for the probes.
pub(crate) fn probe(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}
