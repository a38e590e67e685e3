//! A 201 means the case is on disk. The real binary is killed (SIGKILL, no chance to flush or
//! shut down) the moment the answers arrive, started again on the same SQLite file, and every
//! case answered 201 is still there.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::support::{case_body, free_port, unique};

const BIN: &str = env!("CARGO_BIN_EXE_liaison-under-test");

/// A temporary working folder, removed at the end.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The command run in `dir` (no config files there: only the embedded defaults and these
/// variables), logging to `<dir>/<log>.log`.
fn liaison(dir: &Path, db_url: &str, port: u16, arg: &str, log: &str) -> Command {
    let mut c = Command::new(BIN);
    c.arg(arg).current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LIAISON__") || key == "RUST_LOG" {
            c.env_remove(key);
        }
    }
    let out = std::fs::File::create(dir.join(format!("{log}.log"))).expect("a log file");
    let err = out.try_clone().expect("a log file");
    c.env("LIAISON__SERVER__HOST", "127.0.0.1")
        .env("LIAISON__SERVER__PORT", port.to_string())
        .env("LIAISON__DATABASE__URL", db_url)
        .env("LIAISON__AUTH__ARGON2_MEMORY_KIB", "64")
        .env("LIAISON__AUTH__ARGON2_ITERATIONS", "1")
        .env("LIAISON__LOG__FILTER", "warn")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .kill_on_drop(true);
    c
}

fn log_of(dir: &Path, log: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{log}.log"))).unwrap_or_default()
}

/// Waits until `/healthz` answers 200; panics with the server's log if it exits or takes long.
async fn wait_healthy(
    client: &reqwest::Client,
    base: &str,
    child: &mut Child,
    dir: &Path,
    log: &str,
) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("polling the server") {
            panic!("the server exited with {status}:\n{}", log_of(dir, log));
        }
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not become healthy within 60 s:\n{}",
            log_of(dir, log)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn accepted_cases_survive_sigkill() {
    let dir = std::env::temp_dir().join(unique("liaison-durability"));
    std::fs::create_dir_all(&dir).unwrap();
    let scratch = Scratch(dir);
    let dir = scratch.0.as_path();
    let db_url = format!(
        "sqlite://{}?mode=rwc",
        dir.join("data/liaison.db").display()
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // Load the district; the command exits when done.
    let status = tokio::time::timeout(
        Duration::from_secs(300),
        liaison(dir, &db_url, free_port(), "demo", "demo").status(),
    )
    .await
    .expect("`demo` finished within 5 minutes")
    .expect("`demo` ran");
    assert!(status.success(), "demo failed:\n{}", log_of(dir, "demo"));
    assert!(dir.join("data/liaison.db").exists());

    // Serve, take cases, and kill it as soon as the last 201 is in.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = liaison(dir, &db_url, port, "serve", "serve-1")
        .spawn()
        .expect("starting the server");
    wait_healthy(&client, &base, &mut server, dir, "serve-1").await;
    let mut accepted = Vec::new();
    for i in 0..5 {
        let mut body = case_body(if i % 2 == 0 { "lunan" } else { "jinqing" });
        body["description"] =
            serde_json::json!(format!("第{i}件：路灯坏了半个多月，希望尽快修好。"));
        let r = client
            .post(format!("{base}/api/v1/cases"))
            .json(&body)
            .send()
            .await
            .expect("posting a case");
        assert_eq!(r.status().as_u16(), 201);
        let created: serde_json::Value = r.json().await.unwrap();
        accepted.push((
            created["id"].as_i64().unwrap(),
            created["receipt_code"].as_str().unwrap().to_owned(),
        ));
    }
    // Then a crowd at once (written in shared commits), killed the moment the last answer is in.
    let crowd = futures_util::future::join_all((0..20).map(|i| {
        let (client, base) = (&client, &base);
        let mut body = case_body("lunan");
        body["description"] =
            serde_json::json!(format!("第{}件：小区门口积水严重，希望尽快疏通。", i + 5));
        async move {
            let r = client
                .post(format!("{base}/api/v1/cases"))
                .json(&body)
                .send()
                .await
                .expect("posting a case");
            assert_eq!(r.status().as_u16(), 201);
            let created: serde_json::Value = r.json().await.unwrap();
            (
                created["id"].as_i64().unwrap(),
                created["receipt_code"].as_str().unwrap().to_owned(),
            )
        }
    }))
    .await;
    server.start_kill().expect("sending SIGKILL");
    accepted.extend(crowd);
    let status = server.wait().await.unwrap();
    assert_eq!(status.signal(), Some(9), "killed, not exited: {status}");

    // Start again on the same file: every accepted case is there, as it was.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = liaison(dir, &db_url, port, "serve", "serve-2")
        .spawn()
        .expect("restarting the server");
    wait_healthy(&client, &base, &mut server, dir, "serve-2").await;
    for (i, (_, code)) in accepted.iter().enumerate() {
        let r = client
            .get(format!("{base}/api/v1/track/{code}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "case {code} was lost");
        let t: serde_json::Value = r.json().await.unwrap();
        assert_eq!(t["status"], "submitted");
        assert_eq!(t["receipt_code"], code.as_str());
        assert!(
            t["description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("第{i}件")),
            "{t}"
        );
    }
    // Staff see them with their history, and the district loaded by `demo` is intact.
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "staff", "password": "staff-demo-2026" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("signed in").to_owned();
    let (id, _) = &accepted[0];
    let d: serde_json::Value = client
        .get(format!("{base}/api/v1/cases/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["events"][0]["action"], "submit", "{d}");
    assert_eq!(d["contact"]["phone"], crate::support::REPORTER_PHONE_MASKED);
    let stations: serde_json::Value = client
        .get(format!("{base}/api/v1/stations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stations.as_array().map(Vec::len), Some(11));

    server.start_kill().ok();
    server.wait().await.ok();
}
