//! A real HTTP receiver (axum): keeps every request it gets — method, path, query, headers,
//! body — and answers with the status it is told to, optionally after a delay.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::any;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Request>,
    status: Option<StatusCode>,
    answer: String,
    delay: Option<Duration>,
}

#[derive(Clone)]
pub struct HttpReceiver {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

async fn record(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let (status, answer, delay) = {
        let mut i = inner.lock().unwrap();
        i.requests.push(Request {
            method,
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers,
            body,
        });
        (
            i.status.unwrap_or(StatusCode::OK),
            i.answer.clone(),
            i.delay,
        )
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    (status, answer)
}

impl HttpReceiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let app = Router::new()
            .route("/{*path}", any(record))
            .with_state(inner.clone());
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpReceiver { port, inner }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://127.0.0.1:{}{path_and_query}", self.port)
    }

    /// Answer `status` with `answer` as the body from now on.
    pub fn answer(&self, status: u16, answer: &str) {
        let mut i = self.inner.lock().unwrap();
        i.status = Some(StatusCode::from_u16(status).expect("status"));
        i.answer = answer.to_owned();
    }

    /// Wait this long before answering.
    pub fn delay(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = Some(delay);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().unwrap().requests.clone()
    }
}
