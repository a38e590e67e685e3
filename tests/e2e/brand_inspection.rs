//! 金清's brand end to end: the 群防共治督查小组 (joint-inspection) plugin's real component,
//! installed by ops and enabled at 金清 with exactly what it asks for. Staff of 金清 plan a round
//! with the station's deputies, record findings (one with a deadline becomes a case of the
//! station, tagged, with the town's office suggested), publish the round for residents and
//! re-inspect: fixed, or escalated on the case. Through the outbox, a resident's opinion naming
//! a village becomes a lead for the next round, and the handling office's reply puts a finding
//! up for re-inspection.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Backend, Brand, Resp, TestApp, blocks, spawn_plugin_app, stat, table_rows, wait_until,
};

both_backends!(joint_inspection);

const ID: &str = "joint-inspection";
const STATION: &str = "jinqing";
const TAG: &str = "joint-inspection";
const OFFICE: &str = "office-jinqing";
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

fn has_text(view: &Resp, text: &str) -> bool {
    blocks(view)
        .iter()
        .any(|b| b["text"].as_str().is_some_and(|t| t.contains(text)))
}

fn form_actions(view: &Resp) -> Vec<String> {
    blocks(view)
        .iter()
        .filter(|b| b["type"] == "form")
        .map(|b| b["form"]["action"].as_str().unwrap().to_owned())
        .collect()
}

/// The history entries of a case the plugin wrote, from its detail: (action, note, data).
fn plugin_entries(detail: &Value) -> Vec<(String, String, Value)> {
    detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["actor_role"] == "plugin")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["note"].as_str().unwrap_or_default().to_owned(),
                e["data"].clone(),
            )
        })
        .collect()
}

async fn act(app: &TestApp, staff: &str, action: &str, values: Value) -> Resp {
    BRAND.act(app, Some(staff), action, values).await
}

async fn view(app: &TestApp, token: Option<&str>, name: &str) -> Resp {
    BRAND.view(app, token, name, false).await.expect(200)
}

/// A finding's stored status, read from the plugin's storage.
async fn finding_status(app: &TestApp, n: u32) -> String {
    stored_status(app, n)
        .await
        .unwrap_or_else(|| panic!("no finding {n}"))
}

/// A finding's stored status, or none while the plugin has not stored it (yet): events reach
/// the plugin after commit, so a test waiting for one must not take "not yet" for "never".
async fn stored_status(app: &TestApp, n: u32) -> Option<String> {
    BRAND
        .stored(app, &format!("finding:{n:06}"))
        .await
        .and_then(|f| f["status"].as_str().map(str::to_owned))
}

