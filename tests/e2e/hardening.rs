//! Hardening at the edges (issue 11, items 18–21 and the pages' control characters), on both
//! backends:
//!
//! - a photo whose header claims too many pixels is refused before it is decoded, naming the
//!   field (API) or beside it (page); a replayed intake key must carry the same photo bytes;
//! - a visit lists only the station's own deputies, the duty roster's rule;
//! - the OpenAPI document resolves every reference and describes the answers it gets;
//! - every HTML answer carries CSP, nosniff and frame headers, text answers are compressed when
//!   asked (the live feeds stay uncompressed and live), `/favicon.ico` answers;
//! - a page form holding a control character comes back with the message beside the field.

use std::collections::BTreeSet;
use std::io::Read;

use serde_json::{Value, json};

use crate::plugins::{HELLO, HELLO_CAPS};
use crate::support::{Backend, Package, TestApp, case_body, spawn_app, spawn_plugin_app};
use crate::web_client::{Browser, demo, post_form};

both_backends!(
    photos_claiming_too_many_pixels_are_refused_before_decoding,
    a_replayed_key_must_carry_the_same_photo_bytes,
    visits_list_only_the_stations_own_deputies,
    the_api_document_is_whole_and_true,
    every_answer_is_hardened_and_compressed_when_asked,
    page_forms_refuse_control_characters,
);

/// A valid PNG of `side` × `side` one-bit grey pixels: tiny on disk (the rows are zeros), huge
/// once decoded.
fn huge_png(side: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().unwrap();
        let row = side.div_ceil(8) as usize;
        w.write_image_data(&vec![0u8; row * side as usize]).unwrap();
    }
    out
}

/// A small PNG with a text chunk saying `note`: the same picture, size and length for any
/// `note` of the same length, different bytes.
fn png_with_note(note: &str) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 40, 30);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.add_text_chunk("Comment".into(), note.into()).unwrap();
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&vec![90u8; 40 * 30 * 3]).unwrap();
    }
    out
}

