//! The duty roster on the staff desk, on both backends: the station's staff put one of its
//! deputies on duty today from a page, and the resident's station page and the API show that
//! deputy at once; a second shift for the same half-day, a day that is not a date and a deputy
//! of another station come back beside their fields; the shift is cancelled from its row. Staff
//! cannot open or post to another station's roster, nor can a deputy; ops can.

use serde_json::Value;

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_client::{Browser, demo, post_form as post};

both_backends!(staff_manage_today_s_duty_from_the_desk);

async fn today_at(app: &TestApp, station: &str) -> Vec<Value> {
    let today = app.today().to_string();
    app.get(
        &format!("/stations/{station}/duty?from={today}&to={today}"),
        None,
    )
    .await
    .expect(200)
    .body
    .as_array()
    .cloned()
    .unwrap_or_default()
}

async fn staff_manage_today_s_duty_from_the_desk(b: Backend) {
    let app = spawn_app(b).await;
    let today = app.today().to_string();
    let anon = Browser::new(&app);
    anon.get("/s/lunan")
        .await
        .expect(200)
        .assert_lacks("<ul class=\"duty\">");

    let web = demo(&app, "staff").await;
    web.get("/desk/lunan")
        .await
        .expect(200)
        .assert_contains("href=\"/desk/lunan/duty\"");
    let p = web.get("/desk/lunan/duty").await.expect(200);
    p.assert_contains("id=\"duty-add\"");
    p.assert_contains("value=\"lunan-d01\"");
    // Only the station's own deputies are offered.
    p.assert_lacks("value=\"pengjie-d01\"");

    let p = post(
        &web,
        "/desk/lunan/duty",
        &[
            ("day", &today),
            ("half", "pm"),
            ("deputy", "lunan-d01"),
            ("note", "接待日"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/desk/lunan/duty");
    let shifts = today_at(&app, "lunan").await;
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!(shifts[0]["deputy"]["code"], "lunan-d01");
    assert_eq!(shifts[0]["half"], "pm");
    let id = shifts[0]["id"].as_i64().unwrap();
    // One source of truth: the resident's page shows who sits today.
    let page = anon.get("/s/lunan").await.expect(200);
    page.assert_contains("<ul class=\"duty\">");
    page.assert_contains("接待日");
    let roster = web.get("/desk/lunan/duty").await.expect(200);
    roster.assert_contains(&format!("id=\"shift-{id}\""));

    // Refusals beside their fields, nothing written.
    let p = post(
        &web,
        "/desk/lunan/duty",
        &[("day", &today), ("half", "pm"), ("deputy", "lunan-d01")],
    )
    .await
    .expect(409);
    let err = p.text_of("duty-add-deputy-err").expect("beside the deputy");
    assert!(err.contains("已经有值班"), "{err}");
    let p = post(
        &web,
        "/desk/lunan/duty",
        &[
            ("day", "2026-13-40"),
            ("half", "am"),
            ("deputy", "lunan-d01"),
        ],
    )
    .await
    .expect(422);
    assert!(p.text_of("duty-add-day-err").is_some(), "{}", p.text);
    let p = post(
        &web,
        "/desk/lunan/duty",
        &[("day", &today), ("half", "am"), ("deputy", "pengjie-d01")],
    )
    .await
    .expect(422);
    assert!(p.text_of("duty-add-deputy-err").is_some(), "{}", p.text);
    let p = post(
        &web,
        "/desk/lunan/duty",
        &[
            ("day", &today),
            ("half", "evening"),
            ("deputy", "lunan-d01"),
        ],
    )
    .await
    .expect(422);
    assert!(p.text_of("duty-add-half-err").is_some(), "{}", p.text);
    assert_eq!(today_at(&app, "lunan").await.len(), 1);

    // Another station's roster is not this staff's: neither to read nor to change.
    assert_eq!(web.get("/desk/pengjie/duty").await.status.as_u16(), 403);
    let p = post(
        &web,
        "/desk/pengjie/duty",
        &[("day", &today), ("half", "am"), ("deputy", "pengjie-d01")],
    )
    .await;
    assert_eq!(p.status.as_u16(), 403);
    assert!(today_at(&app, "pengjie").await.is_empty());
    // A deputy sits shifts but does not arrange them; a visitor is asked to sign in.
    let deputy = demo(&app, "deputy").await;
    assert_eq!(deputy.get("/desk/lunan/duty").await.status.as_u16(), 403);
    let p = post(&deputy, &format!("/desk/lunan/duty/{id}/remove"), &[]).await;
    assert_eq!(p.status.as_u16(), 403);
    let p = anon.get("/desk/lunan/duty").await.expect(303);
    assert!(p.location().starts_with("/login"), "{}", p.location());

    // Cancelled from its row: gone from the roster and from the resident's page.
    let p = post(&web, &format!("/desk/lunan/duty/{id}/remove"), &[])
        .await
        .expect(303);
    assert_eq!(p.location(), "/desk/lunan/duty");
    assert!(today_at(&app, "lunan").await.is_empty());
    anon.get("/s/lunan")
        .await
        .expect(200)
        .assert_lacks("<ul class=\"duty\">");

    // Ops arrange any station's duty.
    let ops = demo(&app, "ops").await;
    post(
        &ops,
        "/desk/pengjie/duty",
        &[("day", &today), ("half", "am"), ("deputy", "pengjie-d01")],
    )
    .await
    .expect(303);
    assert_eq!(today_at(&app, "pengjie").await.len(), 1);
}
