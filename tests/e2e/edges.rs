//! Trust at the edges (issue 11), on both backends: what a hostile brand draws cannot reach past
//! its box. The fault-lab component's view `edges` aims forms at the core case routes and links
//! off the site in the ways browsers read them; the host keeps only the form of its declared
//! action, at the URL the host builds, and the one in-site link — in the API's JSON and HTML and
//! on the staff desk, where a staff click would otherwise have rejected a case.

use serde_json::json;

use crate::plugins::FAULT_LAB;
use crate::support::{Backend, Package, TestApp, spawn_plugin_app};
use crate::web_client::demo;

both_backends!(a_brand_cannot_aim_forms_or_links_past_its_box,);

/// A server with fault-lab enabled at 路南 and the demo staff's token.
async fn with_fault_lab(b: Backend) -> (TestApp, String) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
    let staff = app.login_demo("staff").await;
    (app, staff)
}

/// Every `action="…"` of the page's forms.
fn form_actions(html: &str) -> Vec<String> {
    html.split("<form ")
        .skip(1)
        .filter_map(|f| {
            let at = f.find("action=\"")? + "action=\"".len();
            Some(f[at..].split('"').next()?.to_owned())
        })
        .collect()
}

/// Every `href="…"` of the page.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|h| Some(h.split('"').next()?.to_owned()))
        .collect()
}

async fn a_brand_cannot_aim_forms_or_links_past_its_box(b: Backend) {
    let (app, staff) = with_fault_lab(b).await;
    let case = app.submit_at("lunan").await;
    let path = format!("/stations/lunan/plugins/{FAULT_LAB}/views/edges");

    // JSON: one form, for the declared action; the one in-site link; the rest is text.
    let view = app.get(&path, Some(&staff)).await.expect(200);
    let blocks = view.body["blocks"].as_array().expect("blocks");
    let forms: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "form")
        .filter_map(|b| b["form"]["action"].as_str())
        .collect();
    assert_eq!(forms, ["ok"], "{}", view.text);
    let links: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "link")
        .filter_map(|b| b["href"].as_str())
        .collect();
    assert_eq!(links, ["/t/EDGE-GOOD"], "{}", view.text);
    assert_eq!(
        blocks.iter().filter(|b| b["type"] == "text").count(),
        12,
        "every hostile link is drawn as its text: {}",
        view.text
    );

    // The API's HTML: the form posts to the API's action route, built by the host.
    let html = app
        .get(&format!("{path}?format=html"), Some(&staff))
        .await
        .expect(200);
    assert_eq!(
        form_actions(&html.text),
        [format!(
            "/api/v1/stations/lunan/plugins/{FAULT_LAB}/actions/ok"
        )],
        "{}",
        html.text
    );
    assert_eq!(hrefs(&html.text), ["/t/EDGE-GOOD"], "{}", html.text);

    // The staff desk: the brand's section posts only to its own declared action; nothing aims
    // at the core case routes, nothing leaves the site.
    let web = demo(&app, "staff").await;
    let desk = web.get("/desk/lunan").await.expect(200);
    let brand_forms: Vec<String> = form_actions(&desk.text)
        .into_iter()
        .filter(|a| a.contains("/brand/"))
        .collect();
    assert_eq!(
        brand_forms,
        [format!("/desk/lunan/brand/{FAULT_LAB}/ok")],
        "{}",
        desk.text
    );
    for a in form_actions(&desk.text) {
        assert!(!a.contains(".."), "a form aims at {a}");
    }
    desk.assert_contains("href=\"/t/EDGE-GOOD\"");
    desk.assert_lacks("evil.example\"");
    for h in hrefs(&desk.text).iter().filter(|h| !h.starts_with('#')) {
        assert!(
            h.starts_with('/') && !h.starts_with("//") && !h.contains(['\t', '\r', '\n', '\\']),
            "the desk links off the site: {h:?}"
        );
    }
    // The case the hostile form aimed at stands.
    assert_eq!(app.case_row(case.id).await.status, "submitted");
}
