//! Per-client budgets for the doors anyone can knock on. There is one budget per kind of door,
//! shared by the API and the pages, so that the page twin of an endpoint does not double it:
//!
//! - `intake`: filing an opinion, an appraisal opinion or a project proposal, and a brand's
//!   action (anonymous plugin actions file cases too);
//! - `receipt`: every endpoint that takes a receipt code — tracking, rating by receipt (also
//!   `POST /cases/{id}/actions/rate`, whose body carries the code), the receipt page — so that
//!   codes cannot be tried faster on one door than on another;
//! - `login`: signing in.
//!
//! The client is the peer address, unless the peer is one of the configured trusted proxies
//! (`[server] trusted_proxies`): then it is the nearest address in `Forwarded` (or, without
//! it, `X-Forwarded-For`) that is not a trusted proxy. Headers from anyone else are ignored,
//! so a client cannot pick its own bucket. A refusal is a 429 with the JSON error shape and a
//! `Retry-After` rounded up, never telling a client to come back before the bucket allows.
//! The same address names the client in the logs: every request's span carries it
//! ([`RequestSpan`]), so a line logged while serving a request says whom it served.
//!
//! ## Several nodes
//!
//! The buckets are kept in each node's memory, so with several nodes behind a proxy a client's
//! budget is per node: with `n` nodes sharing its requests, a client gets up to `n` times the
//! burst and the refill rate in all. They are not shared through the database on purpose: a
//! shared bucket would cost a database write on every public request, precisely on the doors
//! that must stay cheap under a flood, and the budgets are there to slow guessing and floods
//! per address, which a bounded factor does not defeat. An operator who runs `n` nodes and wants
//! the district-wide figure `B` sets each budget to about `B / n` (a burst of at least a few, so
//! a resident's honest retries pass), or lets the proxy spread a client's requests over one node
//! (nginx `hash $remote_addr consistent;`), which keeps each budget whole on that node.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use super::error::{ErrorBody, ErrorDetail};
use liaison_domain::configuration::ServerSettings;

type Middleware = governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>;

/// The layer that spends a budget.
pub type PerClient = GovernorLayer<ClientIp, Middleware, Body>;

/// The client address a request counts against: the peer, or what trusted proxies say.
#[derive(Debug, Clone)]
pub struct ClientIp {
    trusted: Arc<Vec<IpNet>>,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(client_ip(peer, req.headers(), &self.trusted))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then, walking the
/// forwarding chain from the nearest hop back, the first address that is not a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_for(headers);
    chain
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(chain.first())
        .copied()
        .unwrap_or(peer)
}

/// The addresses of the forwarding chain, the client first: from `Forwarded` (RFC 7239) when
/// present, else from `X-Forwarded-For`. Unparseable or obfuscated entries are skipped.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| node_ip(v.trim().trim_matches('"')))
                        .flatten()
                })
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .filter_map(|s| node_ip(s))
        .collect()
}

/// An address as forwarding headers write it: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`,
/// `[2001:db8::1]:4711` or a bare IPv6 address.
fn node_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    let inner = s.strip_prefix('[')?.split(']').next()?;
    inner.parse().ok()
}

/// The span of every request, at INFO so that it frames whatever is logged while serving it:
/// method, path (never the query, which may carry what people typed) and the client address as
/// [`client_ip`] finds it behind trusted proxies.
#[derive(Debug, Clone)]
pub struct RequestSpan(ClientIp);

impl<B> tower_http::trace::MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, req: &Request<B>) -> tracing::Span {
        let client = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| client_ip(c.ip(), req.headers(), &self.0.trusted).to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            client = %client,
        )
    }
}

/// One budget: `burst` requests at once, then one more every `refill_ms`, per client.
#[derive(Clone)]
pub struct Budget {
    config: Arc<GovernorConfig<ClientIp, Middleware>>,
}

impl Budget {
    fn new(burst: u32, refill_ms: u64, client: &ClientIp) -> anyhow::Result<Self> {
        let config = GovernorConfigBuilder::default()
            .per_millisecond(refill_ms.max(1))
            .burst_size(burst.max(1))
            .key_extractor(client.clone())
            .finish()
            .ok_or_else(|| anyhow::anyhow!("an invalid rate limit"))?;
        let config = Arc::new(config);
        let limiter = config.limiter().clone();
        // Forget clients that went quiet, so the table does not grow without end. Outside a
        // runtime (a unit test building settings) there is nothing to forget yet.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    limiter.retain_recent();
                }
            });
        }
        Ok(Self { config })
    }

    /// The layer that spends this budget; every layer of one budget draws on the same buckets.
    pub fn layer(&self) -> PerClient {
        GovernorLayer::new(self.config.clone()).error_handler(refusal)
    }
}

