//! The brand services on the signed-in desks, through the pages with their CSRF tokens, on both
//! backends, with 蓬街's real 代表百晓坐班 component: the station inbox draws the staff views'
//! forms to `/desk/{code}/brand/…`, where staff log a reception (an action for deputies and
//! staff that the resident route refuses) and the plugin stores it; a refused form comes back
//! beside its field with what was typed; the deputy's desk shows the deputy views and logs a
//! reception, coming back to `/deputy`; another station's staff, a handler and a viewer are
//! refused; a visitor who is not signed in is sent to sign in.

use serde_json::json;

use crate::support::{Backend, Brand, TEST_PASSWORD, TestApp, spawn_plugin_app, table_rows};
use crate::web_client::{Browser, demo, post_form as post, signed_in};

both_backends!(
    staff_act_on_the_brand_from_the_desk,
    a_deputy_uses_the_brand_on_the_deputy_desk,
    only_the_stations_own_people_act_from_the_desk,
);

const ID: &str = "hundred-knows-desk";
const STATION: &str = "pengjie";
const BRAND: Brand = Brand {
    id: ID,
    station: STATION,
    caps: &["storage", "cases.create", "deputies.read"],
};

fn action_path(action: &str) -> String {
    format!("/desk/{STATION}/brand/{ID}/{action}")
}

/// A server with the brand installed and enabled at 蓬街, and the ops token.
async fn with_brand(b: Backend) -> (TestApp, String) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    app.install_brand(&ops, &BRAND, json!({})).await;
    (app, ops)
}

async fn staff_act_on_the_brand_from_the_desk(b: Backend) {
    let (app, _ops) = with_brand(b).await;
    let token = app.add_station_staff(STATION).await;
    let web = signed_in(&app, &format!("{STATION}-staff"), TEST_PASSWORD).await;
    let reception: &[(&str, &str)] = &[("village", "金塘村"), ("summary", "问宅基地审批流程")];

    // The desk draws the staff views, their forms posting to the desk's route with a token.
    let desk = web.get(&format!("/desk/{STATION}")).await.expect(200);
    desk.assert_contains(&format!("id=\"brand-section-{ID}-roster\""));
    desk.assert_contains(&format!("action=\"{}\"", action_path("record-reception")));
    desk.assert_lacks(&format!(
        "action=\"/s/{STATION}/brand/{ID}/record-reception\""
    ));
    desk.assert_lacks("name=\"_back\"");

    // The resident route refuses an action that is not the residents', whoever sends it.
    post(
        &web,
        &format!("/s/{STATION}/brand/{ID}/record-reception"),
        reception,
    )
    .await
    .expect(403);
    assert_eq!(BRAND.stored(&app, "reception-seq").await, None);

    // From the desk it runs as staff: the plugin stores the reception, the result leads back.
    let done = post(&web, &action_path("record-reception"), reception)
        .await
        .expect(200);
    done.assert_html();
    assert!(
        done.text_of("brand-message")
            .is_some_and(|m| m.contains("已登记接待")),
        "{}",
        done.text
    );
    done.assert_contains(&format!("href=\"/desk/{STATION}\" id=\"brand-back\""));
    let log = || async {
        table_rows(
            &BRAND
                .view(&app, Some(&token), "desk", false)
                .await
                .expect(200),
            "来访事项",
        )
    };
    assert_eq!(log().await.len(), 1);

    // A value the manifest refuses: the desk again, the message beside the field, typed kept.
    let refused = post(
        &web,
        &action_path("record-reception"),
        &[("village", "火星村"), ("summary", "路灯坏了好几天")],
    )
    .await
    .expect(422);
    refused.assert_contains(&format!("id=\"b-{ID}-record-reception-village-err\""));
    refused.assert_contains("路灯坏了好几天");
    refused.assert_contains("id=\"desk-filters\"");
    // And one the plugin refuses (no such reception): the same, by the plugin's word.
    let refused = post(
        &web,
        &action_path("reception-to-case"),
        &[("reception", "99")],
    )
    .await
    .expect(422);
    refused.assert_contains(&format!("id=\"b-{ID}-reception-to-case-reception-err\""));
    refused.assert_contains("value=\"99\"");
    assert_eq!(log().await.len(), 1, "nothing changed by the refusals");

    // Without the token: refused, the form shown again with what was typed.
    let forged = web
        .post(
            &action_path("record-reception"),
            &[("village", "蓬北村"), ("summary", "反映排涝站噪音")],
        )
        .await
        .expect(403);
    forged.assert_contains("class=\"form-error\"");
    assert_eq!(log().await.len(), 1);

    // A question asked from the desk files a case, which the desk opens by its page.
    let asked = post(
        &web,
        &action_path("ask"),
        &[
            ("village", "蓬北村"),
            ("question", "村里老年食堂什么时候开始供应晚饭？"),
        ],
    )
    .await
    .expect(200);
    asked.assert_contains("id=\"brand-case\"");
    asked.assert_lacks("id=\"receipt-code\"");
    let ids = app
        .list_ids(&token, &format!("station={STATION}&channel=plugin"))
        .await;
    assert_eq!(ids.len(), 1, "{ids:?}");
    asked.assert_contains(&format!("href=\"/cases/{}\"", ids[0]));

    // In English too.
    let en = web
        .get(&format!("/desk/{STATION}?lang=en"))
        .await
        .expect(200);
    en.assert_contains("Sitting roster");
}