async fn joint_inspection(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.add_station_staff(STATION).await;
    let lunan_staff = app.login_demo("staff").await;
    let office = app
        .add_user("jq-office", "handler", None, Some(OFFICE), None)
        .await;
    let today = app.today().to_string();

    // Ops install the package and enable it at 金清 with exactly what it asks for.
    let enabled = app
        .install_brand(&ops, &BRAND, json!({ "villages": "新塘村,黄琅村,下梁村" }))
        .await;
    assert_eq!(enabled["settings"]["organisation"], OFFICE);
    assert_eq!(
        enabled["settings"]["checklist"],
        "环境卫生,污水治理,乱堆乱放,占道经营,车辆乱停"
    );

    // Residents: nothing published yet; the staff views are not for them, nor for 路南's staff.
    let results = view(&app, None, "results").await;
    assert_eq!(blocks(&results)[0]["text"], "督查公示");
    assert!(
        has_text(&results, "暂无已发布的督查结果"),
        "{}",
        results.text
    );
    let html = BRAND.view(&app, None, "results", true).await.expect(200);
    assert!(html.text.contains("督查公示"), "{}", html.text);
    for name in ["rounds", "findings", "ranking"] {
        BRAND
            .view(&app, None, name, false)
            .await
            .expect_error(403, "forbidden", None);
        BRAND
            .view(&app, Some(&lunan_staff), name, false)
            .await
            .expect_error(403, "forbidden", None);
    }

    // Staff of 金清: the desk views and their forms; the station's deputies offered by code.
    let rounds = view(&app, Some(&staff), "rounds").await;
    assert_eq!(form_actions(&rounds), ["plan-round", "publish-round"]);
    assert!(rounds.text.contains("jinqing-d01"), "{}", rounds.text);
    let findings = view(&app, Some(&staff), "findings").await;
    assert_eq!(form_actions(&findings), ["record-finding", "reinspect"]);
    let ranking = view(&app, Some(&staff), "ranking").await;
    assert!(has_text(&ranking, "还没有督查记录"), "{}", ranking.text);

    // Plan a round: the group must be deputies of 金清, the villages from the settings.
    act(
        &app,
        &staff,
        "plan-round",
        json!({ "date": today, "villages": "新塘村", "members": "lunan-d01" }),
    )
    .await
    .expect_error(422, "invalid", Some("values.members"));
    act(
        &app,
        &staff,
        "plan-round",
        json!({ "date": today, "villages": "金清村", "members": "jinqing-d01" }),
    )
    .await
    .expect_error(422, "invalid", Some("values.villages"));
    act(
        &app,
        &lunan_staff,
        "plan-round",
        json!({ "date": today, "villages": "新塘村", "members": "jinqing-d01" }),
    )
    .await
    .expect_error(403, "forbidden", None);
    let r = act(
        &app,
        &staff,
        "plan-round",
        json!({
            "date": today,
            "villages": "新塘村、黄琅村、下梁村",
            "members": "jinqing-d03, jinqing-d01",
            "title": "冬季环境整治督查",
        }),
    )
    .await
    .expect(200);
    assert_eq!(
        r.body["message"],
        format!("已安排第 R1 轮督查：{today}，新塘村、黄琅村、下梁村。")
    );

    // Record findings: with a deadline, a case of 金清 tagged and suggested to the town office.
    let r = act(
        &app,
        &staff,
        "record-finding",
        json!({
            "round": "R1", "village": "新塘村", "item": "污水治理", "severity": "high",
            "description": "新塘河段有生活污水直排，水面发黑发臭", "photo": "IMG-1128-03",
            "deadline": today,
        }),
    )
    .await
    .expect(200);
    let sewage = r.body["case_id"].as_i64().expect("a case");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("已立案（编号 {sewage}）并建议交 {OFFICE} 整改")),
        "{}",
        r.text
    );
    let r = act(
        &app,
        &staff,
        "record-finding",
        json!({
            "round": "R1", "village": "黄琅村", "item": "乱堆乱放", "severity": "low",
            "description": "村委会后面空地堆放废旧家具",
        }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["case_id"], Value::Null, "no deadline, no case");
    let r = act(
        &app,
        &staff,
        "record-finding",
        json!({
            "round": "R1", "village": "黄琅村", "item": "车辆乱停", "severity": "medium",
            "description": "小学门口接送车辆占用人行道", "deadline": today,
        }),
    )
    .await
    .expect(200);
    let parking = r.body["case_id"].as_i64().expect("a case");
    act(
        &app,
        &staff,
        "record-finding",
        json!({
            "round": "R1", "village": "蔡家洋村", "item": "污水治理", "severity": "low",
            "description": "不在本轮督查范围的村",
        }),
    )
    .await
    .expect_error(422, "invalid", Some("values.village"));
    act(
        &app,
        &staff,
        "record-finding",
        json!({
            "round": "R1", "village": "新塘村", "item": "污水治理", "severity": "urgent",
            "description": "严重程度不在选项里",
        }),
    )
    .await
    .expect_error(422, "invalid", Some("values.severity"));

    for id in [sewage, parking] {
        let d = app.detail(&staff, id).await;
        assert_eq!(d["channel"], "plugin");
        assert_eq!(d["station"]["code"], STATION);
        assert_eq!(d["category"]["code"], "ecology");
        assert_eq!(BRAND.tags(&app, id).await, [TAG]);
        let entries = plugin_entries(&d);
        assert!(
            entries
                .iter()
                .any(|(a, _, data)| a == "suggest" && data["organisation"] == OFFICE),
            "{entries:?}"
        );
        assert!(
            entries
                .iter()
                .any(|(a, _, data)| a == "suggest" && data["deputy"] == "jinqing-d03"),
            "the group's leader is suggested to follow it: {entries:?}"
        );
    }
    let d = app.detail(&staff, sewage).await;
    assert_eq!(d["title"], "督查整改：新塘村污水治理");
    let description = d["description"].as_str().unwrap();
    for part in [
        "新塘村",
        "「污水治理」",
        "严重",
        &format!("整改期限：{today}"),
    ] {
        assert!(description.contains(part), "{part} in {description}");
    }
    let listed = app.list_ids(&staff, "station=jinqing&channel=plugin").await;
    assert!(
        listed.contains(&sewage) && listed.contains(&parking),
        "{listed:?}"
    );

    let findings = view(&app, Some(&staff), "findings").await;
    assert_eq!(stat(&findings, "待整改"), "3");
    let open = table_rows(&findings, "概要");
    assert_eq!(open.len(), 3);
    assert_eq!(open[2][0], "F1");
    assert_eq!(open[2][6], "IMG-1128-03", "staff see the photo reference");
    assert_eq!(open[2][8], sewage.to_string());

    // Publish: residents see the round, per village, without internals.
    act(&app, &staff, "publish-round", json!({ "round": "R2" }))
        .await
        .expect_error(422, "invalid", Some("values.round"));
    let r = act(&app, &staff, "publish-round", json!({ "round": "R1" }))
        .await
        .expect(200);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("R1 督查结果已发布"),
        "{}",
        r.text
    );
    act(&app, &staff, "publish-round", json!({ "round": "R1" }))
        .await
        .expect_error(422, "invalid", Some("values.round"));
    act(
        &app,
        &staff,
        "record-finding",
        json!({
            "round": "R1", "village": "新塘村", "item": "环境卫生", "severity": "low",
            "description": "发布之后不能再登记问题",
        }),
    )
    .await
    .expect_error(422, "invalid", Some("values.round"));
    let results = view(&app, None, "results").await;
    assert_eq!(stat(&results, "发现问题"), "3");
    assert_eq!(stat(&results, "整改率"), "0%");
    assert_eq!(
        table_rows(&results, "整改情况"),
        [
            ["新塘村", "污水治理", "整改中"],
            ["黄琅村", "乱堆乱放", "整改中"],
            ["黄琅村", "车辆乱停", "整改中"],
            ["下梁村", "—", "未发现问题"],
        ]
    );
    for secret in ["IMG-1128", "生活污水直排", "jinqing-d0", "何志强", "郭春梅"] {
        assert!(
            !results.text.contains(secret),
            "{secret} shown to residents"
        );
    }

    // A resident's opinion naming a village reaches the plugin through the outbox: a lead.
    let mut body = crate::support::case_body(STATION);
    body["category"] = json!("ecology");
    body["title"] = json!("河道垃圾");
    body["description"] = json!("金清镇下梁村村口的河道里漂着很多垃圾，气味很大，希望督查一下。");
    let tip = app.submit(&body).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    let plain = app.submit_at(STATION).await.id;
    wait_until(
        Duration::from_secs(20),
        "the opinion naming 下梁村 to be counted as a lead",
        || async {
            let leads = BRAND.stored(&app, "leads").await;
            match &leads {
                Some(l) if l["villages"]["下梁村"]["count"] == 1 => Ok(()),
                _ => Err(format!("leads {leads:?}")),
            }
        },
    )
    .await;
    let ranking = view(&app, Some(&staff), "ranking").await;
    let leads = table_rows(&ranking, "反映件数");
    assert_eq!(
        leads.len(),
        1,
        "the street-light case names no village: {leads:?}"
    );
    assert_eq!(leads[0][..2], ["下梁村".to_string(), "1".into()]);
    assert_eq!(leads[0][3], tip.to_string());
    assert!(BRAND.tags(&app, tip).await.is_empty() && BRAND.tags(&app, plain).await.is_empty());

    // The office answers the sewage case: the finding awaits re-inspection.
    app.act(Some(&staff), sewage, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), sewage, "assign", json!({ "lead": OFFICE }))
        .await
        .expect(200);
    app.act(Some(&office), sewage, "acknowledge", json!({}))
        .await
        .expect(200);
    let d = app
        .act(
            Some(&office),
            sewage,
            "reply",
            json!({ "answer": "已安排截污纳管施工，预计两周内完成。" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "replied");
    wait_until(
        Duration::from_secs(20),
        "the reply to put F1 up for re-inspection",
        || async {
            match stored_status(&app, 1).await.as_deref() {
                Some("replied") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    // The desk's count is read through the plugin's own view, which may trail the stored
    // status under load (its event handler writes more than one key): wait for it too.
    wait_until(
        Duration::from_secs(20),
        "the findings view to count F1 for re-inspection",
        || async {
            let findings = view(&app, Some(&staff), "findings").await;
            match stat(&findings, "待复查") {
                s if s == "1" => Ok(()),
                s => Err(s),
            }
        },
    )
    .await;

    // Re-inspection: the sewage is still there, so its case is escalated.
    let r = act(
        &app,
        &staff,
        "reinspect",
        json!({ "finding": "F1", "fixed": "false", "note": "河段仍有污水直排" }),
    )
    .await
    .expect(200);
    assert_eq!(
        r.body["message"],
        format!("F1 复查未整改，案件 {sewage} 已升级督办。")
    );
    assert_eq!(BRAND.tags(&app, sewage).await, ["escalated", TAG]);
    let d = app.detail(&staff, sewage).await;
    assert!(
        plugin_entries(&d)
            .iter()
            .any(|(_, note, _)| note.contains("升级督办") && note.contains("河段仍有污水直排")),
        "{:?}",
        plugin_entries(&d)
    );
    assert_eq!(finding_status(&app, 1).await, "escalated");

    // The parking is put right; the heap of furniture had no case, so escalating files one.
    act(
        &app,
        &staff,
        "reinspect",
        json!({ "finding": "F3", "fixed": "true" }),
    )
    .await
    .expect(200);
    act(
        &app,
        &staff,
        "reinspect",
        json!({ "finding": "F3", "fixed": "true" }),
    )
    .await
    .expect_error(422, "invalid", Some("values.finding"));
    act(&app, &staff, "reinspect", json!({ "finding": "F9" }))
        .await
        .expect_error(422, "invalid", Some("values.finding"));
    let r = act(&app, &staff, "reinspect", json!({ "finding": "F2" }))
        .await
        .expect(200);
    let heap = r.body["case_id"].as_i64().expect("a case filed now");
    assert_eq!(BRAND.tags(&app, heap).await, ["escalated", TAG]);
    let d = app.detail(&staff, heap).await;
    assert_eq!(d["channel"], "plugin");
    assert_eq!(d["station"]["code"], STATION);

    // Residents see the fix and the ranking; staff see overdue counts too.
    let results = view(&app, None, "results").await;
    assert_eq!(stat(&results, "已整改"), "1");
    assert_eq!(stat(&results, "整改率"), "33%");
    assert_eq!(
        table_rows(&results, "整改情况")[2],
        ["黄琅村", "车辆乱停", "已整改"]
    );
    let ranking = table_rows(&results, "整改率");
    assert_eq!(
        ranking,
        [
            ["1", "下梁村", "1", "0", "0", "—"],
            ["2", "黄琅村", "1", "2", "1", "50%"],
            ["3", "新塘村", "1", "1", "0", "0%"],
        ]
    );
    let staff_ranking = view(&app, Some(&staff), "ranking").await;
    assert_eq!(table_rows(&staff_ranking, "已超期").len(), 3);
    let en = app
        .get(
            &format!("/stations/{STATION}/plugins/{ID}/views/results?locale=en"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(blocks(&en)[0]["text"], "Inspection results");
}
