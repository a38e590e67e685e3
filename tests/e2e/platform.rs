//! What every client relies on: the health check, the OpenAPI document, unknown routes, and the
//! intake rate limit.

use serde_json::{Value, json};

use crate::support::{Backend, case_body, spawn_app, spawn_app_with};

both_backends!(health_and_openapi, every_error_is_json);

async fn health_and_openapi(b: Backend) {
    let app = spawn_app(b).await;

    let r = app
        .request(
            reqwest::Method::GET,
            &format!("{}/healthz", app.address),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(r.body, json!({ "status": "ok" }));

    let r = app
        .request(
            reqwest::Method::GET,
            &format!("{}/api/openapi.json", app.address),
            None,
            None,
        )
        .await
        .expect(200);
    let doc = &r.body;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/actions/assign",
        "/api/v1/cases/{id}/contact",
        "/api/v1/track/{receipt_code}",
        "/api/v1/track/{receipt_code}/rate",
        "/api/v1/auth/login",
        "/api/v1/stations",
        "/api/v1/stations/{code}/duty",
        "/api/v1/calendar",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["paths"]["/api/v1/cases"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/cases"]["get"].is_object());
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    // Signed-in routes name the scheme.
    let list_security = &doc["paths"]["/api/v1/cases"]["get"]["security"];
    assert!(
        list_security
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.get("bearer").is_some())),
        "GET /cases needs the bearer: {list_security}"
    );

    // Unknown routes answer JSON too.
    let r = app.get("/no/such/thing", None).await;
    r.expect_error(404, "not_found", None);
}

/// Each case action has its own path in the OpenAPI document, and its request body is a schema
/// naming that action's own fields; where the body may be left out, it is not required.
#[tokio::test]
async fn each_action_documents_its_body() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = app
        .request(
            reqwest::Method::GET,
            &format!("{}/api/openapi.json", app.address),
            None,
            None,
        )
        .await
        .expect(200)
        .body;
    // The first `$ref` in a schema (an optional body is "null or the body").
    fn first_ref(v: &Value) -> Option<&str> {
        match v {
            Value::Object(m) => m
                .get("$ref")
                .and_then(Value::as_str)
                .or_else(|| m.values().find_map(first_ref)),
            Value::Array(a) => a.iter().find_map(first_ref),
            _ => None,
        }
    }
    let actions: [(&str, &[&str], bool); 16] = [
        (
            "register",
            &[
                "category",
                "title",
                "urgency",
                "complex",
                "duplicate_of",
                "note",
                "note_audience",
            ],
            false,
        ),
        ("reject", &["reason"], true),
        (
            "assign",
            &[
                "lead",
                "co_handlers",
                "complex",
                "reply_days",
                "note",
                "note_audience",
            ],
            true,
        ),
        ("acknowledge", &["note", "note_audience"], false),
        ("return", &["reason"], true),
        ("extend", &["reason", "days"], true),
        (
            "grant_extension",
            &["approve", "days", "note", "note_audience"],
            true,
        ),
        ("reply", &["answer"], true),
        ("resolve", &["answer"], true),
        ("feedback", &["note"], true),
        ("rate", &["rating", "comment", "receipt_code"], true),
        ("reopen", &["reason"], true),
        ("remind", &["note", "note_audience"], false),
        ("supervise", &["note", "note_audience"], false),
        ("notice", &["note", "note_audience"], false),
        ("close", &["note", "note_audience"], false),
    ];
    for (action, fields, required) in actions {
        let path = format!("/api/v1/cases/{{id}}/actions/{action}");
        let body = &doc["paths"][&path]["post"]["requestBody"];
        assert!(
            body.is_object(),
            "{path} documents its body: {}",
            doc["paths"][&path]
        );
        assert_eq!(
            body["required"].as_bool().unwrap_or(false),
            required,
            "{action}: is its body required?"
        );
        let schema = &body["content"]["application/json"]["schema"];
        let name = first_ref(schema)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("{action}'s body names a schema: {schema}"));
        let props = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{action}'s schema {name} has properties"));
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut want = fields.to_vec();
        want.sort_unstable();
        assert_eq!(names, want, "{action}'s body ({name}) names its own fields");
    }
    // The old catch-all path is not documented any more; an unknown name is still a 404.
    assert!(doc["paths"]["/api/v1/cases/{id}/actions/{action}"].is_null());
    let staff = app.login_demo("staff").await;
    let r = app
        .act(Some(&staff), 1, "frobnicate", json!({}))
        .await
        .expect_error(404, "not_found", None);
    assert!(r.message().contains("assign"), "{}", r.text);

    // The body is read as the action's command before the case is looked at, as the case page
    // always did: a resolve without its answer is a 400 naming the field, even on a case that is
    // not yet at the resolve step (it used to be the 409 of the state machine).
    let case = app.submit_default().await;
    app.act(Some(&staff), case.id, "resolve", json!({}))
        .await
        .expect_error(400, "bad_request", Some("answer"));
    app.act(
        Some(&staff),
        case.id,
        "resolve",
        json!({ "answer": "已处理完毕" }),
    )
    .await
    .expect_error(409, "conflict", None);
}

