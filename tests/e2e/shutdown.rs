//! SIGTERM during intake: the real binary, residents filing cases from many connections at
//! once, stopped mid-load. Every case it answered 201 is in the database afterwards, with its
//! first event; it exits by itself (status 0) within the grace period.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::child::{Place, Scratch};
use crate::support::*;

const CLIENTS: usize = 24;

async fn sigterm_loses_no_acknowledged_case(b: Backend) {
    let prepared = prepare_app(b, |_| {}).await;
    let scratch = Scratch::new("liaison-shutdown");
    let place = Place {
        db_url: prepared.settings.database.url.clone(),
        photos: PathBuf::from(&prepared.settings.photos.dir),
        dir: scratch.path().to_owned(),
    };
    let mut server = place
        .serve("serve", &[("LIAISON__SERVER__SHUTDOWN_GRACE_SECS", "60")])
        .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .unwrap();

    // Residents file cases until the server stops answering them.
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (client, url) = (client.clone(), format!("{}/api/v1/cases", server.base));
            let (acked, answered) = (acked.clone(), answered.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let mut body = case_body(if i % 2 == 0 { "lunan" } else { "jinqing" });
                    body["description"] =
                        serde_json::json!(format!("第{i}-{n}件：路灯坏了半个多月，希望尽快修好。"));
                    let Ok(r) = client.post(&url).json(&body).send().await else {
                        return;
                    };
                    if r.status().as_u16() != 201 {
                        return;
                    }
                    let Ok(created) = r.json::<serde_json::Value>().await else {
                        return;
                    };
                    let code = created["receipt_code"].as_str().unwrap().to_owned();
                    acked.lock().unwrap().push(code);
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // Mid-load: once a good number are in, SIGTERM while every client has one in flight.
    wait_until(Duration::from_secs(120), "cases acknowledged", || async {
        let n = answered.load(Ordering::SeqCst);
        if n >= 60 {
            Ok(())
        } else {
            Err(format!("{n} so far"))
        }
    })
    .await;
    server.terminate();
    let at_signal = answered.load(Ordering::SeqCst);

    let status = tokio::time::timeout(Duration::from_secs(120), server.child.wait())
        .await
        .expect("the server exited within the grace period")
        .unwrap();
    for task in load {
        task.await.unwrap();
    }
    let log = place.log("serve");
    assert!(status.success(), "exit status {status}:\n{log}");
    assert!(log.contains("stopping"), "{log}");
    assert!(log.contains("stopped"), "{log}");

    // Every acknowledged case is there, with its submit event.
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "{} cases acknowledged, {} of them after SIGTERM",
        acked.len(),
        acked.len() - at_signal
    );
    let stored: std::collections::HashSet<String> =
        texts(&prepared.db, "SELECT receipt_code FROM cases")
            .await
            .into_iter()
            .collect();
    let lost: Vec<_> = acked.iter().filter(|c| !stored.contains(*c)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(stored.len() >= acked.len());
    assert_eq!(
        count(
            &prepared.db,
            "SELECT COUNT(*) FROM case_events WHERE action = 'submit'"
        )
        .await,
        stored.len() as i64,
        "each case has its first event"
    );
}

both_backends!(sigterm_loses_no_acknowledged_case);