async fn send_with_photos(
    app: &TestApp,
    case: &Value,
    key: Option<&str>,
    photos: &[Vec<u8>],
) -> crate::support::Resp {
    let mut form = reqwest::multipart::Form::new().part(
        "case",
        reqwest::multipart::Part::text(case.to_string())
            .mime_str("application/json")
            .unwrap(),
    );
    for (i, bytes) in photos.iter().enumerate() {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(format!("p{i}.png")),
        );
    }
    let mut req = app.client.post(app.api("/cases")).multipart(form);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    crate::support::Resp {
        status,
        headers: Default::default(),
        content_type: "application/json".into(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

async fn photos_claiming_too_many_pixels_are_refused_before_decoding(b: Backend) {
    let app = spawn_app(b).await;
    let huge = huge_png(9000);
    assert!(huge.len() < app.settings.photos.max_bytes, "small on disk");

    // The API: 422 naming the photo, with the limit; nothing written, no file left.
    let r = send_with_photos(&app, &case_body("lunan"), None, std::slice::from_ref(&huge))
        .await
        .expect_error(422, "invalid", Some("photo"));
    assert_eq!(r.body["error"]["kind"], "photo_dimensions", "{}", r.text);
    assert_eq!(
        r.body["error"]["max"],
        i64::from(app.settings.photos.max_side),
        "{}",
        r.text
    );
    assert_eq!(app.case_count().await, 0);
    let dir = std::path::Path::new(&app.settings.photos.dir);
    let left = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no file is written for a refused photo");

    // Several intakes at once, each with the most photos allowed: every one refused.
    let six = vec![huge.clone(); app.settings.photos.max_count];
    let body = case_body("lunan");
    let answers =
        futures_util::future::join_all((0..4).map(|_| send_with_photos(&app, &body, None, &six)))
            .await;
    for a in answers {
        a.expect_error(422, "invalid", Some("photo"));
    }
    assert_eq!(app.case_count().await, 0);

    // A photo just within the limits still passes.
    send_with_photos(&app, &case_body("lunan"), None, &[huge_png(2000)])
        .await
        .expect(201);

    // The page: the form again, the message beside the photo input, what was typed kept.
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let csrf = form.input_value("_csrf");
    let key = form.input_value("client_key");
    let p = web
        .post_multipart(
            "/s/lunan",
            &[
                ("_csrf", csrf.as_str()),
                ("client_key", key.as_str()),
                ("category", "urban_construction"),
                ("description", "石曲村一带路灯坏了半个多月，请尽快修好。"),
                ("address", ""),
                ("lat", ""),
                ("lng", ""),
                ("name", ""),
                ("phone", ""),
            ],
            &[("photo", "huge.png", huge)],
        )
        .await
        .expect(422);
    p.assert_contains("石曲村一带路灯坏了半个多月");
    p.assert_contains("id=\"err-photo\"");
    p.assert_contains("8192");
    assert_eq!(app.case_count().await, 1);
}

async fn a_replayed_key_must_carry_the_same_photo_bytes(b: Backend) {
    let app = spawn_app(b).await;
    // With a location shared the photo is kept as sent: same type, size and pixels, other
    // bytes.
    let (first, other) = (png_with_note("first"), png_with_note("other"));
    assert_eq!(first.len(), other.len());
    assert_ne!(first, other);
    let key = "hardening-photo-key-0001";
    let body = case_body("lunan");
    let made = send_with_photos(&app, &body, Some(key), std::slice::from_ref(&first))
        .await
        .expect(201);
    // The same form again: the same case.
    let again = send_with_photos(&app, &body, Some(key), std::slice::from_ref(&first))
        .await
        .expect(200);
    assert_eq!(again.body["id"], made.body["id"]);
    // The same key with another photo: refused, not answered with the first case.
    let r = send_with_photos(&app, &body, Some(key), &[other])
        .await
        .expect_error(422, "invalid", Some("client_key"));
    assert_eq!(r.body["error"]["kind"], "key_reused", "{}", r.text);
    assert!(!r.text.contains(made.body["receipt_code"].as_str().unwrap()));
    assert_eq!(app.case_count().await, 1);
}

async fn visits_list_only_the_stations_own_deputies(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    let (foreign, _) = app.station_deputies("pengjie").await[0].clone();
    let (own, _) = app.station_deputies("lunan").await[0].clone();
    let visit = |deputies: Vec<&str>| {
        json!({
            "station": "lunan",
            "day": "2026-06-01",
            "kind": "inspection",
            "topics": "走访企业听取意见",
            "opinions_count": 2,
            "deputies": deputies,
        })
    };
    let ledger = format!("/points/2026/ledger?deputy={foreign}");
    let before = app.get(&ledger, Some(&ops)).await.expect(200).body;
    // Ops and the station's staff alike: another station's deputy earns no points here.
    for token in [&ops, &staff] {
        let r = app
            .post("/visits", Some(token), &visit(vec![&own, &foreign]))
            .await
            .expect_error(422, "invalid", Some("deputies"));
        assert_eq!(r.body["error"]["kind"], "deputy_not_serving", "{}", r.text);
        assert!(r.message().contains(&foreign), "{}", r.text);
    }
    let after = app.get(&ledger, Some(&ops)).await.expect(200).body;
    assert_eq!(before, after, "no points for {foreign}");
    // The roster answers the same deputy the same way.
    let r = app
        .post(
            "/stations/lunan/duty",
            Some(&staff),
            &json!({ "deputy": foreign, "day": "2026-12-10", "half": "am" }),
        )
        .await
        .expect_error(422, "invalid", Some("deputy"));
    assert_eq!(r.body["error"]["kind"], "deputy_not_serving", "{}", r.text);
    // The station's own deputy is welcome in both.
    let v = app
        .post("/visits", Some(&staff), &visit(vec![&own]))
        .await
        .expect(201);
    assert_eq!(v.body["deputies"][0]["code"], own.as_str());
    // Correcting a visit follows the same rule.
    let id = v.body["id"].as_i64().unwrap();
    app.put(
        &format!("/visits/{id}"),
        Some(&ops),
        &visit(vec![&own, &foreign]),
    )
    .await
    .expect_error(422, "invalid", Some("deputies"));
}

/// Every `$ref` under `v`.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// Whether `schema` (resolved against `doc`) admits `null`.
fn admits_null(doc: &Value, schema: &Value) -> bool {
    if let Some(r) = schema["$ref"].as_str() {
        return admits_null(doc, &doc.pointer(&r[1..]).cloned().unwrap_or(Value::Null));
    }
    let ty = &schema["type"];
    ty == "null"
        || ty.as_array().is_some_and(|t| t.iter().any(|t| t == "null"))
        || ["oneOf", "anyOf"].iter().any(|k| {
            schema[*k]
                .as_array()
                .is_some_and(|alts| alts.iter().any(|a| admits_null(doc, a)))
        })
}

async fn the_api_document_is_whole_and_true(b: Backend) {
    let app = spawn_app(b).await;
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
    // Every reference resolves (the download format was named but never defined).
    let mut all = BTreeSet::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // The appraisal's items and a view's list entries are two schemas, not one name for both.
    let appraisal = &schemas["AppraisalItem"];
    assert!(
        appraisal["enum"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x == "committee")),
        "{appraisal}"
    );
    assert!(schemas["ViewItem"]["properties"]["title"].is_object());
    // Names that several modules' types would share are given a module's prefix instead, so
    // one schema never stands for two shapes.
    for generic in ["Item", "Page", "Out", "Input", "Filter", "Query", "Row"] {
        assert!(!schemas.contains_key(generic), "a schema named {generic}");
    }
    // A case event's details are null when there are none, and the document says so.
    assert!(admits_null(
        &doc,
        &schemas["EventOut"]["properties"]["data"]
    ));

    // The scores PUT takes the body the document describes (items named as in AppraisalItem).
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let body = &doc["paths"]["/api/v1/appraisal/{year}/scores"]["put"]["requestBody"];
    assert!(body.is_object(), "the scores PUT documents its body");
    let year = app.today().format("%Y").to_string();
    let org = app.get("/organisations", Some(&ops)).await.expect(200).body[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(doc["paths"]["/api/v1/appraisal/{year}/scores"]["put"]["responses"]["204"].is_object());
    app.put(
        &format!("/appraisal/{year}/scores"),
        Some(&deputy),
        &json!({ "organisation": org, "item": "gov_report", "score": 88 }),
    )
    .await
    .expect(204);
    // Every operation documents the refusal of a body or query it cannot read, and those
    // behind a sign-in their 401.
    for (path, ops_of) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops_of.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path} documents no answer");
            if op["security"].is_array() {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} needs a sign-in but does not document 401"
                );
            }
        }
    }
}

