//! The district's reference data through the API: stations, deputies, organisations,
//! categories, users, duty shifts, receptions at the duty desk, and the working-day calendar.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{Backend, date, spawn_app};

both_backends!(
    stations_and_directory,
    users_managed_by_ops,
    duty_shifts,
    receptions_become_cases,
    calendar_is_data,
);

fn field_list<'a>(v: &'a Value, field: &str) -> Vec<&'a str> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x[field].as_str().expect("a string field"))
        .collect()
}

async fn stations_and_directory(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;

    let r = app.get("/stations", None).await.expect(200);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 11);
    assert_eq!(list[0]["code"], "luqiao-head", "the head station first");
    assert_eq!(list[0]["kind"], "head");
    assert_eq!(
        list.iter().filter(|s| s["kind"] == "head").count(),
        1,
        "one head station"
    );
    let codes = field_list(&r.body, "code");
    for (code, ..) in liaison::demo::STATIONS {
        assert!(codes.contains(&code), "{code} listed");
    }
    let lunan = app.get("/stations/lunan", None).await.expect(200);
    assert_eq!(lunan.body["name"], "路南街道人大代表联络站");
    app.get("/stations/atlantis", None)
        .await
        .expect_error(404, "not_found", None);

    // Ops add a station; nobody else may.
    let new = json!({
        "code": "xinzhan",
        "name": "新站人大代表联络站",
        "name_en": "Xinzhan Station",
        "kind": "township",
        "address": "新站路1号",
    });
    app.post("/stations", Some(&staff), &new)
        .await
        .expect_error(403, "forbidden", None);
    app.post("/stations", None, &new)
        .await
        .expect_error(401, "unauthorized", None);
    let r = app.post("/stations", Some(&ops), &new).await.expect(201);
    assert_eq!(r.body["code"], "xinzhan");
    assert_eq!(r.body["kind"], "township");
    app.post("/stations", Some(&ops), &new)
        .await
        .expect_error(409, "conflict", None);
    for bad in ["Bad Code!", "x", "站点"] {
        let mut body = new.clone();
        body["code"] = json!(bad);
        let r = app.post("/stations", Some(&ops), &body).await;
        assert!(
            matches!(r.status.as_u16(), 400 | 422),
            "code {bad:?}: {}",
            r.text
        );
        assert_eq!(r.body["error"]["field"], "code", "{}", r.text);
    }
    let mut body = new.clone();
    body["code"] = json!("another");
    body["name"] = json!("   ");
    app.post("/stations", Some(&ops), &body)
        .await
        .expect_error(422, "invalid", Some("name"));
    assert_eq!(
        app.get("/stations", None)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        12
    );
    // The new station takes opinions at once.
    app.submit_at("xinzhan").await;
    let r = app
        .post(
            "/stations",
            Some(&ops),
            &json!({ "code": "patch-me", "name": "站", "name_en": "S", "kind": "township" }),
        )
        .await
        .expect(201);
    assert_eq!(r.body["address"], Value::Null);

    // Deputies, organisations, categories.
    let r = app.get("/deputies?station=lunan", None).await.expect(200);
    assert_eq!(
        field_list(&r.body, "code"),
        ["lunan-d01", "lunan-d02", "lunan-d03", "lunan-d04"]
    );
    let r = app.get("/deputies/lunan-d01", None).await.expect(200);
    assert_eq!(r.body["station"], "lunan");
    let r = app.get("/organisations", None).await.expect(200);
    assert_eq!(
        r.body.as_array().unwrap().len(),
        liaison::demo::ORGANISATIONS.len()
    );
    let r = app.get("/categories", None).await.expect(200);
    let expected: Vec<&str> = liaison::demo::CATEGORIES.iter().map(|c| c.0).collect();
    assert_eq!(field_list(&r.body, "code"), expected, "in display order");
    app.post(
        "/organisations",
        Some(&ops),
        &json!({ "code": "housing", "name": "重复", "kind": "department" }),
    )
    .await
    .expect_error(409, "conflict", None);
    app.post(
        "/categories",
        Some(&staff),
        &json!({ "code": "new-cat", "name": "新", "name_en": "New" }),
    )
    .await
    .expect_error(403, "forbidden", None);
}