async fn a_deputy_uses_the_brand_on_the_deputy_desk(b: Backend) {
    let (app, _ops) = with_brand(b).await;
    let (d1, _) = app.station_deputies(STATION).await[0].clone();
    let token = app
        .add_user("pengjie-deputy", "deputy", None, None, Some(&d1))
        .await;
    let web = signed_in(&app, "pengjie-deputy", TEST_PASSWORD).await;

    // The deputy's desk shows the home station's deputy views, forms to the desk route.
    let desk = web.get("/deputy").await.expect(200);
    desk.assert_contains(&format!("id=\"brand-section-{ID}-desk\""));
    desk.assert_contains(&format!("action=\"{}\"", action_path("record-reception")));
    desk.assert_contains("name=\"_back\" value=\"deputy\"");

    // Logging a reception from there: done as a deputy, and back to the deputy's desk.
    let done = post(
        &web,
        &action_path("record-reception"),
        &[
            ("_back", "deputy"),
            ("village", "金塘村"),
            ("summary", "问宅基地审批流程"),
            ("answer", "带户口本到村委会申请"),
        ],
    )
    .await
    .expect(200);
    assert!(done.text_of("brand-message").is_some(), "{}", done.text);
    done.assert_contains("href=\"/deputy\" id=\"brand-back\"");
    let log = BRAND
        .view(&app, Some(&token), "desk", false)
        .await
        .expect(200);
    let rows = table_rows(&log, "来访事项");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].iter().any(|c| c == "问宅基地审批流程"), "{rows:?}");

    // A refusal comes back on the deputy's desk, beside the field, with what was typed.
    let refused = post(
        &web,
        &action_path("record-reception"),
        &[
            ("_back", "deputy"),
            ("village", "火星村"),
            ("summary", "路灯坏了"),
        ],
    )
    .await
    .expect(422);
    refused.assert_contains("id=\"reception-form\"");
    refused.assert_contains(&format!("id=\"b-{ID}-record-reception-village-err\""));
    refused.assert_contains("路灯坏了");
    let rows = table_rows(
        &BRAND
            .view(&app, Some(&token), "desk", false)
            .await
            .expect(200),
        "来访事项",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
}

async fn only_the_stations_own_people_act_from_the_desk(b: Backend) {
    let (app, _ops) = with_brand(b).await;
    let fields: &[(&str, &str)] = &[("village", "金塘村"), ("summary", "反映路灯")];

    // Another station's staff, a handler, a viewer: 403 pages, nothing stored.
    for who in ["staff", "handler", "viewer"] {
        let web = demo(&app, who).await;
        let p = post(&web, &action_path("record-reception"), fields)
            .await
            .expect(403);
        p.assert_html();
        let p = post(
            &web,
            &action_path("reception-to-case"),
            &[("reception", "1")],
        )
        .await
        .expect(403);
        p.assert_html();
    }
    assert_eq!(BRAND.stored(&app, "reception-seq").await, None);

    // Not signed in: off to sign in, coming back to the desk.
    let anon = Browser::new(&app);
    anon.get("/").await.expect(200);
    let p = post(&anon, &action_path("record-reception"), fields)
        .await
        .expect(303);
    assert_eq!(p.location(), format!("/login?next=/desk/{STATION}"));
    assert_eq!(BRAND.stored(&app, "reception-seq").await, None);

    // An unknown action or brand at the station: 404.
    let staff = {
        app.add_station_staff(STATION).await;
        signed_in(&app, &format!("{STATION}-staff"), TEST_PASSWORD).await
    };
    post(
        &staff,
        &format!("/desk/{STATION}/brand/{ID}/nothing"),
        fields,
    )
    .await
    .expect(404);
    post(
        &staff,
        &format!("/desk/{STATION}/brand/no-such-brand/ask"),
        fields,
    )
    .await
    .expect(404);
}
