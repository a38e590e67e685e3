//! The signed-in desks and the screens in a real browser (headless Chromium over WebDriver) at
//! a phone (390×844), a laptop (1366×768) and a wall screen (1920×1080), on the demo district's
//! cases: screenshots of each page at each size in `target/screenshots/`, and the layout checks
//! people would make by eye — the document never scrolls sideways; the desk's table fits at
//! 1366 with every column; the district big screen fits one 1920×1080 viewport with no text
//! under 14 px.

use std::path::{Path, PathBuf};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_browser::{
    fill, js, open_browser_sized, shot, skip_browser, start_chromedriver, target_dir, wait_for,
};

const SIZES: [(u32, u32, &str); 3] = [
    (390, 844, "phone"),
    (1366, 768, "laptop"),
    (1920, 1080, "wall"),
];

/// Sets the viewport to exactly `w`×`h` CSS pixels through the DevTools protocol (chromedriver's
/// `goog/cdp/execute`): a headless window keeps some of its height for itself and cannot grow
/// past its screen, so resizing the window does not give an exact viewport.
pub(crate) async fn viewport(c: &Client, driver: &str, w: u32, h: u32) {
    let sid = c.session_id().await.unwrap().expect("a session");
    let r = reqwest::Client::new()
        .post(format!("{driver}/session/{sid}/goog/cdp/execute"))
        .json(&json!({
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": { "width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600 },
        }))
        .send()
        .await
        .expect("the DevTools command");
    assert!(
        r.status().is_success(),
        "setting the viewport: {:?}",
        r.text().await
    );
    let got = js(c, "return [window.innerWidth, window.innerHeight];").await;
    assert_eq!(got, json!([w, h]), "the viewport is {w}×{h}");
}

/// How far the document scrolls sideways (≤ 0: not at all).
async fn sideways(c: &Client) -> i64 {
    js(
        c,
        "return document.documentElement.scrollWidth - window.innerWidth;",
    )
    .await
    .as_i64()
    .unwrap_or(i64::MAX)
}

