//! A resident's walk in a real browser: Debian's Chromium, headless, at a phone-sized window,
//! driven over WebDriver by chromedriver. From the station page (a form with a mistake first)
//! to the receipt, then to the tracking page, the poster, and staff signing in to see the case;
//! screenshots land in `target/screenshots/`.
//!
//! `./scripts/test` installs `chromium` and `chromium-driver` when chromedriver is missing. If
//! it cannot be started the test fails, saying so, unless `LIAISON_SKIP_BROWSER=1` skips it on
//! purpose. `LIAISON_CHROMEDRIVER` and `LIAISON_CHROMIUM` name other binaries.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::{Backend, free_port, spawn_app, unique, wait_until};

/// iPhone 12 to 15, in CSS pixels.
const PHONE: (u32, u32) = (390, 844);
const WAIT: Duration = Duration::from_secs(30);

pub(crate) fn skip_browser() -> bool {
    std::env::var("LIAISON_SKIP_BROWSER").is_ok_and(|v| v.trim() == "1")
}

/// `$env`, or the first of `names` on the PATH.
fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// chromedriver on a free port of its own, killed when dropped.
pub(crate) struct Chromedriver {
    child: Child,
    pub(crate) url: String,
    profile: PathBuf,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

const HOW_TO_FIX: &str = "./scripts/test installs Debian's chromium and chromium-driver when \
    chromedriver is missing (apt-get install -y chromium chromium-driver); set \
    LIAISON_SKIP_BROWSER=1 to skip the browser test on purpose";

pub(crate) async fn start_chromedriver() -> Chromedriver {
    let bin = find_binary("LIAISON_CHROMEDRIVER", &["chromedriver"])
        .unwrap_or_else(|| panic!("chromedriver is not installed. {HOW_TO_FIX}."));
    let port = free_port();
    let profile = std::env::temp_dir().join(unique("liaison-chromium"));
    std::fs::create_dir_all(&profile).expect("a browser profile folder");
    let log = std::fs::File::create(profile.join("chromedriver.log")).expect("a log file");
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::from(log.try_clone().expect("the log file")))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "chromedriver ({}) did not start: {e}. {HOW_TO_FIX}.",
                bin.display()
            )
        });
    let driver = Chromedriver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        profile,
    };
    let status = format!("{}/status", driver.url);
    let http = reqwest::Client::new();
    wait_until(WAIT, "chromedriver to be ready", || {
        let (http, status) = (http.clone(), status.clone());
        async move {
            match http.get(&status).send().await {
                Ok(r) => {
                    let v: Value = r.json().await.map_err(|e| e.to_string())?;
                    if v["value"]["ready"] == true {
                        Ok(())
                    } else {
                        Err(v.to_string())
                    }
                }
                Err(e) => Err(e.to_string()),
            }
        }
    })
    .await;
    driver
}

pub(crate) async fn open_browser(driver: &Chromedriver) -> Client {
    open_browser_sized(driver, PHONE).await
}

/// Chromium with a first window of `size`; headless, its screen is that large too, so a
/// window can later be made as large as this and no larger.
pub(crate) async fn open_browser_sized(driver: &Chromedriver, size: (u32, u32)) -> Client {
    let chromium = find_binary("LIAISON_CHROMIUM", &["chromium", "chromium-browser"])
        .unwrap_or_else(|| panic!("Chromium is not installed. {HOW_TO_FIX}."));
    let args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--hide-scrollbars".to_owned(),
        "--lang=zh-CN".to_owned(),
        format!("--window-size={},{}", size.0, size.1),
        format!(
            "--user-data-dir={}",
            driver.profile.join("profile").display()
        ),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("Chromium did not start under chromedriver: {e}. {HOW_TO_FIX}."))
}

pub(crate) async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    std::fs::write(dir.join(name), png).expect("writing a screenshot");
}

pub(crate) async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect("running a script")
}

