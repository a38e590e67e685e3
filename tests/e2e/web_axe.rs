//! axe-core, the accessibility engine browsers' own audits build on, run in headless Chromium on
//! every main page at a phone (390×844) and a laptop (1366×768): the resident's station page,
//! tracking and sign-in (the station with its banner photo), the staff desk and its duty
//! roster, the handler's and the deputy's desks, the console with a station's edit page, the
//! cockpit, both screens and the notifications. No violation of impact "critical" or "serious"
//! may remain; each one found is printed with its rule, its help and the first elements.
//!
//! `./scripts/test` installs a pinned axe-core from the npm registry under `target/axe/`. If it
//! is missing the test fails, saying how to install it, unless `LIAISON_SKIP_BROWSER=1` skips
//! the browser tests on purpose.

use std::path::PathBuf;

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::support::{Backend, spawn_app};
use crate::web_browser::{
    open_browser_sized, skip_browser, start_chromedriver, target_dir, wait_for,
};
use crate::web_screens::{seed, sign_in, viewport};

const SIZES: [(u32, u32); 2] = [(390, 844), (1366, 768)];

/// Who signs in to see a page (user name and password), or nobody.
type Who<'a> = Option<(&'a str, &'a str)>;

fn axe_source() -> String {
    let path: PathBuf = target_dir().join("axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not installed ({}: {e}). ./scripts/test installs it \
             (npm install --prefix target/axe axe-core@4.10.2 --no-audit --no-fund --no-save); \
             set LIAISON_SKIP_BROWSER=1 to skip the browser tests on purpose.",
            path.display()
        )
    })
}

/// Runs axe on the page now shown and returns its critical and serious violations, each as
/// `{id, impact, help, nodes, targets}` with the first three elements' selectors.
async fn audit(c: &Client, axe: &str) -> Vec<Value> {
    // Evaluated as the WebDriver script itself (not an inline <script>), so that the pages'
    // content security policy does not stop it; axe puts itself on `window`.
    c.execute(&format!("{axe}\nreturn typeof window.axe;"), vec![])
        .await
        .expect("loading axe-core");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { resultTypes: ['violations'] }) \
               .then(r => done(r.violations \
                 .filter(v => v.impact === 'critical' || v.impact === 'serious') \
                 .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, \
                              targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')) })))) \
               .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
            vec![],
        )
        .await
        .expect("running axe-core");
    found.as_array().cloned().unwrap_or_default()
}

async fn walk(c: Client, driver: String, base: String, receipt: String) -> Vec<String> {
    let axe = axe_source();
    let tracking = format!("/t/{receipt}");
    // Who looks at which page: nobody signed in, then each role on its own desk.
    let pages: [(Who, &[&str]); 5] = [
        (
            None,
            &[
                "/s/lunan",
                &tracking,
                "/login",
                "/screen",
                "/s/lunan/screen",
            ],
        ),
        (
            Some(("staff", "staff-demo-2026")),
            &["/desk/lunan", "/desk/lunan/duty"],
        ),
        (Some(("handler", "handler-demo-2026")), &["/org"]),
        (
            Some(("deputy", "deputy-demo-2026")),
            &["/deputy", "/notifications"],
        ),
        (
            Some(("ops", "ops-demo-2026")),
            &["/console", "/console/stations/lunan", "/cockpit/lunan"],
        ),
    ];
    // A page of the app first: the viewport cannot be set on the browser's blank page.
    c.goto(&format!("{base}/login")).await.unwrap();
    let mut failures = Vec::new();
    for (who, paths) in pages {
        if let Some((user, password)) = who {
            sign_in(&c, &base, user, password).await;
        } else {
            c.delete_all_cookies().await.ok();
        }
        for path in paths {
            for (w, h) in SIZES {
                viewport(&c, &driver, w, h).await;
                c.goto(&format!("{base}{path}")).await.unwrap();
                wait_for(&c, Locator::Css("main"), path).await;
                let started = std::time::Instant::now();
                let found = audit(&c, &axe).await;
                eprintln!(
                    "axe {path} at {w}×{h}: {} critical or serious in {:?}",
                    found.len(),
                    started.elapsed()
                );
                for v in found {
                    failures.push(format!(
                        "{path} at {w}×{h}: {} ({}) {} — {} element(s), first {}",
                        v["id"].as_str().unwrap_or("?"),
                        v["impact"].as_str().unwrap_or("?"),
                        v["help"].as_str().unwrap_or(""),
                        v["nodes"],
                        v["targets"]
                    ));
                }
            }
        }
    }
    failures
}

#[tokio::test]
async fn axe_finds_no_critical_or_serious_violation_on_the_main_pages() {
    if skip_browser() {
        eprintln!("skipped: LIAISON_SKIP_BROWSER=1");
        return;
    }
    // Checked before anything starts, so that a missing install says so at once.
    drop(axe_source());
    let app = spawn_app(Backend::Sqlite).await;
    seed(&app).await;
    let receipt = app.submit_at("lunan").await.receipt_code;
    let driver = start_chromedriver().await;
    let client = open_browser_sized(&driver, (1920, 1400)).await;
    let outcome = tokio::spawn(walk(
        client.clone(),
        driver.url.clone(),
        app.address.clone(),
        receipt,
    ))
    .await;
    let _ = client.close().await;
    drop(driver);
    match outcome {
        Ok(failures) => assert!(
            failures.is_empty(),
            "axe-core found {} critical or serious violation(s):\n{}",
            failures.len(),
            failures.join("\n")
        ),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the browser walk did not finish: {e}"),
    }
}
