//! `/readyz`: whether this node should be sent traffic. Liveness (`/healthz`) only says the
//! process answers; a load balancer asks this instead, and a node that is starting (plugins
//! still compiling), cut off from its database, or running on a schema older than its code
//! (another node has not finished migrating) answers 503 with the reasons, and is skipped.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::AppState;
use crate::operations::probe;

pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut reasons = Vec::new();
    if let Err(e) = liaison_domain::db::ping(&state.db).await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        reasons.push(json!({ "check": "database", "reason": "the database does not answer" }));
    } else {
        match liaison_domain::db::pending_migrations(&state.db).await {
            Ok(pending) if pending.is_empty() => {}
            Ok(pending) => reasons.push(json!({
                "check": "migrations",
                "reason": "migrations this build knows are not applied yet",
                "pending": pending,
            })),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: reading the migrations");
                reasons.push(
                    json!({ "check": "migrations", "reason": "the migrations could not be read" }),
                );
            }
        }
    }
    if !state.plugins.is_warm() {
        reasons
            .push(json!({ "check": "plugins", "reason": "the enabled plugins are still loading" }));
    }
    if reasons.is_empty() {
        probe(StatusCode::OK, json!({ "status": "ready" }))
    } else {
        probe(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "not_ready", "reasons": reasons }),
        )
    }
}
