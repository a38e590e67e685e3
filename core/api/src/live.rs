//! The live feed as server-sent events, for the API and the pages.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use liaison_domain::dashboard::live::Live;
use tokio::sync::broadcast;

/// One connected client, counted in the live-feed gauge for as long as its stream lives.
struct Client;

impl Client {
    fn connect() -> Self {
        metrics::gauge!(liaison_domain::operations::SSE_CLIENTS).increment(1.0);
        Client
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        metrics::gauge!(liaison_domain::operations::SSE_CLIENTS).decrement(1.0);
    }
}

/// An SSE answer of the changes to `station` (all stations when `None`), with keep-alive.
/// Each message is `event: change`, data `{"station_id": …}`; the page re-fetches its data.
/// The stream ends when the server stops (see `Live::close`): the browser reconnects, to
/// another node behind the proxy or to this one once it is back.
pub fn sse(
    live: &Live,
    station: Option<i64>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let rx = live.subscribe();
    let closing = live.closing();
    let first = Event::default().event("ready").data("{}");
    let state = (rx, closing, Some(first), Client::connect());
    let stream = futures_util::stream::unfold(
        state,
        move |(mut rx, mut closing, first, client)| async move {
            if let Some(e) = first {
                return Some((Ok(e), (rx, closing, None, client)));
            }
            loop {
                let received = tokio::select! {
                    r = rx.recv() => r,
                    _ = closing.wait_for(|c| *c) => return None,
                };
                match received {
                    Ok(c) if station.is_none_or(|s| s == c.station_id) => {
                        let data = serde_json::to_string(&c).unwrap_or_default();
                        let e = Event::default().event("change").data(data);
                        return Some((Ok(e), (rx, closing, None, client)));
                    }
                    Ok(_) => {}
                    // Missed some: say "something changed" so the page reloads its numbers.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let data = serde_json::json!({ "station_id": station }).to_string();
                        let e = Event::default().event("change").data(data);
                        return Some((Ok(e), (rx, closing, None, client)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
