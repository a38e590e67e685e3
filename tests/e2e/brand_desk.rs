//! 蓬街's brand end to end: the 代表百晓坐班 (hundred-knows-desk) plugin's real component,
//! installed by ops and enabled at 蓬街 with exactly what it asks for. Who sits is the station's
//! duty roster alone, so the station page's duty card and the brand say the same deputy for
//! today; residents see who sits today and ask through the form; deputies log receptions,
//! file one as a case (once) and search the village notes; tomorrow's gaps are shown to staff
//! and deputies; cases submitted through the ordinary intake reach the plugin through the
//! outbox and fill the desk's inbox of the day.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Backend, Brand, Resp, TestApp, blocks, case_body, form, spawn_plugin_app, stat, table_rows,
    wait_until,
};
use crate::web_client::Browser;

both_backends!(hundred_knows_desk);

const ID: &str = "hundred-knows-desk";
const STATION: &str = "pengjie";
const TAG: &str = "hundred-knows";
/// What the manifest asks for, in its order.
const CAPS: [&str; 3] = ["storage", "cases.create", "deputies.read"];
const BRAND: Brand = Brand {
    id: ID,
    station: STATION,
    caps: &CAPS,
};

fn field_names(form: &Value) -> Vec<String> {
    form["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// The texts of the warning notices.
fn warnings(view: &Resp) -> Vec<String> {
    blocks(view)
        .iter()
        .filter(|b| b["type"] == "notice" && b["kind"] == "warning")
        .map(|b| b["text"].as_str().expect("a text").to_owned())
        .collect()
}

/// The titles and details of every list item.
fn items(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "items")
        .flat_map(|b| b["items"].as_array().expect("items").iter())
        .map(|i| {
            (
                i["title"].as_str().unwrap_or_default().to_owned(),
                i["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The text of `html` from `from` to the next `to` after it.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// Waits (at most 20 s) until the desk's count of today's new cases, as staff see it, is `n`.
async fn wait_for_inbox(app: &TestApp, staff: &str, n: u32, what: &str) {
    wait_until(Duration::from_secs(20), what, || async {
        let desk = BRAND.view(app, Some(staff), "desk", false).await;
        if desk.status != 200 {
            return Err(format!("{}: {}", desk.status, desk.text));
        }
        match stat(&desk, "今日新收民意") {
            v if v == n.to_string() => Ok(()),
            v => Err(format!("inbox {v}")),
        }
    })
    .await
}

async fn hundred_knows_desk(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.add_station_staff(STATION).await;

    // Ops install the package and enable it at 蓬街 with exactly what it asks for.
    // Every day is an open day, so that tomorrow's gaps do not depend on the day of the run.
    let enabled = app
        .install_brand(&ops, &BRAND, json!({ "open_days": "1-7" }))
        .await;
    assert_eq!(
        enabled["settings"]["location"],
        "蓬街镇人大代表联络站一楼百晓坐班室"
    );

    // The station's deputies, as the public API lists them; one signs in as a deputy.
    let deputies = app.station_deputies(STATION).await;
    assert!(deputies.len() >= 2, "{deputies:?}");
    let (d1, name1) = deputies[0].clone();
    let (d2, name2) = deputies[1].clone();
    let deputy = app
        .add_user("pengjie-deputy", "deputy", None, None, Some(&d1))
        .await;

    // A resident's case through the ordinary intake reaches the plugin through the outbox.
    let submitted = app.submit_at(STATION).await.id;
    wait_for_inbox(&app, &staff, 1, "the submitted case in the desk's inbox").await;
    let inbox = BRAND
        .stored(&app, &format!("inbox:{}", app.today()))
        .await
        .expect("today's inbox");
    let ids: Vec<i64> = ["am", "pm"]
        .iter()
        .flat_map(|h| {
            inbox[h]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
        })
        .collect();
    assert_eq!(ids, [submitted]);

    // Residents: where, when, nobody yet today, the question form; the desk is not theirs.
    let home = BRAND.view(&app, None, "home", false).await.expect(200);
    assert_eq!(blocks(&home)[0]["text"], "代表百晓坐班");
    assert!(
        home.text.contains("蓬街镇人大代表联络站一楼百晓坐班室"),
        "{}",
        home.text
    );
    assert!(home.text.contains("今天没有安排代表坐班"), "{}", home.text);
    let ask = form(&home, "ask");
    assert_eq!(field_names(ask), ["village", "question", "name"]);
    assert_eq!(ask["fields"][0]["kind"], "select");
    assert_eq!(ask["fields"][0]["options"].as_array().unwrap().len(), 12);
    let html = BRAND.view(&app, None, "home", true).await.expect(200);
    assert!(
        html.text.contains(&format!(
            "action=\"/api/v1/stations/{STATION}/plugins/{ID}/actions/ask\""
        )),
        "{}",
        html.text
    );
    assert!(
        html.text.contains("<option value=\"蓬北村\">"),
        "{}",
        html.text
    );
    for view in ["desk", "roster", "notes"] {
        BRAND
            .view(&app, None, view, false)
            .await
            .expect_error(403, "forbidden", None);
    }

    // Nobody on the station's duty roster today: the station page and the brand agree.
    let station_page = Browser::new(&app)
        .get(&format!("/s/{STATION}"))
        .await
        .expect(200);
    station_page.assert_contains("今天没有安排代表值班");
    station_page.assert_contains("今天没有安排代表坐班");

    // Staff put deputies on the station's duty roster (the platform's, the one source):
    // the first this morning, the second tomorrow afternoon.
    let today = app.today();
    let tomorrow = today + chrono::Duration::days(1);
    for (day, half, code) in [(today, "am", &d1), (tomorrow, "pm", &d2)] {
        app.post(
            &format!("/stations/{STATION}/duty"),
            Some(&staff),
            &json!({ "deputy": code, "day": day, "half": half }),
        )
        .await
        .expect(201);
    }
    // The brand keeps no roster of its own any more: its former actions are gone.
    for action in ["set-pattern", "set-exception"] {
        BRAND
            .act(
                &app,
                Some(&staff),
                action,
                json!({ "weekday": "1", "half": "am" }),
            )
            .await
            .expect_error(404, "not_found", None);
    }

    // Tomorrow morning nobody is on duty: staff and deputies are warned of it, not of the
    // afternoon, which the roster covers.
    for token in [&staff, &deputy] {
        for view in ["desk", "roster"] {
            let v = BRAND.view(&app, Some(token), view, false).await.expect(200);
            let w = warnings(&v);
            assert_eq!(w.len(), 1, "{view}: {}", v.text);
            assert!(w[0].contains("上午（未排班）"), "{}", w[0]);
            assert!(w[0].contains("本站值班表"), "{}", w[0]);
            assert!(
                !w[0].contains("下午"),
                "tomorrow afternoon is covered: {}",
                w[0]
            );
        }
    }
    let roster = BRAND
        .view(&app, Some(&staff), "roster", false)
        .await
        .expect(200);
    let next = table_rows(&roster, "日期");
    assert_eq!(next.len(), 14, "fourteen days resolved: {next:?}");
    assert_eq!(next[0][1], name1, "{next:?}");
    assert_eq!(next[0][2], "⚠ 空缺", "{next:?}");
    assert_eq!(next[1][1], "⚠ 空缺", "{next:?}");
    assert_eq!(next[1][2], name2, "{next:?}");
    assert!(
        blocks(&roster).iter().all(|b| b["type"] != "form"),
        "the roster is kept on the platform, not in the brand: {}",
        roster.text
    );

    // Residents see the same deputy for today on the brand and on the station's duty card.
    let home = BRAND.view(&app, None, "home", false).await.expect(200);
    let sittings = items(&home.body["blocks"]);
    assert!(
        sittings.contains(&("上午".to_owned(), name1.clone())),
        "{sittings:?}"
    );
    assert!(
        !sittings.iter().any(|(_, who)| who.contains(&name2)),
        "the second sits tomorrow, not today: {sittings:?}"
    );
    assert!(warnings(&home).is_empty(), "no warnings for residents");
    let station_page = Browser::new(&app)
        .get(&format!("/s/{STATION}"))
        .await
        .expect(200);
    let duty_card = between(&station_page.text, "<ul class=\"duty\">", "</ul>");
    assert!(
        duty_card.contains(&format!("<a href=\"/d/{d1}\">{name1}</a>")),
        "{duty_card}"
    );
    assert!(!duty_card.contains(&name2), "{duty_card}");
    let brand_today = between(&station_page.text, "今天谁坐班", "近七天坐班安排");
    assert!(brand_today.contains(&name1), "{brand_today}");
    assert!(!brand_today.contains(&name2), "{brand_today}");

    // A resident asks: a case at the station, channel plugin, tagged.
    let r = BRAND
        .act(
            &app,
            None,
            "ask",
            json!({ "village": "蓬北村", "question": "村里老年食堂什么时候开始供应晚饭？", "name": "王阿姨" }),
        )
        .await
        .expect(200);
    let asked = r.body["case_id"].as_i64().expect("a case id");
    assert!(
        !r.body["message"].as_str().unwrap().contains("编号"),
        "{}",
        r.text
    );
    BRAND
        .act(
            &app,
            None,
            "ask",
            json!({ "village": "蓬北村", "question": "修路" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.question"));
    BRAND
        .act(
            &app,
            None,
            "ask",
            json!({ "village": "石曲村", "question": "村口的路灯坏了好几天" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.village"));

    // A deputy logs receptions at the desk.
    for (village, summary, answer, follow) in [
        (
            "金塘村",
            "问宅基地审批流程",
            "带户口本到村委会申请，镇里十个工作日内审核",
            "false",
        ),
        ("四塘村", "反映排涝站夜间噪音扰民", "", "true"),
    ] {
        BRAND
            .act(
                &app,
                Some(&deputy),
                "record-reception",
                json!({ "village": village, "summary": summary, "answer": answer, "follow_up": follow }),
            )
            .await
            .expect(200);
    }
    BRAND
        .act(
            &app,
            Some(&deputy),
            "record-reception",
            json!({ "village": "金塘村", "summary": "" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.summary"));
    let desk = BRAND
        .view(&app, Some(&deputy), "desk", false)
        .await
        .expect(200);
    let log = table_rows(&desk, "来访事项");
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0][0], "#2", "newest first");
    assert_eq!(log[0][5], "需跟进");
    assert_eq!(log[1][4], "带户口本到村委会申请，镇里十个工作日内审核");
    assert_eq!(stat(&desk, "本月接待"), "2");
    assert_eq!(stat(&desk, "待跟进"), "1");
    assert_eq!(stat(&desk, "今天上午"), name1);
    let online = table_rows(&desk, "案件");
    assert!(
        online.iter().any(|r| r[0] == format!("#{asked}")),
        "{online:?}"
    );

    // The reception that needs following up becomes a case, once.
    let r = BRAND
        .act(
            &app,
            Some(&deputy),
            "reception-to-case",
            json!({ "reception": "2" }),
        )
        .await
        .expect(200);
    let filed = r.body["case_id"].as_i64().expect("a case id");
    BRAND
        .act(
            &app,
            Some(&deputy),
            "reception-to-case",
            json!({ "reception": "2" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.reception"));
    BRAND
        .act(
            &app,
            Some(&staff),
            "reception-to-case",
            json!({ "reception": "99" }),
        )
        .await
        .expect_error(422, "invalid", Some("values.reception"));

    // Both cases are the station's, filed through the plugin with its tag, visible to staff.
    for id in [asked, filed] {
        let d = app.detail(&staff, id).await;
        assert_eq!(d["channel"], "plugin", "{d}");
        assert_eq!(d["station"]["code"], STATION);
        assert_eq!(d["category"]["code"], "other");
        assert_eq!(BRAND.tags(&app, id).await, [TAG]);
    }
    assert!(
        app.detail(&staff, asked).await["description"]
            .as_str()
            .unwrap()
            .starts_with("【百晓坐班·蓬北村】村里老年食堂")
    );
    assert!(
        app.detail(&staff, filed).await["description"]
            .as_str()
            .unwrap()
            .starts_with("【百晓坐班接待·四塘村】反映排涝站夜间噪音扰民")
    );
    let listed = app
        .list_ids(&staff, &format!("station={STATION}&channel=plugin"))
        .await;
    assert!(
        listed.contains(&asked) && listed.contains(&filed),
        "{listed:?}"
    );
    let desk = BRAND
        .view(&app, Some(&staff), "desk", false)
        .await
        .expect(200);
    assert_eq!(table_rows(&desk, "来访事项")[0][6], format!("#{filed}"));
    assert_eq!(stat(&desk, "待跟进"), "0");

    // Village notes: the answered reception, found by village and words.
    let r = BRAND
        .act(
            &app,
            Some(&deputy),
            "search-notes",
            json!({ "village": "金塘村", "words": "宅基地" }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["message"], "找到 1 条村情答复。", "{}", r.text);
    let found = items(&r.body["view"]);
    assert_eq!(found[0].0, "问宅基地审批流程");
    assert!(found[0].1.contains("带户口本"), "{found:?}");
    let r = BRAND
        .act(
            &app,
            Some(&staff),
            "search-notes",
            json!({ "words": "噪音" }),
        )
        .await
        .expect(200);
    assert_eq!(
        r.body["message"], "没有找到相符的村情答复。",
        "unanswered is no note"
    );
    BRAND
        .act(&app, None, "search-notes", json!({ "words": "宅基地" }))
        .await
        .expect_error(403, "forbidden", None);
    let notes = BRAND
        .view(&app, Some(&staff), "notes", false)
        .await
        .expect(200);
    let by_village = table_rows(&notes, "已答问题");
    let jintang = by_village
        .iter()
        .find(|r| r[0] == "金塘村")
        .expect("金塘村");
    assert_eq!(jintang[1], "1");
    assert!(notes.text.contains("各村最新"), "{}", notes.text);
    let notes = BRAND
        .view(&app, Some(&deputy), "notes", false)
        .await
        .expect(200);
    assert!(!notes.text.contains("各村最新"), "{}", notes.text);

    // The plugin's own cases came through the outbox as well: three new cases today.
    wait_for_inbox(&app, &staff, 3, "three cases in the inbox").await;
    // And another resident case, delivered the same way.
    let _ = app.submit(&case_body(STATION)).await.expect(201);
    wait_for_inbox(&app, &staff, 4, "four cases in the inbox").await;
}