/// The intake budget per client address: a burst, then one every `intake_refill_ms`.
#[tokio::test]
async fn intake_rate_limit() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.intake_burst = 3;
        s.server.intake_refill_ms = 60_000;
    })
    .await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        let r = app.submit(&case_body("lunan")).await.expect(201);
        codes.push(r.body["receipt_code"].as_str().unwrap().to_owned());
    }
    let r = app
        .submit(&case_body("lunan"))
        .await
        .expect_error(429, "too_many_requests", None);
    assert!(r.message().contains("try again"), "{}", r.text);
    let retry_after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(app.case_count().await, 3);
    // Only the public intake is limited: signed-in work goes on.
    let staff = app.login_demo("staff").await;
    assert_eq!(app.list_ids(&staff, "").await.len(), 3);
    app.track(&codes[0]).await.expect(200);
}

/// Password guessing is throttled per address.
#[tokio::test]
async fn login_rate_limit() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.login_burst = 2;
        s.server.login_refill_ms = 60_000;
    })
    .await;
    let wrong = json!({ "username": "staff", "password": "guess-number-1" });
    for _ in 0..2 {
        app.post("/auth/login", None, &wrong)
            .await
            .expect_error(401, "unauthorized", None);
    }
    // Even the right password waits now.
    let right = json!({ "username": "staff", "password": "staff-demo-2026" });
    let r =
        app.post("/auth/login", None, &right)
            .await
            .expect_error(429, "too_many_requests", None);
    assert!(r.body.get("token").is_none());
    // Intake has its own budget.
    app.submit(&case_body("lunan")).await.expect(201);
}

/// Requests the router refuses before a handler runs (a query string or a path segment that does
/// not parse, a body past the limit, a method a route lacks) answer the same JSON error shape.
async fn every_error_is_json(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let case = app.submit_default().await;
    let auth = format!("Bearer {staff}");
    let json_ct = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];

    for query in ["status=bogus", "page=abc", "overdue=perhaps"] {
        app.get(&format!("/cases?{query}"), Some(&staff))
            .await
            .expect_error(400, "bad_request", None);
    }
    app.get("/stations/lunan/duty?from=yesterday", None)
        .await
        .expect_error(400, "bad_request", None);
    app.get("/cases/abc", Some(&staff))
        .await
        .expect_error(400, "bad_request", None);
    app.post("/cases/abc/actions/register", Some(&staff), &json!({}))
        .await
        .expect_error(400, "bad_request", None);

    // Past server.body_limit_bytes on an action: 413, as on intake.
    let mut big = b"{\"answer\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 70 * 1024));
    big.extend(b"\"}");
    app.post_raw(
        &format!("/cases/{}/actions/register", case.id),
        &json_ct,
        big,
    )
    .await
    .expect_error(413, "too_large", None);
    assert_eq!(app.case_row(case.id).await.status.as_str(), "submitted");

    // A method the route does not have.
    let r = app
        .delete("/cases", Some(&staff))
        .await
        .expect_error(405, "method_not_allowed", None);
    assert!(
        r.headers.contains_key("allow"),
        "405 keeps its Allow header"
    );
}