/// The budgets of a server, one per kind of door (see the module's comment).
#[derive(Clone)]
pub struct Budgets {
    pub intake: Budget,
    pub receipt: Budget,
    pub login: Budget,
    /// Who the client is, for the request span.
    client: ClientIp,
}

impl Budgets {
    /// The budgets `[server]` configures; an address in `trusted_proxies` that is not an IP
    /// address or a network (`10.0.0.0/8`) is a configuration error.
    pub fn new(s: &ServerSettings) -> anyhow::Result<Self> {
        let trusted = s
            .trusted_proxies
            .iter()
            .map(|t| {
                t.parse::<IpNet>()
                    .or_else(|_| t.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!("server.trusted_proxies: {t} is not an address or network")
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let client = ClientIp {
            trusted: Arc::new(trusted),
        };
        Ok(Self {
            intake: Budget::new(s.intake_burst, s.intake_refill_ms, &client)?,
            receipt: Budget::new(s.receipt_burst, s.receipt_refill_ms, &client)?,
            login: Budget::new(s.login_burst, s.login_refill_ms, &client)?,
            client,
        })
    }

    /// The request span, naming the client as the budgets count it.
    pub fn request_span(&self) -> RequestSpan {
        RequestSpan(self.client.clone())
    }
}

fn refusal(e: GovernorError) -> Response<Body> {
    let (status, message, wait) = match e {
        // The limiter counts whole seconds down (1.9 s is "1"): one more is never too early.
        GovernorError::TooManyRequests { wait_time, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many requests from this address; try again in {} s",
                wait_time + 1
            ),
            Some(wait_time + 1),
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
        && let Ok(v) = HeaderValue::from_str(&w.to_string())
    {
        res.headers_mut().insert(RETRY_AFTER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("a name"),
                HeaderValue::from_str(v).expect("a value"),
            );
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let xff = headers(&[("x-forwarded-for", "203.0.113.7, 10.1.2.3")]);
        // An untrusted peer is the client, whatever it says.
        assert_eq!(
            client_ip(ip("198.51.100.9"), &xff, &trusted),
            ip("198.51.100.9")
        );
        // Behind trusted proxies: the nearest untrusted hop.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &xff, &trusted),
            ip("203.0.113.7")
        );
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7")]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &spoofed, &trusted),
            ip("203.0.113.7")
        );
        // Forwarded wins over X-Forwarded-For, with ports, quotes and brackets.
        let fwd = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.2",
            ),
            ("x-forwarded-for", "192.0.2.1"),
        ]);
        assert_eq!(client_ip(ip("10.0.0.1"), &fwd, &trusted), ip("2001:db8::1"));
        let v4 = headers(&[("forwarded", "for=192.0.2.60:80;by=10.0.0.1")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &v4, &trusted), ip("192.0.2.60"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
    }

    /// What the log writes while serving a request that came through a trusted proxy.
    #[test]
    fn the_request_span_names_the_client_behind_a_trusted_proxy() {
        use std::sync::{Arc, Mutex};
        use tower_http::trace::MakeSpan;

        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let mut settings = liaison_domain::configuration::Settings::defaults().server;
        settings.trusted_proxies = vec!["127.0.0.1".into()];
        let budgets = Budgets::new(&settings).unwrap();
        let request = |peer: &str| {
            let mut req = Request::builder()
                .uri("/api/v1/track/ABC?q=secret")
                .header("x-forwarded-for", "203.0.113.7")
                .body(())
                .unwrap();
            req.extensions_mut().insert(axum::extract::ConnectInfo(
                format!("{peer}:4000").parse::<SocketAddr>().unwrap(),
            ));
            req
        };
        tracing::subscriber::with_default(subscriber, || {
            let mut make = budgets.request_span();
            make.make_span(&request("127.0.0.1"))
                .in_scope(|| tracing::warn!("through the proxy"));
            make.make_span(&request("198.51.100.9"))
                .in_scope(|| tracing::warn!("straight in"));
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let line = |m: &str| text.lines().find(|l| l.contains(m)).unwrap().to_owned();
        assert!(
            line("through the proxy").contains("client=203.0.113.7"),
            "{text}"
        );
        assert!(
            line("straight in").contains("client=198.51.100.9"),
            "{text}"
        );
        assert!(
            line("straight in").contains("path=/api/v1/track/ABC"),
            "{text}"
        );
        assert!(
            !text.contains("secret"),
            "the query stays out of the log: {text}"
        );
    }
}
