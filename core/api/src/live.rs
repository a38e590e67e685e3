//! The live feed as server-sent events, for the API and the pages.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use liaison_domain::dashboard::live::Live;
use tokio::sync::broadcast;

/// An SSE answer of the changes to `station` (all stations when `None`), with keep-alive.
/// Each message is `event: change`, data `{"station_id": …}`; the page re-fetches its data.
pub fn sse(
    live: &Live,
    station: Option<i64>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let rx = live.subscribe();
    let first = Event::default().event("ready").data("{}");
    let stream =
        futures_util::stream::unfold((rx, Some(first)), move |(mut rx, first)| async move {
            if let Some(e) = first {
                return Some((Ok(e), (rx, None)));
            }
            loop {
                match rx.recv().await {
                    Ok(c) if station.is_none_or(|s| s == c.station_id) => {
                        let data = serde_json::to_string(&c).unwrap_or_default();
                        return Some((Ok(Event::default().event("change").data(data)), (rx, None)));
                    }
                    Ok(_) => {}
                    // Missed some: say "something changed" so the page reloads its numbers.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let data = serde_json::json!({ "station_id": station }).to_string();
                        return Some((Ok(Event::default().event("change").data(data)), (rx, None)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