pub(crate) async fn sign_in(c: &Client, base: &str, user: &str, password: &str) {
    c.delete_all_cookies().await.ok();
    c.goto(&format!("{base}/login")).await.unwrap();
    wait_for(c, Locator::Id("login-form"), "the sign-in page").await;
    fill(c, "f-username", user).await;
    fill(c, "f-password", password).await;
    c.find(Locator::Css("#login-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, Locator::Css("main"), "signed in").await;
}

/// Opens `path` at every size, checks it never scrolls sideways, and saves a screenshot each.
async fn every_size(c: &Client, driver: &str, base: &str, path: &str, name: &str, dir: &Path) {
    for (w, h, size) in SIZES {
        viewport(c, driver, w, h).await;
        c.goto(&format!("{base}{path}")).await.unwrap();
        wait_for(c, Locator::Css("main"), path).await;
        let over = sideways(c).await;
        assert!(over <= 0, "{path} at {w}×{h} scrolls sideways by {over}px");
        shot(c, dir, &format!("{name}-{size}-{w}x{h}.png")).await;
    }
}

async fn walk(c: Client, driver: String, app_base: String, dir: PathBuf, case_id: i64) {
    let base = app_base.as_str();
    sign_in(&c, base, "ops", "ops-demo-2026").await;
    for (path, name) in [
        ("/desk/lunan", "desk"),
        (&format!("/cases/{case_id}") as &str, "case"),
        ("/cockpit/lunan", "cockpit"),
        ("/console", "console"),
        ("/console/stations/lunan", "console-station"),
        ("/desk/lunan/duty", "duty"),
        ("/appraisal", "appraisal"),
    ] {
        every_size(&c, &driver, base, path, name, &dir).await;
    }

    // The desk at a laptop's size: the table with every column, not scrolled inside its frame.
    viewport(&c, &driver, 1366, 768).await;
    c.goto(&format!("{base}/desk/lunan")).await.unwrap();
    wait_for(&c, Locator::Css("table.cases"), "the desk's table").await;
    let fit = js(
        &c,
        "const t = document.querySelector('table.cases'); const w = t.parentElement; \
         const heads = Array.from(t.querySelectorAll('thead th')).map(h => h.textContent.trim()); \
         const r = w.getBoundingClientRect(); \
         const hidden = Array.from(t.querySelectorAll('thead th')) \
           .filter(h => h.getBoundingClientRect().right > r.right + 1).map(h => h.textContent.trim()); \
         return { table: t.scrollWidth, frame: w.clientWidth, heads: heads, hidden: hidden };",
    )
    .await;
    for h in [
        "回执码",
        "标题",
        "类别",
        "联络站",
        "状态",
        "承办单位",
        "期限",
    ] {
        assert!(
            fit["heads"].as_array().unwrap().iter().any(|x| x == h),
            "the desk has {h}: {fit}"
        );
    }
    assert!(
        fit["table"].as_i64() <= fit["frame"].as_i64(),
        "the desk's table fits its frame at 1366: {fit}"
    );
    assert_eq!(fit["hidden"], json!([]), "no column hidden at 1366: {fit}");

    // The district big screen at the wall's size: one viewport, nothing under 14 px.
    viewport(&c, &driver, 1920, 1080).await;
    c.goto(&format!("{base}/screen")).await.unwrap();
    wait_for(&c, Locator::Css("main"), "the big screen").await;
    let fits = js(
        &c,
        "const d = document.documentElement; \
         return [d.scrollWidth, d.scrollHeight];",
    )
    .await;
    assert_eq!(fits, json!([1920, 1080]), "/screen fits 1920×1080 exactly");
    let small = small_text(&c).await;
    assert_eq!(small, json!([]), "/screen has no visible text under 14px");
    // The rotating last panel's congress page (deputies' suggestions, the legislative contact
    // point), shown as the rotation would: inside its panel, nothing under 14 px.
    let congress = js(
        &c,
        "const p = document.getElementById('k-congress');          p.parentElement.querySelectorAll(':scope > .k-page').forEach(x => x.hidden = x !== p);          const panel = p.closest('.k-panel').getBoundingClientRect();          const last = Array.from(p.querySelectorAll('li')).pop().getBoundingClientRect();          return [p.hidden, Math.round(last.bottom), Math.round(panel.bottom),                  p.scrollHeight <= p.clientHeight + 1];",
    )
    .await;
    assert_eq!(congress[0], json!(false), "{congress}");
    assert!(
        congress[1].as_i64() <= congress[2].as_i64(),
        "the congress page fits its panel: {congress}"
    );
    assert_eq!(congress[3], json!(true), "not clipped: {congress}");
    assert_eq!(
        small_text(&c).await,
        json!([]),
        "the congress page: no text under 14px"
    );
    let fits = js(
        &c,
        "const d = document.documentElement; return [d.scrollWidth, d.scrollHeight];",
    )
    .await;
    assert_eq!(
        fits,
        json!([1920, 1080]),
        "still one screen with the congress page"
    );
    shot(&c, &dir, "screen-congress-wall-1920x1080.png").await;
    c.goto(&format!("{base}/screen")).await.unwrap();
    wait_for(&c, Locator::Css("main"), "the big screen again").await;
    weigh(&c, "/screen at 1920×1080").await;
    every_size(&c, &driver, base, "/screen", "screen", &dir).await;

    // A station's wall screen: the same kiosk rules.
    viewport(&c, &driver, 1920, 1080).await;
    c.goto(&format!("{base}/s/lunan/screen")).await.unwrap();
    wait_for(&c, Locator::Css("main"), "the wall screen").await;
    let fits = js(
        &c,
        "const d = document.documentElement; return [d.scrollWidth, d.scrollHeight];",
    )
    .await;
    assert_eq!(fits, json!([1920, 1080]), "/s/lunan/screen fits 1920×1080");
    assert_eq!(
        small_text(&c).await,
        json!([]),
        "/s/lunan/screen: no text under 14px"
    );
    // The deputies' suggestions and the contact point's counts are on the wall, in the screen.
    let congress = js(
        &c,
        "const p = document.getElementById('k-congress'); const r = p.getBoundingClientRect();          return [Math.round(r.top), Math.round(r.bottom), p.scrollHeight <= p.clientHeight + 1,                  p.querySelectorAll('.k-minis li').length];",
    )
    .await;
    assert!(
        congress[0].as_i64() >= Some(0) && congress[1].as_i64() <= Some(1080),
        "the congress panel is on the wall: {congress}"
    );
    assert_eq!(congress[2], json!(true), "not clipped: {congress}");
    assert_eq!(congress[3], json!(7), "seven counts: {congress}");
    weigh(&c, "/s/lunan/screen at 1920×1080").await;
    every_size(&c, &driver, base, "/s/lunan/screen", "wall", &dir).await;
    viewport(&c, &driver, 390, 844).await;
    c.goto(&format!("{base}/s/lunan")).await.unwrap();
    wait_for(&c, Locator::Css("main"), "the station page").await;
    weigh(&c, "/s/lunan at 390×844").await;
    // The resident's phone page as an app: its services within the first screen, and the send
    // button in reach while the form is being filled in (not three screens down).
    every_size(&c, &driver, base, "/s/lunan", "station", &dir).await;
    viewport(&c, &driver, 390, 844).await;
    c.goto(&format!("{base}/s/lunan")).await.unwrap();
    wait_for(&c, Locator::Css("main"), "the station page").await;
    let first = js(
        &c,
        "return Array.from(document.querySelectorAll('.services a'))            .map(a => [a.textContent.trim(), Math.round(a.getBoundingClientRect().bottom)]);",
    )
    .await;
    let services = first.as_array().unwrap();
    assert!(services.len() >= 4, "{first}");
    for s in services {
        assert!(
            s[1].as_i64().unwrap() <= 844,
            "a service below the first screen: {first}"
        );
    }
    let reach = js(
        &c,
        "document.getElementById('f-description').scrollIntoView();          const b = document.querySelector('#intake .send-bar button').getBoundingClientRect();          return [Math.round(b.top), Math.round(b.bottom), window.innerHeight];",
    )
    .await;
    let r: Vec<i64> = reach
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(
        r[0] >= 0 && r[1] <= r[2],
        "the send button is in view beside the text: {reach}"
    );
    // The counter tells how much of the limit is used, as it is typed.
    let counted = js(
        &c,
        "const f = document.getElementById('f-description'); f.value = '路灯坏了'; \
         f.dispatchEvent(new Event('input')); \
         const o = document.getElementById('count-description'); return [o.hidden, o.textContent];",
    )
    .await;
    assert_eq!(counted[0], json!(false), "{counted}");
    assert!(counted[1].as_str().unwrap().contains("4"), "{counted}");
    shot(&c, &dir, "station-phone-form-390x844.png").await;

    // The handler's desk.
    sign_in(&c, base, "handler", "handler-demo-2026").await;
    every_size(&c, &driver, base, "/org", "org", &dir).await;
}

/// What the page now shown weighs (its document and the resources it loaded, raw and
/// gzip-compressed) and when it first painted; printed for `docs/BENCHMARKS.md`.
async fn weigh(c: &Client, what: &str) {
    use std::io::Write;
    let urls = js(
        c,
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))\
           .filter(u => u.startsWith(location.origin) && !u.includes('/live'));",
    )
    .await;
    // The paint entry is recorded a moment after the page can be read: wait up to 3 s for it.
    let mut fcp = Value::Null;
    for _ in 0..30 {
        fcp = js(
            c,
            "const p = performance.getEntriesByName('first-contentful-paint')[0]; \
             return p ? p.startTime : null;",
        )
        .await;
        if !fcp.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let cookie = c
        .get_named_cookie("liaison_session")
        .await
        .ok()
        .map(|k| format!("liaison_session={}", k.value()));
    let http = reqwest::Client::new();
    let (mut raw, mut gz) = (0usize, 0usize);
    for u in urls
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let mut req = http.get(u);
        if let Some(k) = &cookie {
            req = req.header("cookie", k);
        }
        let body = req.send().await.unwrap().bytes().await.unwrap();
        raw += body.len();
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&body).unwrap();
        gz += e.finish().unwrap().len();
    }
    eprintln!(
        "weight {what}: {} files, {raw} bytes, {gz} bytes gzip; first contentful paint {fcp} ms",
        urls.as_array().map_or(0, Vec::len)
    );
}

