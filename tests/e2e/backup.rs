//! `liaison backup` while the real server takes cases, then `liaison restore` into a fresh
//! place and a server started on it: every case, event and photo acknowledged before the
//! backup began is there. SQLite (the copy is the command's own work); PostgreSQL's backup is
//! pg_dump, whose version the command checks (see `postgres_dump`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::child::{Place, Scratch};
use crate::support::*;

fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, shade, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// What a staff member sees of a case: its events' actions and its photos' bytes.
async fn seen(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: i64,
) -> (Vec<String>, Vec<Vec<u8>>) {
    let d: Value = client
        .get(format!("{base}/api/v1/cases/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = actions_of(&d["events"]);
    let mut photos = Vec::new();
    for p in d["photos"].as_array().expect("photos") {
        let r = client
            .get(format!("{base}{}", p["url"].as_str().unwrap()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "photo {p}");
        photos.push(r.bytes().await.unwrap().to_vec());
    }
    (events, photos)
}

async fn login(client: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let r: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().expect("signed in").to_owned()
}

#[tokio::test]
async fn backup_under_load_restores_every_case_event_and_photo() {
    let prepared = prepare_app(Backend::Sqlite, |_| {}).await;
    let scratch = Scratch::new("liaison-backup");
    let place = Place {
        db_url: prepared.settings.database.url.clone(),
        photos: PathBuf::from(&prepared.settings.photos.dir),
        dir: scratch.path().to_owned(),
    };
    let mut server = place.serve("serve", &[]).await;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .unwrap();
    let staff = login(&client, &base, "staff", "staff-demo-2026").await;

    // Before: cases at the station, some with photos, some moved on by staff.
    let mut before = Vec::new();
    for i in 0..8u8 {
        let mut case = case_body("lunan");
        case["description"] = json!(format!("备份前第{i}件：路灯坏了半个多月，希望尽快修好。"));
        let mut form = reqwest::multipart::Form::new().part(
            "case",
            reqwest::multipart::Part::text(case.to_string())
                .mime_str("application/json")
                .unwrap(),
        );
        if i % 2 == 0 {
            form = form.part(
                "photo",
                reqwest::multipart::Part::bytes(png(24, 16, i * 20)).file_name("p.png"),
            );
        }
        let r = client
            .post(format!("{base}/api/v1/cases"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let created: Value = r.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();
        if i % 3 == 0 {
            let r = client
                .post(format!("{base}/api/v1/cases/{id}/actions/reject"))
                .bearer_auth(&staff)
                .json(&json!({ "reason": "重复反映，已并入前一件办理。" }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
        }
        before.push((id, created["receipt_code"].as_str().unwrap().to_owned()));
    }
    let mut expected = Vec::new();
    for (id, _) in &before {
        expected.push(seen(&client, &base, &staff, *id).await);
    }
    assert!(expected.iter().filter(|(_, p)| !p.is_empty()).count() == 4);

    // Load: residents keep filing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..8)
        .map(|i| {
            let (client, url) = (client.clone(), format!("{base}/api/v1/cases"));
            let (stop, acked, answered) = (stop.clone(), acked.clone(), answered.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let mut body = case_body(if i % 2 == 0 { "lunan" } else { "jinqing" });
                    body["description"] = json!(format!(
                        "备份中第{i}-{n}件：小区门口积水严重，希望尽快疏通。"
                    ));
                    let r = client.post(&url).json(&body).send().await.unwrap();
                    assert_eq!(r.status().as_u16(), 201);
                    let created: Value = r.json().await.unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .push(created["receipt_code"].as_str().unwrap().to_owned());
                    answered.fetch_add(1, Ordering::SeqCst);
                    n += 1;
                }
            })
        })
        .collect();
    wait_until(Duration::from_secs(120), "load under way", || async {
        let n = answered.load(Ordering::SeqCst);
        if n >= 20 {
            Ok(())
        } else {
            Err(format!("{n} so far"))
        }
    })
    .await;
    let acked_before: Vec<String> = acked.lock().unwrap().clone();
    let backup_dir = scratch.path().join("backup-1");
    let (ok, log) = place
        .run(&["backup", backup_dir.to_str().unwrap()], "backup")
        .await;
    let during = answered.load(Ordering::SeqCst) - acked_before.len();
    assert!(ok, "backup failed:\n{log}");
    assert!(log.contains("backed up"), "{log}");
    stop.store(true, Ordering::SeqCst);
    for t in load {
        t.await.unwrap();
    }
    eprintln!("{during} cases were acknowledged while the backup ran");
    server.terminate();
    server.child.wait().await.unwrap();
    assert!(backup_dir.join("liaison.db").is_file());
    // Photos live in the database (`case_photo_data`), so the database's copy carries them;
    // the restored server showing every photo's bytes below is the proof.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup_dir.join("backup.json")).unwrap()).unwrap();
    assert_eq!(manifest["backend"], "sqlite");
    assert!(manifest["cases"].as_i64().unwrap() >= (before.len() + acked_before.len()) as i64);

    // Restore into a fresh place and serve from it.
    let fresh = Scratch::new("liaison-restored");
    let restored = Place {
        db_url: format!(
            "sqlite://{}?mode=rwc",
            fresh.path().join("data/liaison.db").display()
        ),
        photos: fresh.path().join("photos"),
        dir: fresh.path().to_owned(),
    };
    let (ok, log) = restored
        .run(&["restore", backup_dir.to_str().unwrap()], "restore")
        .await;
    assert!(ok, "restore failed:\n{log}");
    // A second restore would overwrite a database with data: refused without --force.
    let (ok, log) = restored
        .run(&["restore", backup_dir.to_str().unwrap()], "restore-again")
        .await;
    assert!(!ok, "a restore over data must be refused:\n{log}");
    assert!(log.contains("--force"), "{log}");
    let (ok, log) = restored
        .run(
            &["restore", backup_dir.to_str().unwrap(), "--force"],
            "restore-forced",
        )
        .await;
    assert!(ok, "a forced restore works:\n{log}");

    let mut server = restored.serve("serve-restored", &[]).await;
    let base = server.base.clone();
    let staff = login(&client, &base, "staff", "staff-demo-2026").await;
    for ((id, code), (events, photos)) in before.iter().zip(&expected) {
        let r = client
            .get(format!("{base}/api/v1/track/{code}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            200,
            "case {code}: {}",
            r.text().await.unwrap()
        );
        let (events_now, photos_now) = seen(&client, &base, &staff, *id).await;
        assert_eq!(&events_now, events, "the events of case {id}");
        assert_eq!(&photos_now, photos, "the photos of case {id}");
    }
    for code in &acked_before {
        let r = client
            .get(format!("{base}/api/v1/track/{code}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            200,
            "case {code}, filed before the backup: {}",
            r.text().await.unwrap()
        );
    }
    server.terminate();
    server.child.wait().await.unwrap();
}

/// PostgreSQL: the command checks pg_dump against the server and writes a custom-format dump
/// that pg_restore reads back into a fresh database, which a server then runs on.
#[tokio::test]
async fn postgres_backup_is_a_pg_dump_that_restores() {
    if skip_postgres() {
        eprintln!("skipped: LIAISON_SKIP_PG=1");
        return;
    }
    let prepared = prepare_app(Backend::Postgres, |_| {}).await;
    let scratch = Scratch::new("liaison-pgbackup");
    let place = Place {
        db_url: prepared.settings.database.url.clone(),
        photos: PathBuf::from(&prepared.settings.photos.dir),
        dir: scratch.path().to_owned(),
    };
    let mut server = place.serve("serve", &[]).await;
    let mut codes = Vec::new();
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let r: Value = client
            .post(format!("{}/api/v1/cases", server.base))
            .json(&case_body("lunan"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        codes.push(r["receipt_code"].as_str().unwrap().to_owned());
    }
    let dir = scratch.path().join("pg-backup");
    let (ok, log) = place
        .run(&["backup", dir.to_str().unwrap()], "backup")
        .await;
    assert!(ok, "backup failed:\n{log}");
    server.terminate();
    server.child.wait().await.unwrap();
    assert!(dir.join("liaison.pgdump").is_file());

    // pg_restore into a fresh database (the documented procedure), then serve from it.
    let target = prepare_app(Backend::Postgres, |_| {}).await;
    // prepare_app migrated and seeded it; restoring needs it empty.
    execute(&target.db, "DROP SCHEMA public CASCADE").await;
    execute(&target.db, "CREATE SCHEMA public").await;
    let out = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&target.settings.database.url)
        .arg(dir.join("liaison.pgdump"))
        .output()
        .expect("running pg_restore");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = Place {
        db_url: target.settings.database.url.clone(),
        photos: scratch.path().join("photos-restored"),
        dir: scratch.path().to_owned(),
    };
    let mut server = restored.serve("serve-restored", &[]).await;
    for code in &codes {
        let r = client
            .get(format!("{}/api/v1/track/{code}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "case {code} lost");
    }
    server.terminate();
    server.child.wait().await.unwrap();
}

/// A backup that fails (here: its folder cannot be made) exits non-zero and tells ops in the
/// product as well, so a nightly job failing quietly does not go unseen.
#[tokio::test]
async fn a_failed_backup_alerts_ops() {
    let prepared = prepare_app(Backend::Sqlite, |_| {}).await;
    let scratch = Scratch::new("liaison-backup-fails");
    let place = Place {
        db_url: prepared.settings.database.url.clone(),
        photos: PathBuf::from(&prepared.settings.photos.dir),
        dir: scratch.path().to_owned(),
    };
    // A plain file where the backup's parent folder should be.
    let blocker = scratch.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let dir = blocker.join("backup");
    let (ok, log) = place
        .run(&["backup", dir.to_str().unwrap()], "backup")
        .await;
    assert!(!ok, "the backup should have failed:\n{log}");
    let alerts = count(
        &prepared.db,
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.kind = 'ops.alert' AND u.role = 'ops' AND n.data LIKE '%backup failed%'",
    )
    .await;
    assert!(alerts >= 1, "no ops alert about the failed backup:\n{log}");
}