async fn users_managed_by_ops(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;

    let r = app.get("/users", Some(&ops)).await.expect(200);
    let names = field_list(&r.body, "username");
    for u in liaison::demo::DEMO_USERS {
        assert!(names.contains(&u.username));
    }
    assert!(!r.text.contains("argon2"), "no password hashes in the list");
    app.get("/users", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);

    let new = json!({
        "username": "jq.staff",
        "password": "jinqing-staff-2026",
        "display_name": "金清联络站 工作人员",
        "role": "station_staff",
        "station": "jinqing",
    });
    app.post("/users", Some(&staff), &new)
        .await
        .expect_error(403, "forbidden", None);
    let r = app.post("/users", Some(&ops), &new).await.expect(201);
    assert_eq!(r.body["role"], "station_staff");
    app.post("/users", Some(&ops), &new)
        .await
        .expect_error(409, "conflict", None);
    let token = app.login("jq.staff", "jinqing-staff-2026").await;
    let me = app.get("/auth/me", Some(&token)).await.expect(200);
    assert_eq!(me.body["role"], "station_staff");
    // Their scope is their station.
    let jq = app.submit_at("jinqing").await;
    app.submit_at("lunan").await;
    assert_eq!(app.list_ids(&token, "").await, vec![jq.id]);

    let mut short = new.clone();
    short["username"] = json!("other");
    short["password"] = json!("short");
    app.post("/users", Some(&ops), &short)
        .await
        .expect_error(422, "invalid", Some("password"));
    let mut unattached = new.clone();
    unattached["username"] = json!("handler2");
    unattached["role"] = json!("handler");
    app.post("/users", Some(&ops), &unattached)
        .await
        .expect_error(422, "invalid", Some("organisation"));

    // Sign-in refusals and sign-out.
    app.post(
        "/auth/login",
        None,
        &json!({ "username": "jq.staff", "password": "wrong-password" }),
    )
    .await
    .expect_error(401, "unauthorized", None);
    app.post(
        "/auth/login",
        None,
        &json!({ "username": "nobody", "password": "whatever-2026" }),
    )
    .await
    .expect_error(401, "unauthorized", None);
    let r = app
        .request(
            reqwest::Method::POST,
            &app.api("/auth/logout"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 204);
    app.get("/auth/me", Some(&token))
        .await
        .expect_error(401, "unauthorized", None);
}

async fn duty_shifts(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let day = app.today() + Duration::days(3);
    let (from, to) = (app.today(), app.today() + Duration::days(13));
    let range = format!("/stations/lunan/duty?from={from}&to={to}");

    assert_eq!(
        app.get(&range, None).await.expect(200).body,
        json!([]),
        "no shifts yet"
    );
    let shift = json!({ "deputy": "lunan-d01", "day": day, "half": "am", "note": "上午接待" });
    app.post("/stations/lunan/duty", None, &shift)
        .await
        .expect_error(401, "unauthorized", None);
    app.post("/stations/lunan/duty", Some(&deputy), &shift)
        .await
        .expect_error(403, "forbidden", None);
    let r = app
        .post("/stations/lunan/duty", Some(&staff), &shift)
        .await
        .expect(201);
    assert_eq!(r.body["deputy"]["code"], "lunan-d01");
    assert_eq!(r.body["half"], "am");
    let shift_id = r.body["id"].as_i64().unwrap();
    app.post("/stations/lunan/duty", Some(&staff), &shift)
        .await
        .expect_error(409, "conflict", None);

    // Public, in the range asked.
    let r = app.get(&range, None).await.expect(200);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(date(&list[0]["day"]), day);
    assert_eq!(list[0]["deputy"]["code"], "lunan-d01");
    assert_eq!(list[0]["note"], "上午接待");
    let later = format!(
        "/stations/lunan/duty?from={}&to={}",
        day + Duration::days(1),
        day + Duration::days(5)
    );
    assert_eq!(app.get(&later, None).await.expect(200).body, json!([]));
    assert_eq!(
        app.get(&format!("/stations/jinqing/duty?from={from}&to={to}"), None)
            .await
            .expect(200)
            .body,
        json!([])
    );
    app.get(&format!("/stations/lunan/duty?from={to}&to={from}"), None)
        .await
        .expect_error(422, "invalid", Some("to"));
    app.get(
        &format!(
            "/stations/lunan/duty?from={from}&to={}",
            from + Duration::days(200)
        ),
        None,
    )
    .await
    .expect_error(422, "invalid", Some("to"));

    // Not at another station, and not with another station's deputy.
    let jq_shift = json!({ "deputy": "jinqing-d01", "day": day, "half": "pm" });
    app.post("/stations/jinqing/duty", Some(&staff), &jq_shift)
        .await
        .expect_error(403, "forbidden", None);
    app.post("/stations/lunan/duty", Some(&staff), &jq_shift)
        .await
        .expect_error(422, "invalid", Some("deputy"));
    app.post(
        "/stations/lunan/duty",
        Some(&staff),
        &json!({ "deputy": "nobody-d99", "day": day, "half": "pm" }),
    )
    .await
    .expect_error(422, "invalid", Some("deputy"));
    app.post(
        "/stations/lunan/duty",
        Some(&staff),
        &json!({ "deputy": "lunan-d02", "day": day, "half": "evening" }),
    )
    .await
    .expect_error(400, "bad_request", Some("half"));
    // A deputy of another station who also serves here may sit here.
    app.post(
        "/deputies",
        Some(&ops),
        &json!({
            "code": "jinqing-d99", "name": "周建国", "level": "district",
            "station": "jinqing", "also_serves": ["lunan"],
        }),
    )
    .await
    .expect(201);
    app.post(
        "/stations/lunan/duty",
        Some(&staff),
        &json!({ "deputy": "jinqing-d99", "day": day, "half": "pm" }),
    )
    .await
    .expect(201);
    let r = app.get(&range, None).await.expect(200);
    assert_eq!(
        field_list(
            &Value::Array(
                r.body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["deputy"].clone())
                    .collect()
            ),
            "code"
        ),
        ["lunan-d01", "jinqing-d99"],
        "ordered by day and half"
    );
    // Ops may staff any station.
    app.post(
        "/stations/jinqing/duty",
        Some(&ops),
        &json!({ "deputy": "jinqing-d01", "day": day, "half": "pm" }),
    )
    .await
    .expect(201);

    // Removing: staff of another station may not; this station's staff may, once.
    let jinqing_staff = app.add_station_staff("jinqing").await;
    let path = format!("/stations/lunan/duty/{shift_id}");
    app.delete(&path, Some(&jinqing_staff))
        .await
        .expect_error(403, "forbidden", None);
    assert_eq!(app.delete(&path, Some(&staff)).await.status.as_u16(), 204);
    app.delete(&path, Some(&staff))
        .await
        .expect_error(404, "not_found", None);
    let r = app.get(&range, None).await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
}

