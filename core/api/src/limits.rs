//! Per-address rate limits for the doors anyone can knock on: intake, rating, sign-in.
//! A refusal is a 429 with the same JSON error shape as everything else, and Retry-After.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::PeerIpKeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use super::error::{ErrorBody, ErrorDetail};

pub type PerIp = GovernorLayer<
    PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    Body,
>;

/// `burst` requests at once, then one more every `refill_ms`, per client address.
pub fn per_ip(burst: u32, refill_ms: u64) -> PerIp {
    let config = GovernorConfigBuilder::default()
        .per_millisecond(refill_ms.max(1))
        .burst_size(burst.max(1))
        .key_extractor(PeerIpKeyExtractor)
        .finish()
        .expect("valid rate limit");
    let config = Arc::new(config);
    let limiter = config.limiter().clone();
    // Forget addresses that went quiet, so the table does not grow without end.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter.retain_recent();
        }
    });
    GovernorLayer::new(config).error_handler(refusal)
}

fn refusal(e: GovernorError) -> Response<Body> {
    let (status, message, wait) = match e {
        GovernorError::TooManyRequests { wait_time, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests from this address; try again in {wait_time} s"),
            Some(wait_time),
        ),
        GovernorError::UnableToExtractKey => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error".to_owned(),
            None,
        ),
        GovernorError::Other { code, msg, .. } => {
            (code, msg.unwrap_or_else(|| "refused".into()), None)
        }
    };
    let code = if status == StatusCode::TOO_MANY_REQUESTS {
        "too_many_requests"
    } else {
        "internal"
    };
    let mut res = (
        status,
        axum::Json(ErrorBody {
            error: ErrorDetail::plain(code, message, None),
        }),
    )
        .into_response();
    if let Some(w) = wait
        && let Ok(v) = HeaderValue::from_str(&w.max(1).to_string())
    {
        res.headers_mut().insert(RETRY_AFTER, v);
    }
    res
}
