//! End-to-end tests of how suggestions are numbered and handled on both backends: filing
//! numbers stay unique when deputies file at the same moment.

use std::collections::HashSet;

use chrono::Datelike;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, spawn_app};

both_backends!(filing_at_once_takes_distinct_numbers);

async fn session(app: &TestApp, ops: &str) -> i64 {
    app.post(
        "/congress-sessions",
        Some(ops),
        &json!({
            "level": "district", "term": 18, "meeting": 3,
            "name": "路桥区第十八届人民代表大会第三次会议",
            "opens_on": format!("{}-01-10", app.today().year()),
        }),
    )
    .await
    .expect(201)
    .body["id"]
        .as_i64()
        .unwrap()
}

fn filing(session: i64, n: usize) -> Value {
    json!({
        "kind": "suggestion",
        "session": session,
        "title": format!("关于第{n}号路段路灯修复的建议"),
        "body": "多处路灯损坏已有一个月，居民夜间出行不便，建议尽快修复并建立巡查机制。",
    })
}

async fn filing_at_once_takes_distinct_numbers(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let one = app.login_demo("deputy").await;
    let two = app
        .add_user("lunan-d02-user", "deputy", None, None, Some("lunan-d02"))
        .await;
    let s = session(&app, &ops).await;
    // Two deputies file twelve items at the same moment: every one is taken, none shares a
    // number, and the numbers run from 1 with none skipped.
    const N: usize = 12;
    let answers = futures_util::future::join_all((0..N).map(|i| {
        let token = if i % 2 == 0 { &one } else { &two };
        let app = &app;
        async move { app.post("/suggestions", Some(token), &filing(s, i)).await }
    }))
    .await;
    let numbers: HashSet<String> = answers
        .into_iter()
        .map(|r| r.expect(201).body["number"].as_str().unwrap().to_owned())
        .collect();
    let expected: HashSet<String> = (1..=N).map(|n| format!("建议第{n}号")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT serial) FROM suggestions")
            .await,
        N as i64
    );
}