/// The header `name` of `res`, or "".
fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[track_caller]
fn assert_hardened(res: &reqwest::Response, what: &str) {
    let csp = header(res, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{what}: CSP {csp:?}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "x-frame-options"), "DENY", "{what}");
}

async fn every_answer_is_hardened_and_compressed_when_asked(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    app.install_package(&ops, &Package::hello()).await;
    app.plugin_enable(Some(&ops), "lunan", HELLO, &HELLO_CAPS, json!({}))
        .await
        .expect(200);
    let get = |path: &str, encoding: Option<&str>| {
        let mut req = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&staff);
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        req.send()
    };

    // HTML: pages, error pages, and the API's plugin view as markup.
    for path in [
        "/s/lunan".to_owned(),
        "/s/no-such-station".to_owned(),
        "/t".to_owned(),
        format!("/api/v1/stations/lunan/plugins/{HELLO}/views/home?format=html"),
    ] {
        let res = get(&path, None).await.unwrap();
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{path} answers HTML, not {:?}",
            header(&res, "content-type")
        );
        assert_hardened(&res, &path);
    }
    // JSON too carries nosniff and no framing.
    let res = get("/api/v1/stations", None).await.unwrap();
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "x-frame-options"), "DENY");

    // Compressed when asked, in the encoding asked for, and the same content once unpacked.
    let page_plain = get("/s/lunan", None).await.unwrap();
    assert_eq!(header(&page_plain, "content-encoding"), "");
    for path in [
        "/s/lunan",
        "/assets/site.css",
        "/assets/site.js",
        "/api/v1/stations",
        "/api/openapi.json",
    ] {
        let plain = get(path, None).await.unwrap().bytes().await.unwrap();
        let gz = get(path, Some("gzip")).await.unwrap();
        assert_eq!(header(&gz, "content-encoding"), "gzip", "{path}");
        assert!(
            header(&gz, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        let packed = gz.bytes().await.unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert!(
            packed.len() < plain.len(),
            "{path}: smaller when compressed"
        );
        if !path.starts_with("/s/") {
            // (A page carries a fresh CSRF token each time.)
            assert_eq!(unpacked, plain.to_vec(), "{path}");
        }
        let br = get(path, Some("br")).await.unwrap();
        assert_eq!(header(&br, "content-encoding"), "br", "{path}");
    }

    // The live feed is never compressed (a compressor holds events back): its first event
    // arrives as it is.
    let mut feed = get("/api/v1/dashboard/live?station=lunan", Some("gzip, br"))
        .await
        .unwrap();
    assert_eq!(feed.status().as_u16(), 200);
    assert!(header(&feed, "content-type").starts_with("text/event-stream"));
    assert_eq!(header(&feed, "content-encoding"), "");
    let first = feed.chunk().await.unwrap().expect("an event");
    assert!(
        String::from_utf8_lossy(&first).contains("event:"),
        "a readable event, not compressed bytes: {first:?}"
    );
    drop(feed);
    let web = demo(&app, "staff").await;
    let mut cockpit = app
        .client
        .get(format!("{}/cockpit/lunan/live", app.address))
        .header(
            "cookie",
            format!("liaison_session={}", web.cookie("liaison_session").unwrap()),
        )
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(cockpit.status().as_u16(), 200);
    assert_eq!(header(&cockpit, "content-encoding"), "");
    let first = cockpit.chunk().await.unwrap().expect("an event");
    assert!(String::from_utf8_lossy(&first).contains("event:"));
    drop(cockpit);

    // The icon browsers ask for on their own.
    let icon = get("/favicon.ico", None).await.unwrap();
    assert_eq!(icon.status().as_u16(), 200);
    assert_eq!(header(&icon, "content-type"), "image/x-icon");
    let bytes = icon.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");
}

async fn page_forms_refuse_control_characters(b: Backend) {
    let app = spawn_app(b).await;
    // The intake form: refused, the message beside the description, the rest kept.
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let csrf = form.input_value("_csrf");
    let key = form.input_value("client_key");
    for bad in [
        "路灯坏了\u{1b}[31m半个多月了，请修",
        "路灯\u{0}坏了半个多月了请修",
        "路灯坏了\u{202e}半个多月了请修",
    ] {
        let p = web
            .post(
                "/s/lunan",
                &[
                    ("_csrf", csrf.as_str()),
                    ("client_key", key.as_str()),
                    ("category", "urban_construction"),
                    ("description", bad),
                    ("address", ""),
                    ("lat", ""),
                    ("lng", ""),
                    ("name", "李四"),
                    ("phone", ""),
                ],
            )
            .await
            .expect(422);
        p.assert_contains("id=\"err-description\"");
        p.assert_contains("李四");
        p.assert_contains("半个多月");
    }
    assert_eq!(app.case_count().await, 0);

    // A signed-in form the same way: the contact reveal's reason on the case page.
    let case = app.submit_at("lunan").await;
    let staff = demo(&app, "staff").await;
    let p = post_form(
        &staff,
        &format!("/cases/{}/contact", case.id),
        &[("reason", "回访\u{7}核实情况")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-reveal-reason\"");
    p.assert_contains("回访");
    p.assert_lacks(crate::support::REPORTER_PHONE);
    // And sign-in.
    let anon = Browser::new(&app);
    let csrf = anon.get("/login").await.expect(200).input_value("_csrf");
    let p = anon
        .post(
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "staff\u{0}"),
                ("password", "staff-demo-2026"),
            ],
        )
        .await;
    assert_eq!(p.status.as_u16(), 422, "{}", p.text);
    assert!(p.set_cookie("liaison_session").is_none());
}
