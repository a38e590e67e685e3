//! A resident's opinion comes in: the 201 and its receipt code, what staff and the tracking
//! page show, idempotent resubmission, and refusals that leave nothing behind.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{
    Backend, REPORTER_NAME, REPORTER_PHONE, REPORTER_PHONE_MASKED, actions_of, case_body, spawn_app,
};

both_backends!(
    accepted_and_tracked,
    idempotent_resubmission,
    bad_input_refused,
    concurrent_intake,
);

/// `XXXX-XXXX` from the receipt alphabet (no 0/O, 1/I/L, U).
fn is_receipt_code(code: &str) -> bool {
    const ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let b = code.as_bytes();
    b.len() == 9
        && b[4] == b'-'
        && code
            .chars()
            .enumerate()
            .all(|(i, c)| i == 4 || ALPHABET.contains(c))
}

async fn accepted_and_tracked(b: Backend) {
    let app = spawn_app(b).await;
    assert_eq!(app.case_count().await, 0);

    let r = app.submit(&case_body("lunan")).await.expect(201);
    assert_eq!(r.body["status"], "submitted");
    let id = r.body["id"].as_i64().expect("an id");
    let code = r.body["receipt_code"].as_str().unwrap().to_owned();
    assert!(is_receipt_code(&code), "receipt code {code}");

    // On disk before the 201: the case, its contact kept apart, and its first event.
    let row = app.case_row(id).await;
    assert_eq!(row.receipt_code, code);
    assert_eq!(row.status.as_str(), "submitted");
    assert_eq!(row.channel.as_str(), "station_qr");
    let lunan = liaison_domain::stations::by_code(&app.db, "lunan")
        .await
        .unwrap();
    assert_eq!(row.station_id, lunan.id);
    assert_eq!(app.contact_count().await, 1);
    let evs = app.event_rows(id).await;
    assert_eq!(evs.len(), 1);
    assert_eq!(
        (evs[0].action.as_str(), evs[0].actor_role.as_str()),
        ("submit", "resident")
    );

    // Staff of the station see it, with the contact masked.
    let staff = app.login_demo("staff").await;
    assert_eq!(app.list_ids(&staff, "").await, vec![id]);
    assert_eq!(app.list_ids(&staff, "status=submitted").await, vec![id]);
    assert_eq!(
        app.list_ids(&staff, "text=%E8%B7%AF%E7%81%AF").await,
        vec![id]
    );
    let d = app.detail(&staff, id).await;
    assert_eq!(d["receipt_code"], code.as_str());
    assert_eq!(d["station"]["code"], "lunan");
    assert_eq!(d["category"]["code"], "urban_construction");
    assert_eq!(d["status"], "submitted");
    assert_eq!(d["contact"]["phone"], REPORTER_PHONE_MASKED);
    assert_eq!(d["contact"]["name"], "张**");
    assert_eq!(d["location"]["address"], "石曲村口");
    assert_eq!(actions_of(&d["events"]), ["submit"]);
    assert!(
        d["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("register"))
    );

    // The tracking page: the status and the story, never the reporter.
    let t = app.track(&code).await.expect(200);
    assert_eq!(t.body["status"], "submitted");
    assert_eq!(t.body["receipt_code"], code.as_str());
    assert_eq!(t.body["station"]["code"], "lunan");
    assert_eq!(t.body["can_rate"], false);
    assert_eq!(actions_of(&t.body["timeline"]), ["submit"]);
    for secret in [REPORTER_PHONE, REPORTER_PHONE_MASKED, REPORTER_NAME] {
        assert!(
            !t.text.contains(secret),
            "track page leaks {secret}: {}",
            t.text
        );
    }
    // Codes are accepted as people type them.
    let typed = code.to_lowercase().replace('-', " ");
    let t2 = app.track(&typed).await.expect(200);
    assert_eq!(t2.body["receipt_code"], code.as_str());
    app.track("ZZZZ-ZZZZ")
        .await
        .expect_error(404, "not_found", None);
    app.track("nonsense")
        .await
        .expect_error(404, "not_found", None);
}

async fn idempotent_resubmission(b: Backend) {
    let app = spawn_app(b).await;

    // The header.
    let send = || async {
        let req = app
            .client
            .post(app.api("/cases"))
            .header("Idempotency-Key", "form-7f3a9c21-e2e")
            .json(&case_body("lunan"));
        req.send().await.unwrap()
    };
    let first = send().await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send().await;
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again, "a resent form answers the same case");
    assert_eq!(app.case_count().await, 1);
    assert_eq!(app.contact_count().await, 1);
    assert_eq!(app.all_event_count().await, 1);

    // The same key in the body.
    let mut body = case_body("jinqing");
    body["client_key"] = json!("client-key-0001-e2e");
    let a = app.submit(&body).await.expect(201);
    let c = app.submit(&body).await.expect(200);
    assert_eq!(a.body, c.body);
    assert_ne!(a.body["id"], first["id"]);
    assert_eq!(app.case_count().await, 2);
    let rows = app
        .count("SELECT COUNT(*) FROM cases WHERE intake_key = 'client-key-0001-e2e'")
        .await;
    assert_eq!(rows, 1);

    // No key: two forms are two cases.
    app.submit(&case_body("lunan")).await.expect(201);
    app.submit(&case_body("lunan")).await.expect(201);
    assert_eq!(app.case_count().await, 4);

    // A key that cannot be one.
    let mut bad = case_body("lunan");
    bad["client_key"] = json!("short");
    app.submit(&bad)
        .await
        .expect_error(422, "invalid", Some("client_key"));
    assert_eq!(app.case_count().await, 4);
}

