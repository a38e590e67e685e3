//! What operations see of a running node: Prometheus metrics behind a token, liveness and
//! readiness (with a node that is not ready).
//!
//! The metrics recorder is one per process, and the tests share the process: counters here are
//! at least what this test caused; the gauges read from the database at scrape time are this
//! server's own (both backends' tests cause the same figures, so a concurrent scrape of the
//! other agrees).

use std::collections::HashMap;

use serde_json::json;

use crate::plugins::{HELLO, HELLO_CAPS};
use crate::support::*;

const TOKEN: &str = "ops-scrape-token-0f3a9c2e7b41";

/// `name{labels} value` lines of a scrape, by the series' full text before the value.
fn series(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

#[track_caller]
fn value(s: &HashMap<String, f64>, key: &str) -> f64 {
    *s.get(key).unwrap_or_else(|| {
        let mut keys: Vec<_> = s.keys().collect();
        keys.sort();
        panic!("no series {key} in the scrape; it has {keys:#?}")
    })
}

async fn scrape(app: &TestApp, token: Option<&str>) -> Resp {
    let mut req = app.client.get(format!("{}/metrics", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("scraping");
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Resp {
        status,
        headers: Default::default(),
        content_type: String::new(),
        text,
        body,
    }
}

async fn metrics_scrape(b: Backend) {
    let app = spawn_app_with(b, |s| {
        plugin_settings(s);
        s.metrics.token = TOKEN.into();
    })
    .await;

    // Refused without the token, or with another one.
    let r = scrape(&app, None).await;
    assert_eq!(r.status.as_u16(), 401, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "unauthorized");
    let r = scrape(&app, Some("ops-scrape-token-0f3a9c2e7b40")).await;
    assert_eq!(r.status.as_u16(), 401, "{}", r.text);

    // Traffic: two cases, tracked three times each; a path no route takes; a plugin view; a
    // live feed left open.
    let a = app.submit_default().await;
    let b2 = app.submit_at("jinqing").await;
    for code in [&a.receipt_code, &b2.receipt_code] {
        for _ in 0..3 {
            app.get(&format!("/track/{code}"), None).await.expect(200);
        }
    }
    app.get("/no-such-thing/4711", None).await.expect(404);
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &crate::support::Package::hello())
        .await;
    app.plugin_enable(Some(&ops), "lunan", HELLO, &HELLO_CAPS, json!({}))
        .await
        .expect(200);
    app.plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    let feed = app
        .client
        .get(app.api("/dashboard/live"))
        .bearer_auth(&ops)
        .send()
        .await
        .expect("opening the live feed");
    assert_eq!(feed.status().as_u16(), 200);

    let r = scrape(&app, Some(TOKEN)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let text = &r.text;
    let s = series(text);

    // Requests by route template and status, never by the raw path.
    let tracked = value(
        &s,
        r#"liaison_http_requests_total{route="/api/v1/track/{receipt_code}",method="GET",status="200"}"#,
    );
    assert!(tracked >= 6.0, "tracked {tracked}");
    assert!(
        value(
            &s,
            r#"liaison_http_requests_total{route="/api/v1/cases",method="POST",status="201"}"#
        ) >= 2.0
    );
    assert!(
        value(
            &s,
            r#"liaison_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ) >= 1.0
    );
    assert!(!text.contains(&a.receipt_code), "a raw path leaked");
    // (Not "4711" itself: those digits may turn up inside a measured value.)
    assert!(!text.contains("no-such-thing"), "a raw path leaked");
    // The latency histogram: buckets, a count that agrees with the counter's order, a sum.
    let count = value(
        &s,
        r#"liaison_http_request_duration_seconds_count{route="/api/v1/track/{receipt_code}",method="GET",status="200"}"#,
    );
    assert!(count >= 6.0);
    let inf = value(
        &s,
        r#"liaison_http_request_duration_seconds_bucket{route="/api/v1/track/{receipt_code}",method="GET",status="200",le="+Inf"}"#,
    );
    assert_eq!(inf, count, "every request falls in the +Inf bucket");
    let sum = value(
        &s,
        r#"liaison_http_request_duration_seconds_sum{route="/api/v1/track/{receipt_code}",method="GET",status="200"}"#,
    );
    assert!(sum > 0.0 && sum < count * 60.0, "sum {sum} of {count}");

    // Intake: batches written, nothing left queued now that every case was answered.
    assert!(value(&s, "liaison_intake_batch_size_count") >= 1.0);
    assert!(value(&s, "liaison_intake_batch_size_sum") >= 2.0);
    assert!(value(&s, "liaison_intake_queue_depth") >= 0.0);

    // Cases by status, this server's: the two just filed.
    assert_eq!(value(&s, r#"liaison_cases{status="submitted"}"#), 2.0);
    assert_eq!(value(&s, r#"liaison_cases{status="closed"}"#), 0.0);

    // The pool: in use within the ceiling.
    let max = value(&s, r#"liaison_db_pool_connections{state="max"}"#);
    let in_use = value(&s, r#"liaison_db_pool_connections{state="in_use"}"#);
    assert!(
        max >= 1.0 && in_use >= 0.0 && in_use <= max,
        "{in_use} of {max}"
    );
    assert!(value(&s, r#"liaison_db_pool_connections{state="idle"}"#) <= max);

    // Plugin calls by plugin, with their duration.
    let label = format!(r#"{{plugin="{HELLO}"}}"#);
    assert!(value(&s, &format!("liaison_plugin_calls_total{label}")) >= 1.0);
    assert!(
        value(
            &s,
            &format!("liaison_plugin_call_duration_seconds_count{label}")
        ) >= 1.0
    );

    // The outbox: a lag in seconds, small (the cases were filed moments ago), nothing parked.
    let lag = value(&s, "liaison_outbox_lag_seconds");
    assert!((0.0..600.0).contains(&lag), "lag {lag}");
    assert_eq!(value(&s, "liaison_outbox_parked"), 0.0);

    // The live feed counts while it is open.
    assert!(value(&s, "liaison_sse_clients") >= 1.0);
    drop(feed);

    // Descriptions for people reading the scrape.
    assert!(text.contains("# TYPE liaison_http_requests_total counter"));
    assert!(text.contains("# TYPE liaison_http_request_duration_seconds histogram"));
    assert!(text.contains("# HELP liaison_cases "));
}

async fn metrics_off_without_a_token(b: Backend) {
    let app = spawn_app(b).await;
    let r = scrape(&app, Some(TOKEN)).await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.text);
    let r = scrape(&app, None).await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.text);
}

async fn readiness(b: Backend) {
    let app = spawn_app(b).await;
    // Alive at once; ready once the plugins are loaded (none enabled here: quickly).
    app.get_bytes("/healthz", None).await;
    let ready = wait_until(std::time::Duration::from_secs(30), "ready", || async {
        let r = app
            .request(
                reqwest::Method::GET,
                &format!("{}/readyz", app.address),
                None,
                None,
            )
            .await;
        if r.status.as_u16() == 200 {
            Ok(r)
        } else {
            Err(r.text)
        }
    })
    .await;
    assert_eq!(ready.body["status"], "ready", "{}", ready.text);

    // A schema older than the code (as while another node is still migrating): not ready,
    // saying which migration is missing; liveness is unaffected.
    let last = texts(
        &app.db,
        "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
    )
    .await
    .remove(0);
    let applied_at = count(
        &app.db,
        &format!("SELECT applied_at FROM seaql_migrations WHERE version = '{last}'"),
    )
    .await;
    execute(
        &app.db,
        &format!("DELETE FROM seaql_migrations WHERE version = '{last}'"),
    )
    .await;
    let r = app
        .request(
            reqwest::Method::GET,
            &format!("{}/readyz", app.address),
            None,
            None,
        )
        .await
        .expect(503);
    assert_eq!(r.body["status"], "not_ready");
    assert_eq!(r.body["reasons"][0]["check"], "migrations", "{}", r.text);
    assert_eq!(r.body["reasons"][0]["pending"], json!([last]));
    let (status, _, _) = app.get_bytes("/healthz", None).await;
    assert_eq!(status, 200, "alive while not ready");

    // Migrated again: ready again.
    execute(
        &app.db,
        &format!(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{last}', {applied_at})"
        ),
    )
    .await;
    app.request(
        reqwest::Method::GET,
        &format!("{}/readyz", app.address),
        None,
        None,
    )
    .await
    .expect(200);
}

both_backends!(metrics_scrape, metrics_off_without_a_token, readiness);