async fn receptions_become_cases(b: Backend) {
    let app = spawn_app(b).await;
    let deputy = app.login_demo("deputy").await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let jinqing_staff = app.add_station_staff("jinqing").await;
    let phone = "13900001111";

    let visit = json!({
        "visitor_name": "李秀英",
        "visitor_phone": phone,
        "summary": "小区门口下雨就积水，希望疏通下水道。",
        "category": "urban_construction",
    });
    for (token, status) in [(&handler, 403), (&jinqing_staff, 403)] {
        app.post("/stations/lunan/receptions", Some(token), &visit)
            .await
            .expect_error(status, "forbidden", None);
    }
    let mut bad = visit.clone();
    bad["visitor_phone"] = json!("no phone");
    app.post("/stations/lunan/receptions", Some(&deputy), &bad)
        .await
        .expect_error(422, "invalid", Some("visitor_phone"));
    let r = app
        .post("/stations/lunan/receptions", Some(&deputy), &visit)
        .await
        .expect(201);
    assert_eq!(r.body["deputy"], "lunan-d01");
    assert_eq!(r.body["visitor_phone"], "139****1111");
    assert!(!r.text.contains(phone));
    let rid = r.body["id"].as_i64().unwrap();
    // A resident's form whose key looks like the reception's: it stays the resident's own case,
    // and it neither takes over the reception nor learns that case's receipt code.
    let mut guess = crate::support::case_body("jinqing");
    guess["client_key"] = json!(format!("reception-{rid}-guessed-key"));
    let guessed = app.submit(&guess).await.expect(201);
    let guessed_id = guessed.body["id"].as_i64().unwrap();

    // The log shows the visitor masked; other stations' staff do not see it.
    let r = app
        .get("/stations/lunan/receptions", Some(&staff))
        .await
        .expect(200);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["visitor_phone"], "139****1111");
    assert_eq!(list[0]["visitor_name"], "李**");
    assert!(list[0]["case_id"].is_null());
    assert!(!r.text.contains(phone) && !r.text.contains("李秀英"));
    app.get("/stations/lunan/receptions", Some(&jinqing_staff))
        .await
        .expect_error(403, "forbidden", None);

    // It becomes a case of channel "reception", carrying the visitor's contact apart.
    let path = format!("/stations/lunan/receptions/{rid}/case");
    app.post(&path, Some(&jinqing_staff), &json!({}))
        .await
        .expect_error(403, "forbidden", None);
    let before = app.case_count().await;
    let r = app.post(&path, Some(&deputy), &json!({})).await.expect(201);
    assert_eq!(r.body["status"], "submitted");
    let case_id = r.body["id"].as_i64().unwrap();
    let receipt = r.body["receipt_code"].as_str().unwrap().to_owned();
    assert_ne!(case_id, guessed_id, "the reception became its own case");
    assert_eq!(app.case_count().await, before + 1);
    for key in [format!("reception-{rid}"), format!("reception {rid}")] {
        guess["client_key"] = json!(key);
        let r = app.submit(&guess).await;
        assert_ne!(
            r.body["id"], case_id,
            "key {key:?} answered the reception's case"
        );
        assert_ne!(r.body["receipt_code"], receipt.as_str());
    }
    // The guesses above were cases of their own.
    let before = app.case_count().await;
    let d = app.detail(&staff, case_id).await;
    assert_eq!(d["channel"], "reception");
    assert_eq!(d["station"]["code"], "lunan");
    assert_eq!(d["deputy"]["code"], "lunan-d01");
    assert_eq!(d["category"]["code"], "urban_construction");
    assert_eq!(d["description"], "小区门口下雨就积水，希望疏通下水道。");
    assert_eq!(d["contact"]["phone"], "139****1111");
    assert_eq!(d["anonymous"], false);
    assert_eq!(d["events"][0]["action"], "submit");
    assert_eq!(d["events"][0]["actor_role"], "deputy");
    let c = app
        .post(
            &format!("/cases/{case_id}/contact"),
            Some(&staff),
            &json!({ "reason": "回访来访群众" }),
        )
        .await
        .expect(200);
    assert_eq!(c.body["phone"], phone);
    app.track(&receipt).await.expect(200);
    let r = app
        .get("/stations/lunan/receptions", Some(&deputy))
        .await
        .expect(200);
    assert_eq!(r.body[0]["case_id"], case_id);

    // Twice is refused, and makes no second case.
    app.post(&path, Some(&staff), &json!({}))
        .await
        .expect_error(409, "conflict", None);
    assert_eq!(app.case_count().await, before);
    app.post(
        "/stations/lunan/receptions/99999/case",
        Some(&staff),
        &json!({}),
    )
    .await
    .expect_error(404, "not_found", None);

    // A reception without a category needs one to become a case.
    let r = app
        .post(
            "/stations/lunan/receptions",
            Some(&staff),
            &json!({ "summary": "咨询社保转移接续手续。" }),
        )
        .await
        .expect(201);
    assert!(
        r.body["deputy"].is_null(),
        "recorded by staff, not a deputy"
    );
    let path = format!("/stations/lunan/receptions/{}/case", r.body["id"]);
    app.post(&path, Some(&staff), &json!({}))
        .await
        .expect_error(422, "invalid", Some("category"));
    assert_eq!(app.case_count().await, before);
    let r = app
        .post(
            &path,
            Some(&staff),
            &json!({ "category": "social_security" }),
        )
        .await
        .expect(201);
    let d = app.detail(&staff, r.body["id"].as_i64().unwrap()).await;
    assert_eq!(d["anonymous"], true, "no visitor contact was taken");
    assert!(d["contact"].is_null());
}