/// What every page must be at a phone's width: no sideways scrolling, a label for every field,
/// the skip link first in the tab order.
async fn assert_phone_friendly(c: &Client, what: &str) {
    let width = js(c, "return window.innerWidth;").await;
    assert_eq!(width, json!(PHONE.0), "{what}: the viewport is phone-sized");
    let overflow = js(
        c,
        "return document.documentElement.scrollWidth - window.innerWidth;",
    )
    .await;
    assert!(
        overflow.as_i64().is_some_and(|o| o <= 0),
        "{what}: the page scrolls sideways by {overflow}px"
    );
    let unlabelled = js(
        c,
        "return Array.from(document.querySelectorAll('input:not([type=hidden]),select,textarea'))\
           .filter(e => !e.labels || e.labels.length === 0).map(e => e.name || e.id);",
    )
    .await;
    assert_eq!(unlabelled, json!([]), "{what}: fields without a label");
    let first = js(
        c,
        "return document.querySelector('a[href],button,input:not([type=hidden]),select,textarea')\
           .className;",
    )
    .await;
    assert_eq!(
        first,
        json!("skip-link"),
        "{what}: the skip link comes first"
    );
}

/// Waits (up to `WAIT`) for an element the page should show; `what` says which, on failure.
pub(crate) async fn wait_for(
    c: &Client,
    locator: Locator<'_>,
    what: &str,
) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(locator)
        .await
        .expect(what)
}

/// Clicks an element that is on the page now.
async fn click(c: &Client, locator: Locator<'_>) {
    c.find(locator).await.unwrap().click().await.unwrap();
}

pub(crate) async fn fill(c: &Client, id: &str, text: &str) {
    let e = c.find(Locator::Id(id)).await.expect("a field");
    e.clear().await.expect("clearing a field");
    e.send_keys(text).await.expect("typing");
}