/// Visible text drawn under 14 px (HTML text and SVG text alike), as "tag: text (size)".
async fn small_text(c: &Client) -> Value {
    js(
        c,
        "const out = []; \
         const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); \
         let n; \
         while ((n = walker.nextNode())) { \
           if (!n.textContent.trim()) continue; \
           const e = n.parentElement; \
           if (!e || e.closest('.visually-hidden, script, style, title, desc')) continue; \
           const r = e.getBoundingClientRect(); \
           if (r.width === 0 || r.height === 0) continue; \
           const px = parseFloat(getComputedStyle(e).fontSize); \
           let scale = 1; \
           const svg = e.closest('svg'); \
           if (svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width) { \
             scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; } \
           const drawn = px * scale; \
           if (drawn < 13.95) out.push(e.tagName + ': ' + n.textContent.trim().slice(0, 20) + ' (' + drawn.toFixed(1) + ')'); \
         } \
         return out.slice(0, 10);",
    )
    .await
}

/// The demo district's cases, so the pages look like a working district.
pub(crate) async fn seed(app: &TestApp) -> i64 {
    liaison::demo::seed_cases(&app.db, &app.settings.deadlines, 160, app.clock.now(), 2026)
        .await
        .expect("the demo cases");
    liaison::demo::suggestions::seed(&app.db, app.clock.now())
        .await
        .expect("the demo's suggestions");
    liaison::demo::legislation::seed(&app.db, app.clock.now())
        .await
        .expect("the demo's drafts");
    // A banner photo for the station (a sky over fields, drawn), and a deputy on duty today,
    // as a kept station has them.
    let photo = image::RgbImage::from_fn(1600, 600, |x, y| {
        if y < 380 {
            image::Rgb([
                90 + (y / 6) as u8,
                150 + (y / 8) as u8,
                230 - (x / 20) as u8,
            ])
        } else {
            image::Rgb([60 + (x / 40) as u8, 140 - ((y - 380) / 4) as u8, 60])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&photo)
        .unwrap();
    let decoders = liaison_domain::cases::photos::Decoders::new(&app.settings.photos);
    liaison_domain::stations::photo::set(&app.db, &decoders, "lunan", jpeg.into())
        .await
        .expect("the station's photo");
    let ops = app.login_demo("ops").await;
    app.post(
        "/stations/lunan/duty",
        Some(&ops),
        &json!({ "deputy": "lunan-d01", "day": app.today(), "half": "am", "note": "接待日" }),
    )
    .await
    .expect(201);
    let a = app.submit_at("lunan").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    a.id
}

#[tokio::test]
async fn desks_and_screens_fit_their_screens() {
    if skip_browser() {
        eprintln!("skipped: LIAISON_SKIP_BROWSER=1");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let case_id = seed(&app).await;
    let driver = start_chromedriver().await;
    let client = open_browser_sized(&driver, (1920, 1400)).await;
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    let started = std::time::Instant::now();
    let outcome = tokio::spawn(walk(
        client.clone(),
        driver.url.clone(),
        app.address.clone(),
        dir.clone(),
        case_id,
    ))
    .await;
    let _ = client.close().await;
    drop(driver);
    eprintln!("the desktop walk took {:?}", started.elapsed());
    match outcome {
        Ok(()) => eprintln!("screenshots in {}", dir.display()),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the browser walk did not finish: {e}"),
    }
}

/// The bell's count, as the page shows it now.
async fn bell_count(c: &Client) -> i64 {
    js(
        c,
        "const e = document.querySelector('.bell [data-unread]'); return e ? Number(e.textContent) : -1;",
    )
    .await
    .as_i64()
    .unwrap_or(-1)
}

async fn bell_walk(c: Client, driver: String, base: String, dir: PathBuf) {
    let base = base.as_str();
    sign_in(&c, base, "deputy", "deputy-demo-2026").await;
    for (path, name) in [
        ("/notifications", "notifications"),
        ("/notifications/preferences", "notification-settings"),
    ] {
        every_size(&c, &driver, base, path, name, &dir).await;
    }
    // The bell rings without a reload: a resident scans the deputy's code meanwhile.
    viewport(&c, &driver, 390, 844).await;
    c.goto(&format!("{base}/me")).await.unwrap();
    wait_for(&c, Locator::Css("main"), "/me").await;
    let before = bell_count(&c).await;
    assert!(before >= 1, "the demo scans are in the bell: {before}");
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/cases"))
        .json(&json!({
            "station": "lunan", "deputy": "lunan-d01", "category": "urban_construction",
            "description": "村口的桥栏杆松动了，孩子上学经过很危险，请尽快加固。",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let start = std::time::Instant::now();
    while bell_count(&c).await != before + 1 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "the bell did not ring live within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    shot(&c, &dir, "bell-live-phone.png").await;

    sign_in(&c, base, "ops", "ops-demo-2026").await;
    every_size(
        &c,
        &driver,
        base,
        "/console/notifications",
        "deliveries",
        &dir,
    )
    .await;
}

#[tokio::test]
async fn the_bell_rings_live_and_the_notification_pages_fit() {
    if skip_browser() {
        eprintln!("skipped: LIAISON_SKIP_BROWSER=1");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    liaison::demo::scans::seed(&app.db, app.clock.now())
        .await
        .expect("the demo scans");
    let driver = start_chromedriver().await;
    let client = open_browser_sized(&driver, (1920, 1400)).await;
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    let outcome = tokio::spawn(bell_walk(
        client.clone(),
        driver.url.clone(),
        app.address.clone(),
        dir.clone(),
    ))
    .await;
    let _ = client.close().await;
    drop(driver);
    match outcome {
        Ok(()) => eprintln!("screenshots in {}", dir.display()),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the browser walk did not finish: {e}"),
    }
}

/// Back and forth through pages with live streams (the bell on every signed-in page, the
/// cockpit's feed): each page closes its streams when it is left, so a browser speaking
/// HTTP/1.1 to the server (six connections at most) never runs out. Before, the pages the
/// browser kept for "back" held their streams open, and the seventh stream's page waited a
/// minute for a connection.
async fn live_walk(c: Client, base: String) {
    let base = base.as_str();
    sign_in(&c, base, "ops", "ops-demo-2026").await;
    for round in 0..5 {
        for path in ["/cockpit/lunan", "/desk/lunan", "/console"] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            wait_for(&c, Locator::Css("main"), path).await;
            // How long this page's own request waited for its answer: milliseconds when a
            // connection is free, the better part of a minute when none was.
            let waited = js(
                &c,
                "const n = performance.getEntriesByType('navigation')[0]; \
                 return Math.round(n.responseStart - n.startTime);",
            )
            .await
            .as_i64()
            .unwrap_or(-1);
            assert!(
                (0..10_000).contains(&waited),
                "{path} (round {round}) waited {waited} ms for its answer"
            );
        }
    }
}

#[tokio::test]
async fn pages_with_live_streams_leave_the_browser_connections() {
    if skip_browser() {
        eprintln!("skipped: LIAISON_SKIP_BROWSER=1");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver().await;
    let client = open_browser_sized(&driver, (1366, 768)).await;
    let outcome = tokio::spawn(live_walk(client.clone(), app.address.clone())).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