async fn bad_input_refused(b: Backend) {
    let app = spawn_app(b).await;
    // One good case first, so "unchanged" is not just "still empty".
    app.submit_default().await;
    let (cases0, contacts0, events0) = (
        app.case_count().await,
        app.contact_count().await,
        app.all_event_count().await,
    );

    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = case_body("lunan");
        f(&mut v);
        v
    };
    let refused: Vec<(&str, Value, u16, &str, Option<&str>)> = vec![
        (
            "missing description",
            with(&|v| {
                v.as_object_mut().unwrap().remove("description");
            }),
            400,
            "bad_request",
            Some("description"),
        ),
        (
            "description of the wrong type",
            with(&|v| v["description"] = json!(12345)),
            400,
            "bad_request",
            Some("description"),
        ),
        (
            "description too short",
            with(&|v| v["description"] = json!("灯坏")),
            422,
            "invalid",
            Some("description"),
        ),
        (
            "description only spaces",
            with(&|v| v["description"] = json!("          ")),
            422,
            "invalid",
            Some("description"),
        ),
        (
            "unknown station",
            with(&|v| v["station"] = json!("atlantis")),
            422,
            "invalid",
            Some("station"),
        ),
        (
            "unknown category",
            with(&|v| v["category"] = json!("astrology")),
            422,
            "invalid",
            Some("category"),
        ),
        (
            "bad phone",
            with(&|v| v["contact"]["phone"] = json!("call me maybe")),
            422,
            "invalid",
            Some("contact.phone"),
        ),
        (
            "latitude out of range",
            with(&|v| v["location"]["lat"] = json!(91.5)),
            422,
            "invalid",
            Some("location.lat"),
        ),
        (
            "longitude out of range",
            with(&|v| v["location"]["lng"] = json!(-181)),
            422,
            "invalid",
            Some("location.lng"),
        ),
        (
            "anonymous with a contact",
            with(&|v| v["anonymous"] = json!(true)),
            422,
            "invalid",
            Some("contact"),
        ),
        (
            "a deputy of another station",
            with(&|v| v["deputy"] = json!("jinqing-d01")),
            422,
            "invalid",
            Some("deputy"),
        ),
        (
            "a channel residents cannot use",
            with(&|v| v["channel"] = json!("reception")),
            422,
            "invalid",
            Some("channel"),
        ),
        (
            "unknown field",
            with(&|v| v["colour"] = json!("red")),
            400,
            "bad_request",
            None,
        ),
        (
            "unknown nested field",
            with(&|v| v["contact"]["email"] = json!("a@b.c")),
            400,
            "bad_request",
            None,
        ),
        ("not an object", json!([1, 2, 3]), 400, "bad_request", None),
    ];
    for (what, body, status, code, field) in refused {
        let r = app.submit(&body).await;
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.text);
        let r = r.expect_error(status, code, field);
        if let Some(f) = field {
            assert!(!r.message().is_empty(), "{what}: {f}");
        }
        assert_eq!(app.case_count().await, cases0, "{what} wrote a case");
        assert_eq!(
            app.contact_count().await,
            contacts0,
            "{what} wrote a contact"
        );
        assert_eq!(
            app.all_event_count().await,
            events0,
            "{what} wrote an event"
        );
    }

    // Bodies no JSON encoder writes.
    let json_ct = [("content-type", "application/json")];
    app.post_raw("/cases", &json_ct, b"{\"station\": \"lunan\",".to_vec())
        .await
        .expect_error(400, "bad_request", None);
    app.post_raw(
        "/cases",
        &[("content-type", "text/plain")],
        serde_json::to_vec(&case_body("lunan")).unwrap(),
    )
    .await
    .expect_error(400, "bad_request", None);

    // Larger than server.body_limit_bytes: 413, as JSON.
    let limit = app.settings.server.body_limit_bytes;
    assert!(limit < 70 * 1024);
    let mut big = case_body("lunan");
    big["description"] = json!("很".repeat(70 * 1024 / 3 + 10));
    let bytes = serde_json::to_vec(&big).unwrap();
    assert!(bytes.len() > 70 * 1024);
    app.post_raw("/cases", &json_ct, bytes)
        .await
        .expect_error(413, "too_large", None);
    // Within the body limit but past the description's own limit: 422.
    let mut long = case_body("lunan");
    long["description"] = json!("长".repeat(liaison_domain::cases::intake::MAX_DESCRIPTION + 1));
    let r = app
        .submit(&long)
        .await
        .expect_error(422, "invalid", Some("description"));
    // What is wrong is data: a stable kind and its limit beside the sentence.
    assert_eq!(r.body["error"]["kind"], "too_long", "{}", r.text);
    assert_eq!(
        r.body["error"]["max"],
        liaison_domain::cases::intake::MAX_DESCRIPTION,
        "{}",
        r.text
    );
    assert_eq!(
        r.message(),
        format!(
            "must be at most {} characters",
            liaison_domain::cases::intake::MAX_DESCRIPTION
        )
    );

    assert_eq!(app.case_count().await, cases0);
    assert_eq!(app.contact_count().await, contacts0);
    assert_eq!(app.all_event_count().await, events0);

    // And the same server still takes a good one.
    app.submit_default().await;
    assert_eq!(app.case_count().await, cases0 + 1);
}