async fn calendar_is_data(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;

    let r = app.get("/calendar?year=2026", None).await.expect(200);
    let rows = r.body.as_array().unwrap().clone();
    assert!(
        rows.iter()
            .any(|d| d["day"] == "2026-10-01" && d["kind"] == "holiday"),
        "National Day is there"
    );
    assert!(
        rows.iter()
            .any(|d| d["day"] == "2026-02-28" && d["kind"] == "workday"),
        "the Spring Festival make-up Saturday is there"
    );
    assert!(
        rows.iter()
            .all(|d| d["day"].as_str().unwrap().starts_with("2026-"))
    );
    assert_eq!(
        app.get("/calendar?year=2031", None).await.expect(200).body,
        json!([])
    );

    let body = json!({ "kind": "holiday", "name": "测试" });
    app.put("/calendar/2026-12-31", Some(&staff), &body)
        .await
        .expect_error(403, "forbidden", None);
    app.put("/calendar/31-12-2026", Some(&ops), &body)
        .await
        .expect_error(422, "invalid", Some("day"));
    app.put(
        "/calendar/2026-12-31",
        Some(&ops),
        &json!({ "kind": "festival", "name": "测试" }),
    )
    .await
    .expect_error(400, "bad_request", Some("kind"));
    let r = app
        .put("/calendar/2026-12-31", Some(&ops), &body)
        .await
        .expect(200);
    assert_eq!(r.body["day"], "2026-12-31");
    let after = app.get("/calendar?year=2026", None).await.expect(200).body;
    assert_eq!(after.as_array().unwrap().len(), rows.len() + 1);
    assert!(after.as_array().unwrap().contains(&json!({
        "day": "2026-12-31", "kind": "holiday", "name": "测试"
    })));
    // Putting again replaces.
    app.put(
        "/calendar/2026-12-31",
        Some(&ops),
        &json!({ "kind": "workday", "name": "改为上班" }),
    )
    .await
    .expect(200);
    let after = app.get("/calendar?year=2026", None).await.expect(200).body;
    assert_eq!(after.as_array().unwrap().len(), rows.len() + 1);
    assert!(after.as_array().unwrap().contains(&json!({
        "day": "2026-12-31", "kind": "workday", "name": "改为上班"
    })));
    assert_eq!(
        app.delete("/calendar/2026-12-31", Some(&ops))
            .await
            .status
            .as_u16(),
        204
    );
    app.delete("/calendar/2026-12-31", Some(&ops))
        .await
        .expect_error(404, "not_found", None);

    // Deadlines follow the rows ops keep: make the next working day a holiday and the
    // sign-for deadline moves past it.
    let cal = app.calendar().await;
    let mut next = app.today() + Duration::days(1);
    while !cal.is_working_day(next) {
        next += Duration::days(1);
    }
    app.put(
        &format!("/calendar/{next}"),
        Some(&ops),
        &json!({ "kind": "holiday", "name": "临时放假" }),
    )
    .await
    .expect(200);
    let cal = app.calendar().await;
    let mut after_next = next + Duration::days(1);
    while !cal.is_working_day(after_next) {
        after_next += Duration::days(1);
    }
    let case = app.submit_default().await;
    app.act(Some(&staff), case.id, "register", json!({}))
        .await
        .expect(200);
    let d = app
        .act(
            Some(&staff),
            case.id,
            "assign",
            json!({ "lead": "housing" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(date(&d["deadlines"]["sign_for"]), after_next);
}