/// The walk; panics on the first thing a resident would not see.
async fn walk(c: Client, base: String, db: sea_orm::DatabaseConnection, dir: PathBuf) {
    c.set_window_size(PHONE.0, PHONE.1).await.ok();
    c.goto(&format!("{base}/s/lunan"))
        .await
        .expect("opening the station page");
    let h1 = wait_for(&c, Locator::Css("h1"), "a heading").await;
    assert_eq!(h1.text().await.unwrap(), "路南街道人大代表联络站");
    assert_phone_friendly(&c, "the station page").await;
    shot(&c, &dir, "resident-1-station.png").await;

    // A mistake first: a phone number that is not one comes back beside its field.
    c.find(Locator::Id("f-category"))
        .await
        .unwrap()
        .select_by_value("urban_construction")
        .await
        .expect("choosing a category");
    let description = "石曲村一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。";
    fill(&c, "f-description", description).await;
    fill(&c, "f-address", "石曲村口").await;
    fill(&c, "f-name", "张三丰").await;
    fill(&c, "f-phone", "12ab").await;
    js(
        &c,
        "document.getElementById('f-description').scrollIntoView();",
    )
    .await;
    shot(&c, &dir, "resident-2-form.png").await;
    c.find(Locator::Css("#intake button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .expect("sending the form");
    let err = wait_for(
        &c,
        Locator::Id("err-phone"),
        "the message beside the phone field",
    )
    .await;
    assert!(err.text().await.unwrap().contains("7 到 15 位"));
    let kept = c.find(Locator::Id("f-description")).await.unwrap();
    assert_eq!(
        kept.prop("value").await.unwrap().as_deref(),
        Some(description)
    );
    js(
        &c,
        "document.getElementById('f-phone').scrollIntoView({block: 'center'});",
    )
    .await;
    shot(&c, &dir, "resident-3-mistake.png").await;

    // Corrected and sent: the receipt.
    fill(&c, "f-phone", "13812345678").await;
    c.find(Locator::Css("#intake button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .expect("sending the form again");
    let code_el = wait_for(&c, Locator::Id("receipt-code"), "the receipt page").await;
    let code = code_el.text().await.unwrap();
    assert!(
        code.len() == 9 && code.as_bytes()[4] == b'-',
        "a receipt code like K7M2-9QXR, not {code:?}"
    );
    assert_phone_friendly(&c, "the receipt page").await;
    // The copy button is there (the script shows it) and says what it did.
    let copy = c.find(Locator::Css("button[data-copy]")).await.unwrap();
    assert!(copy.is_displayed().await.unwrap(), "the copy button shows");
    copy.click().await.expect("copying");
    wait_for(
        &c,
        Locator::XPath(
            "//span[contains(@class,'copy-status') and normalize-space(string()) != '']",
        ),
        "a word after copying",
    )
    .await;
    shot(&c, &dir, "resident-4-receipt.png").await;

    // One case, with this code.
    assert_eq!(liaison_domain::cases::count(&db).await.unwrap(), 1);

    // Its progress.
    click(&c, Locator::Id("track-link")).await;
    let timeline = wait_for(&c, Locator::Id("timeline"), "the tracking page").await;
    assert!(timeline.text().await.unwrap().contains("提交意见"));
    assert_eq!(
        c.find(Locator::Id("track-code"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        code
    );
    assert_eq!(
        c.find(Locator::Id("status-h"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "已提交"
    );
    assert_phone_friendly(&c, "the tracking page").await;
    shot(&c, &dir, "resident-5-tracking.png").await;

    // English, one click away.
    click(&c, Locator::Css("a.lang-switch")).await;
    wait_for(
        &c,
        Locator::XPath("//html[@lang='en']"),
        "the page in English",
    )
    .await;
    assert_eq!(
        c.find(Locator::Id("status-h"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Sent"
    );
    shot(&c, &dir, "resident-6-tracking-en.png").await;

    // The station's poster, as staff would print it.
    c.goto(&format!("{base}/s/lunan/poster?lang=zh"))
        .await
        .unwrap();
    let qr = wait_for(&c, Locator::Css("img.poster-qr"), "the poster").await;
    let loaded = js(
        &c,
        "const i = document.querySelector('img.poster-qr'); return i.complete && i.naturalWidth > 0;",
    )
    .await;
    assert_eq!(loaded, json!(true), "the QR image loads");
    assert!(qr.is_displayed().await.unwrap());
    shot(&c, &dir, "poster-station.png").await;

    // Staff sign in and find the case on their station's list.
    c.goto(&format!("{base}/login")).await.unwrap();
    wait_for(&c, Locator::Id("login-form"), "the sign-in page").await;
    assert_phone_friendly(&c, "the sign-in page").await;
    fill(&c, "f-username", "staff").await;
    fill(&c, "f-password", "staff-demo-2026").await;
    click(&c, Locator::Css("#login-form button[type=submit]")).await;
    wait_for(&c, Locator::XPath("//div[@class='flash']"), "signed in").await;
    c.goto(&format!("{base}/desk/lunan")).await.unwrap();
    let table = wait_for(&c, Locator::Css("table.cases"), "the station's cases").await;
    assert!(table.text().await.unwrap().contains(&code));
    shot(&c, &dir, "staff-desk.png").await;

    // They open the case, register it and pass it on with the buttons.
    c.find(Locator::XPath(&format!(
        "//table[contains(@class,'cases')]//a[contains(@class,'code') and normalize-space()='{code}']"
    )))
    .await
    .expect("the case's link")
    .click()
    .await
    .unwrap();
    wait_for(
        &c,
        Locator::Css("#form-register button[type=submit]"),
        "the case page with its register button",
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for(&c, Locator::XPath("//div[@class='flash']"), "registered").await;
    let lead = wait_for(&c, Locator::Id("f-assign-lead"), "the assign form").await;
    lead.select_by_value("housing").await.unwrap();
    click(&c, Locator::Css("#form-assign button[type=submit]")).await;
    let shown = wait_for(&c, Locator::Id("case-lead"), "the case passed on").await;
    assert!(shown.text().await.unwrap().contains("区住建局"));
    let status = c
        .find(Locator::Id("summary-h"))
        .await
        .unwrap()
        .attr("data-status")
        .await
        .unwrap();
    assert_eq!(status.as_deref(), Some("assigned"));
    assert_phone_friendly(&c, "the case page").await;
    shot(&c, &dir, "staff-case.png").await;
}

#[tokio::test]
async fn a_resident_walks_from_the_station_page_to_tracking_on_a_phone() {
    if skip_browser() {
        eprintln!("skipped: LIAISON_SKIP_BROWSER=1");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver().await;
    let client = open_browser(&driver).await;
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    // The walk runs apart, so that the browser is closed whatever happens in it.
    let outcome = tokio::spawn(walk(
        client.clone(),
        app.address.clone(),
        app.db.clone(),
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