/// Many residents at once: each gets their own case, each case on disk with its contact and its
/// one event; one form sent many times at once still makes one case.
async fn concurrent_intake(b: Backend) {
    let app = spawn_app(b).await;
    let n = 40;
    let answers = join_all((0..n).map(|i| {
        let mut body = case_body(if i % 3 == 0 { "jinqing" } else { "lunan" });
        body["description"] = json!(format!("第{i}件：小区门口积水严重，希望尽快疏通。"));
        let app = &app;
        async move { app.submit(&body).await }
    }))
    .await;
    let mut ids = std::collections::BTreeSet::new();
    let mut codes = std::collections::BTreeSet::new();
    for r in answers {
        let r = r.expect(201);
        ids.insert(r.body["id"].as_i64().unwrap());
        codes.insert(r.body["receipt_code"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        (ids.len(), codes.len()),
        (n, n),
        "distinct ids and receipt codes"
    );
    assert_eq!(app.case_count().await, n as u64);
    assert_eq!(app.contact_count().await, n as u64);
    assert_eq!(app.all_event_count().await, n as u64);
    for code in codes.iter().take(5) {
        app.track(code).await.expect(200);
    }

    // One form, sent ten times at once.
    let mut body = case_body("lunan");
    body["client_key"] = json!("double-click-2026-e2e");
    let answers = join_all((0..10).map(|_| {
        let (app, body) = (&app, &body);
        async move { app.submit(body).await }
    }))
    .await;
    let created = answers.iter().filter(|r| r.status.as_u16() == 201).count();
    let repeated = answers.iter().filter(|r| r.status.as_u16() == 200).count();
    assert_eq!((created, repeated), (1, 9), "statuses: {answers:?}");
    let first = &answers[0].body["id"];
    assert!(answers.iter().all(|r| &r.body["id"] == first));
    assert_eq!(app.case_count().await, n as u64 + 1);
    assert_eq!(app.all_event_count().await, n as u64 + 1);
}
