//! 路南's brand end to end: the 智慧汽车服务团 (auto-service-team) plugin's real component,
//! installed by ops and enabled at 路南 with exactly what it asks for. Residents see the team
//! and ask through its form; staff keep the team, log enterprise visits and read the desk; a
//! car case submitted through the ordinary intake reaches the plugin through the outbox and is
//! tagged and given a member by the same fair rotation, while the team's own cases are not
//! counted twice.

use std::time::Duration;

use serde_json::json;

use crate::support::{
    Backend, Brand, TestApp, blocks, form, spawn_plugin_app, stat, table_rows, wait_until,
};

both_backends!(auto_service_team);

const ID: &str = "auto-service-team";
const STATION: &str = "lunan";
const TAG: &str = "auto-team";
/// What the manifest asks for, in its order.
const CAPS: [&str; 6] = [
    "storage",
    "cases.read",
    "cases.create",
    "cases.tag",
    "cases.suggest",
    "deputies.read",
];
const BRAND: Brand = Brand {
    id: ID,
    station: STATION,
    caps: &CAPS,
};

/// The deputies the plugin suggested on a case, from its internal history as staff read it
/// through GET /cases/{id}.
async fn suggested(app: &TestApp, staff: &str, case_id: i64) -> Vec<String> {
    app.detail(staff, case_id).await["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "suggest" && e["actor_name"] == ID && e["public"] == false)
        .map(|e| e["data"]["deputy"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Whether every outbox delivery of the case to this plugin is done.
async fn delivered(app: &TestApp, case_id: i64) -> Result<(), String> {
    use liaison_domain::plugins::outbox;
    let rows = outbox::events_of_case(&app.db, case_id).await.unwrap();
    let mut states = Vec::new();
    for row in rows {
        for d in outbox::deliveries_of(&app.db, row.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.plugin_id == ID)
        {
            states.push((row.action.clone(), d.status, d.last_error));
        }
    }
    if !states.is_empty() && states.iter().all(|s| s.1 == "done") {
        Ok(())
    } else {
        Err(format!("deliveries of case {case_id}: {states:?}"))
    }
}

async fn auto_service_team(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;

    // Ops install the package and enable it at 路南 with exactly what it asks for.
    let enabled = app.install_brand(&ops, &BRAND, json!({})).await;
    assert_eq!(
        enabled["settings"]["fields"],
        "二手车交易,汽车维修,车辆年检,新能源汽车,企业经营"
    );
    assert_eq!(enabled["settings"]["consult_category"], "economy");

    // The station's deputies, as the public API lists them.
    let deputies = app.station_deputies(STATION).await;
    assert!(deputies.len() >= 2, "{deputies:?}");
    let (d1, name1) = deputies[0].clone();
    let (d2, name2) = deputies[1].clone();

    // Residents: the team (empty yet) and the consultation form; the desk is for staff.
    let home = BRAND.view(&app, None, "home", false).await.expect(200);
    assert_eq!(blocks(&home)[0]["text"], "智慧汽车服务团");
    let consult = form(&home, "consult");
    let names: Vec<&str> = consult["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["field", "question", "enterprise"]);
    assert_eq!(consult["fields"][0]["kind"], "select");
    assert_eq!(consult["fields"][0]["options"].as_array().unwrap().len(), 5);
    let html = BRAND.view(&app, None, "home", true).await.expect(200);
    assert!(html.text.contains("汽车维修"), "{}", html.text);
    assert!(
        html.text.contains(&format!(
            "action=\"/api/v1/stations/{STATION}/plugins/{ID}/actions/consult\""
        )),
        "{}",
        html.text
    );
    BRAND
        .view(&app, None, "desk", false)
        .await
        .expect_error(403, "forbidden", None);

    // Staff keep the team.
    for (code, fields) in [(&d1, "汽车维修，车辆年检"), (&d2, "汽车维修、新能源汽车")]
    {
        BRAND
            .act(
                &app,
                Some(&staff),
                "set-member",
                json!({ "deputy": code, "fields": fields, "active": "true" }),
            )
            .await
            .expect(200);
    }
    BRAND
        .act(
            &app,
            Some(&staff),
            "set-member",
            json!({ "deputy": "jinqing-d01", "fields": "汽车维修", "active": "true" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.deputy"));
    BRAND
        .act(
            &app,
            None,
            "set-member",
            json!({ "deputy": d1, "fields": "汽车维修" }),
        )
        .await
        .expect_error(403, "forbidden", None);
    let home = BRAND.view(&app, None, "home", false).await.expect(200);
    let members: Vec<String> = blocks(&home)
        .iter()
        .filter(|b| b["type"] == "items")
        .flat_map(|b| b["items"].as_array().unwrap().iter())
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(members, [name1.clone(), name2.clone()]);

    // Residents ask: a case at the station, tagged, a member suggested in turn.
    let mut consulted = Vec::new();
    for (question, expected) in [
        ("发动机异响，4S店说要大修，费用合理吗？", &name1),
        ("车子保养多久一次比较合适？", &name2),
    ] {
        let r = BRAND
            .act(
                &app,
                None,
                "consult",
                json!({ "field": "2", "question": question, "enterprise": "" }),
            )
            .await
            .expect(200);
        let id = r.body["case_id"].as_i64().expect("a case id");
        let message = r.body["message"].as_str().unwrap();
        // The resident follows it by the receipt code, not by an internal number.
        assert!(!message.contains("编号"), "{message}");
        assert!(message.contains(expected.as_str()), "{message}");
        consulted.push(id);
    }
    for &id in &consulted {
        let d = app.detail(&staff, id).await;
        assert_eq!(d["channel"], "plugin");
        assert_eq!(d["station"]["code"], STATION);
        assert_eq!(d["category"]["code"], "economy", "{d}");
        assert!(
            d["description"]
                .as_str()
                .unwrap()
                .starts_with("【咨询领域】汽车维修")
        );
        assert_eq!(BRAND.tags(&app, id).await, [TAG]);
    }
    let listed = app.list_ids(&staff, "station=lunan&channel=plugin").await;
    assert!(consulted.iter().all(|id| listed.contains(id)), "{listed:?}");
    assert_eq!(
        suggested(&app, &staff, consulted[0]).await,
        vec![d1.clone()]
    );
    assert_eq!(
        suggested(&app, &staff, consulted[1]).await,
        vec![d2.clone()]
    );

    // Refusals name the field.
    BRAND
        .act(
            &app,
            None,
            "consult",
            json!({ "field": "2", "question": "修车" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.question"));
    BRAND
        .act(
            &app,
            None,
            "consult",
            json!({ "field": "7", "question": "车子保养多久一次比较合适？" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.field"));

    // Staff log an enterprise visit.
    let today = app.today().to_string();
    BRAND
        .act(
            &app,
            Some(&staff),
            "log-visit",
            json!({ "enterprise": "路南汽修厂", "date": today, "member": d1, "outcome": "宣讲维修行业新规" }),
        )
        .await
        .expect(200);
    BRAND
        .act(
            &app,
            Some(&staff),
            "log-visit",
            json!({ "enterprise": "路南汽修厂", "date": "2999-01-01", "member": d1, "outcome": "未来" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.date"));

    // The desk for staff.
    let desk = BRAND
        .view(&app, Some(&staff), "desk", false)
        .await
        .expect(200);
    assert_eq!(stat(&desk, "咨询"), "2");
    assert_eq!(stat(&desk, "走访企业"), "1");
    assert_eq!(stat(&desk, "解决率"), "0%");
    let by_member = table_rows(&desk, "累计建议");
    assert_eq!(by_member.len(), 2, "{by_member:?}");
    assert_eq!(by_member[0][1], d1);
    assert_eq!(by_member[0][4], "1");
    assert_eq!(by_member[1][4], "1");
    let visits = table_rows(&desk, "企业");
    assert_eq!(visits[0][1], "路南汽修厂");
    assert_eq!(visits[0][2], name1);

    // A car case through the ordinary intake: the outbox brings it, the plugin takes it on.
    let mut body = crate::support::case_body(STATION);
    body["category"] = json!("economy");
    body["title"] = json!("二手车过户");
    body["description"] = json!("在二手车市场买的车，过户手续拖了一个月还没办好，希望帮忙协调。");
    let car = app.submit(&body).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    let plain = app
        .submit(&crate::support::case_body(STATION))
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();
    wait_until(
        Duration::from_secs(20),
        "the car case to be taken on",
        || async {
            let t = BRAND.tags(&app, car).await;
            if t == [TAG] {
                Ok(())
            } else {
                Err(format!("tags {t:?}"))
            }
        },
    )
    .await;
    for id in [car, plain, consulted[0], consulted[1]] {
        wait_until(Duration::from_secs(20), "deliveries done", || {
            delivered(&app, id)
        })
        .await;
    }
    // Nobody lists 二手车交易, so every active member is in the rotation: d1 waited longest.
    assert_eq!(suggested(&app, &staff, car).await, vec![d1.clone()]);
    assert!(
        BRAND.tags(&app, plain).await.is_empty(),
        "a street light is not for the team"
    );
    assert!(suggested(&app, &staff, plain).await.is_empty());
    // The team's own consultations came back as submit events too, and were not counted again.
    assert_eq!(suggested(&app, &staff, consulted[0]).await.len(), 1);
    let rotation = BRAND.stored(&app, "rotation").await.expect("rotation");
    assert_eq!(rotation["seq"], 3, "{rotation}");
    assert_eq!(rotation["turns"][&d1]["n"], 2, "{rotation}");
    assert_eq!(rotation["turns"][&d2]["n"], 1, "{rotation}");
    let desk = BRAND
        .view(&app, Some(&staff), "desk", false)
        .await
        .expect(200);
    assert_eq!(stat(&desk, "咨询"), "3");
    let by_member = table_rows(&desk, "累计建议");
    assert_eq!(
        (by_member[0][4].as_str(), by_member[0][5].as_str()),
        ("2", "2")
    );

    // Solved cases count in the month's share: the station answers one itself (内循环).
    app.act(Some(&staff), consulted[0], "register", json!({}))
        .await
        .expect(200);
    let d = app
        .act(
            Some(&staff),
            consulted[0],
            "resolve",
            json!({ "answer": "代表已电话解答，费用属正常范围。" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "replied", "{d}");
    let desk = BRAND
        .view(&app, Some(&staff), "desk", false)
        .await
        .expect(200);
    assert_eq!(stat(&desk, "解决率"), "33%", "one of three");
    let by_member = table_rows(&desk, "累计建议");
    assert_eq!(
        (by_member[0][5].as_str(), by_member[0][6].as_str()),
        ("1", "1")
    );

    // A station names its own fields: the form offers them by position, within the choices the
    // manifest declares, and the host takes the view and the answer as they are.
    app.plugin_enable(
        Some(&ops),
        STATION,
        ID,
        &CAPS,
        json!({ "fields": "汽车维修,摩托车维修" }),
    )
    .await
    .expect(200);
    let home = BRAND.view(&app, None, "home", false).await.expect(200);
    assert_eq!(
        form(&home, "consult")["fields"][0]["options"],
        json!([["1", "汽车维修"], ["2", "摩托车维修"]])
    );
    let html = BRAND.view(&app, None, "home", true).await.expect(200);
    assert!(html.text.contains("摩托车维修"), "{}", html.text);
    let r = BRAND
        .act(
            &app,
            None,
            "consult",
            json!({ "field": "2", "question": "电动摩托车电池在哪里能修？" }),
        )
        .await
        .expect(200);
    let id = r.body["case_id"].as_i64().unwrap();
    let d = app.detail(&staff, id).await;
    assert!(
        d["description"]
            .as_str()
            .unwrap()
            .starts_with("【咨询领域】摩托车维修"),
        "{d}"
    );
    // Nobody lists it: the whole team rotates, and d2 has waited longest.
    assert_eq!(suggested(&app, &staff, id).await, vec![d2.clone()]);
    BRAND
        .act(
            &app,
            None,
            "consult",
            json!({ "field": "3", "question": "电动摩托车电池在哪里能修？" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.field"));

    // English readers get English.
    let en = app
        .get(
            &format!("/stations/{STATION}/plugins/{ID}/views/home?locale=en"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(blocks(&en)[0]["text"], "Smart auto service team");
}
