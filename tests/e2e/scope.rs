//! Who sees which cases, and the reporter's contact: masked everywhere, revealed only to the
//! roles that need it, with a reason, and every reveal logged.

use serde_json::json;

use crate::support::{Backend, REPORTER_NAME, REPORTER_PHONE, REPORTER_PHONE_MASKED, spawn_app};

both_backends!(scope_by_role, contact_privacy);

async fn scope_by_role(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let deputy = app.login_demo("deputy").await;
    let ops = app.login_demo("ops").await;
    let viewer = app.login_demo("viewer").await;
    let jinqing_staff = app.add_station_staff("jinqing").await;
    let civil = app
        .add_user("civil-handler", "handler", None, Some("civil"), None)
        .await;
    let eco = app
        .add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let jinqing_deputy = app
        .add_user("jinqing-deputy", "deputy", None, None, Some("jinqing-d01"))
        .await;

    let a = app.submit_at("lunan").await.id;
    let b_ = app.submit_at("jinqing").await.id;

    // Station staff: their own station only; the other one's case does not exist for them.
    assert_eq!(app.list_ids(&staff, "").await, vec![a]);
    assert!(app.list_ids(&staff, "station=jinqing").await.is_empty());
    app.get(&format!("/cases/{b_}"), Some(&staff))
        .await
        .expect_error(404, "not_found", None);
    app.act(Some(&staff), b_, "register", json!({}))
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(app.case_row(b_).await.status.as_str(), "submitted");
    assert_eq!(app.list_ids(&jinqing_staff, "").await, vec![b_]);
    app.get(&format!("/cases/{a}"), Some(&jinqing_staff))
        .await
        .expect_error(404, "not_found", None);

    // Deputies: their station's cases.
    assert_eq!(app.list_ids(&deputy, "").await, vec![a]);
    app.get(&format!("/cases/{b_}"), Some(&deputy))
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(app.list_ids(&jinqing_deputy, "").await, vec![b_]);

    // Ops and viewers: everything, newest first.
    assert_eq!(app.list_ids(&ops, "").await, vec![b_, a]);
    assert_eq!(app.list_ids(&viewer, "").await, vec![b_, a]);
    assert_eq!(app.list_ids(&viewer, "station=jinqing").await, vec![b_]);
    app.get(&format!("/cases/{b_}"), Some(&viewer))
        .await
        .expect(200);
    assert_eq!(
        app.detail(&viewer, a).await["allowed_actions"],
        json!([]),
        "a viewer may do nothing"
    );

    // Handlers: nothing until a case is assigned to their organisation.
    assert!(app.list_ids(&handler, "").await.is_empty());
    app.act(Some(&staff), a, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&staff),
        a,
        "assign",
        json!({ "lead": "housing", "co_handlers": ["eco"] }),
    )
    .await
    .expect(200);
    app.act(Some(&jinqing_staff), b_, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&jinqing_staff),
        b_,
        "assign",
        json!({ "lead": "civil" }),
    )
    .await
    .expect(200);

    assert_eq!(app.list_ids(&handler, "").await, vec![a]);
    assert_eq!(
        app.list_ids(&handler, "organisation=housing").await,
        vec![a]
    );
    assert!(
        app.list_ids(&handler, "organisation=civil")
            .await
            .is_empty(),
        "a filter never widens the scope"
    );
    app.get(&format!("/cases/{b_}"), Some(&handler))
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(app.list_ids(&civil, "").await, vec![b_]);
    app.get(&format!("/cases/{a}"), Some(&civil))
        .await
        .expect_error(404, "not_found", None);
    // A co-handler reads the case.
    assert_eq!(app.list_ids(&eco, "").await, vec![a]);
    assert_eq!(app.detail(&eco, a).await["lead"]["code"], "housing");
    // Ops filter by organisation across stations.
    assert_eq!(app.list_ids(&ops, "organisation=civil").await, vec![b_]);
    assert_eq!(app.list_ids(&ops, "organisation=eco").await, vec![a]);
    assert_eq!(app.list_ids(&ops, "status=assigned").await, vec![b_, a]);
    app.get("/cases?organisation=nowhere", Some(&ops))
        .await
        .expect_error(422, "invalid", Some("organisation"));
    app.get("/cases?per_page=0", Some(&ops))
        .await
        .expect_error(422, "invalid", Some("per_page"));

    // Returned: the organisation loses it.
    let d = app
        .act(
            Some(&handler),
            a,
            "return",
            json!({ "reason": "不属于我局职责" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "registered");
    assert!(app.list_ids(&handler, "").await.is_empty());
    assert!(app.list_ids(&eco, "").await.is_empty());
    app.get(&format!("/cases/{a}"), Some(&handler))
        .await
        .expect_error(404, "not_found", None);
    app.act(Some(&handler), a, "acknowledge", json!({}))
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(app.list_ids(&staff, "status=registered").await, vec![a]);

    // Signed out: nothing.
    app.get("/cases", None)
        .await
        .expect_error(401, "unauthorized", None);
    app.get(&format!("/cases/{a}"), None)
        .await
        .expect_error(401, "unauthorized", None);
}

async fn contact_privacy(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let deputy = app.login_demo("deputy").await;
    let viewer = app.login_demo("viewer").await;
    let jinqing_staff = app.add_station_staff("jinqing").await;
    let case = app.submit_default().await;
    let id = case.id;
    let reveals = || async {
        app.event_rows(id)
            .await
            .into_iter()
            .filter(|e| e.action == "reveal_contact")
            .collect::<Vec<_>>()
    };

    // Masked wherever a case is shown.
    let r = app
        .get(&format!("/cases/{id}"), Some(&staff))
        .await
        .expect(200);
    assert_eq!(r.body["contact"]["phone"], REPORTER_PHONE_MASKED);
    assert_eq!(r.body["contact"]["name"], "张**");
    for text in [
        &r.text,
        &app.get("/cases", Some(&staff)).await.expect(200).text,
        &app.get(&format!("/cases/{id}"), Some(&viewer)).await.text,
    ] {
        assert!(!text.contains(REPORTER_PHONE), "{text}");
        assert!(!text.contains(REPORTER_NAME), "{text}");
    }
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let hd = app
        .get(&format!("/cases/{id}"), Some(&handler))
        .await
        .expect(200);
    assert_eq!(hd.body["contact"]["phone"], REPORTER_PHONE_MASKED);
    assert!(!hd.text.contains(REPORTER_PHONE));

    // Roles that need not reach the resident may not reveal.
    let path = format!("/cases/{id}/contact");
    let why = json!({ "reason": "回访核实情况" });
    app.post(&path, Some(&handler), &why)
        .await
        .expect_error(403, "forbidden", None);
    app.post(&path, Some(&viewer), &why)
        .await
        .expect_error(403, "forbidden", None);
    app.post(&path, None, &why)
        .await
        .expect_error(401, "unauthorized", None);
    // Staff of another station: not their case.
    app.post(&path, Some(&jinqing_staff), &why)
        .await
        .expect_error(404, "not_found", None);
    // A reason is required.
    app.post(&path, Some(&staff), &json!({}))
        .await
        .expect_error(400, "bad_request", Some("reason"));
    app.post(&path, Some(&staff), &json!({ "reason": "  " }))
        .await
        .expect_error(422, "invalid", Some("reason"));
    assert!(reveals().await.is_empty(), "a refused reveal was logged");

    // Staff reveal, with a reason, and it is logged.
    let status_before = app.case_row(id).await.status;
    let r = app.post(&path, Some(&staff), &why).await.expect(200);
    assert_eq!(r.body["phone"], REPORTER_PHONE);
    assert_eq!(r.body["name"], REPORTER_NAME);
    let logged = reveals().await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].actor_role, "station_staff");
    assert_eq!(logged[0].note.as_deref(), Some("回访核实情况"));
    assert!(!logged[0].public);
    assert_eq!(app.case_row(id).await.status, status_before);
    // So may the station's deputy; each reveal is another entry.
    app.post(&path, Some(&deputy), &json!({ "reason": "代表回访" }))
        .await
        .expect(200);
    assert_eq!(reveals().await.len(), 2);
    let d = app.detail(&staff, id).await;
    let shown: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "reveal_contact")
        .map(|e| e["actor_role"].as_str().unwrap())
        .collect();
    assert_eq!(shown, ["station_staff", "deputy"]);

    // The tracking page shows none of it.
    let t = app.track(&case.receipt_code).await.expect(200);
    assert!(!t.text.contains("reveal_contact"));
    assert!(!t.text.contains(REPORTER_PHONE));

    // An anonymous case has no contact to reveal, and nothing is logged.
    let mut anon = crate::support::case_body("lunan");
    anon.as_object_mut().unwrap().remove("contact");
    anon["anonymous"] = json!(true);
    let r = app.submit(&anon).await.expect(201);
    let anon_id = r.body["id"].as_i64().unwrap();
    assert!(app.detail(&staff, anon_id).await["contact"].is_null());
    app.post(&format!("/cases/{anon_id}/contact"), Some(&staff), &why)
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(app.event_rows(anon_id).await.len(), 1);
}
