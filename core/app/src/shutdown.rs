//! Serving until told to stop, then stopping without losing work.
//!
//! On SIGTERM (or Ctrl-C) the listener closes at once, so the proxy sends new requests to
//! another node, and the live feeds end (their browsers reconnect elsewhere). Requests already
//! being served run to their answer: an intake request answers only after its batch committed,
//! so every 201 given is on disk, and a request still waiting for its batch gets its 201 too.
//! Then the plugin host refuses new calls and waits for the running ones (event deliveries,
//! schedules), so their outcomes are booked. All of it within `[server] shutdown_grace_secs`
//! from the signal; what is still running then is dropped with the process — a request that
//! never got its answer was never acknowledged, and an unfinished delivery is retried after its
//! lease, as after a crash.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::time::Instant;

use liaison_api::AppState;

/// Serves `app` on `listener` until a stop signal, then shuts down as the module says.
pub async fn serve(listener: TcpListener, app: Router, state: &AppState) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.settings.server.shutdown_grace_secs);
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(None::<Instant>);
    let live = state.live.clone();
    let stopping = async move {
        signal().await;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "stopping: no new connections; finishing what is in flight"
        );
        stop_tx.send_replace(Some(Instant::now() + grace));
        live.close();
    };
    let mut server = tokio::spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopping)
        .into_future(),
    );
    let until = tokio::select! {
        done = &mut server => {
            // Ended without a signal: a listener error.
            done??;
            return Ok(());
        }
        stop = stop_rx.wait_for(Option::is_some) => stop.ok().and_then(|at| *at),
    };
    let until = until.unwrap_or_else(Instant::now);
    match tokio::time::timeout_at(until, &mut server).await {
        Ok(done) => done??,
        Err(_) => {
            tracing::warn!(
                "the grace period ended with requests still in flight; they are dropped"
            );
            server.abort();
        }
    }
    if !state
        .plugins
        .drain(until.saturating_duration_since(Instant::now()))
        .await
    {
        tracing::warn!("the grace period ended with plugin calls still running");
    }
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C, whichever comes first.
async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
