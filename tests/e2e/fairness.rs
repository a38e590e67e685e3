//! Plugins that cannot starve their neighbours (issue 11, items 3 and 6–9): a flood of one
//! plugin's calls, guests spinning on the CPU, sleeps inside the host, answers of 50 MB, pages
//! of slow views, slow listeners, and failures dodging suspension. Each test asserts what a
//! person sees (answers, notices, who is suspended), not how fast the machine is.

use std::time::{Duration, Instant};

use liaison_domain::configuration::Settings;
use serde_json::{Value, json};

use crate::plugins::{FAULT_LAB, HELLO, HELLO_CAPS, station_state};
use crate::support::{
    Backend, Package, Resp, TestApp, count, plugin_settings, spawn_app_with, wait_until,
};

both_backends!(
    a_flood_of_one_plugin_leaves_others_their_slots,
    a_busy_host_answers_503_with_retry_after_and_charges_nobody,
    a_spinning_plugin_does_not_make_others_miss_their_deadline,
    a_sleep_inside_the_host_is_stopped_at_the_deadline,
    waiting_for_a_slot_is_not_the_plugins_time,
    an_oversized_answer_is_refused_before_it_is_copied,
    a_page_answers_within_its_budget,
    a_slow_listener_delays_only_itself,
    failures_are_counted_over_a_window,
    failures_outside_the_window_are_forgotten,
    the_log_is_capped_per_minute,
);

/// A server with fault-lab (its settings as given) and hello-brand enabled at 路南; ops' token.
async fn with_brands(
    b: Backend,
    fault_settings: Value,
    tweak: impl FnOnce(&mut Settings),
) -> (TestApp, String) {
    let app = spawn_app_with(b, |s| {
        plugin_settings(s);
        tweak(s);
    })
    .await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::hello()).await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", HELLO, &HELLO_CAPS, json!({}))
        .await
        .expect(200);
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], fault_settings)
        .await
        .expect(200);
    (app, ops)
}

async fn fault(app: &TestApp, action: &str, values: Value) -> Resp {
    app.plugin_act(None, "lunan", FAULT_LAB, action, values)
        .await
}

/// The victim: hello-brand's home view answers.
async fn hello_answers(app: &TestApp) {
    app.plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
}

/// hello-brand at 路南 has no failure on its record and is not suspended.
async fn hello_untouched(app: &TestApp, ops: &str) {
    let state = station_state(app, ops, HELLO, "lunan").await;
    assert_eq!(state["suspended"], false, "{state}");
    assert_eq!(state["failures_in_window"], 0, "{state}");
    assert_eq!(state["stats"]["failures"], 0, "{state}");
}

/// 140 slow calls of one plugin at once (more than the instance pool holds): the neighbour's
/// calls all start and answer, and it is charged nothing.
async fn a_flood_of_one_plugin_leaves_others_their_slots(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |_| {}).await;
    let flood = futures_util::future::join_all(
        (0..140).map(|_| fault(&app, "sleep", json!({ "ms": "800" }))),
    );
    let victim = async {
        // Give the flood a moment to take its slots, then call the neighbour through it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        for _ in 0..5 {
            hello_answers(&app).await;
        }
    };
    let (answers, ()) = tokio::join!(flood, victim);
    let slept = answers.iter().filter(|r| r.status == 200).count();
    assert!(slept >= 1, "some of the flood ran");
    hello_untouched(&app, &ops).await;
}

/// Calls that never started because the plugin's slots were taken answer 503 with
/// Retry-After and the code `busy`; they are not the plugin's failures (no suspension).
async fn a_busy_host_answers_503_with_retry_after_and_charges_nobody(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |_| {}).await;
    let answers = futures_util::future::join_all(
        (0..40).map(|_| fault(&app, "sleep", json!({ "ms": "800" }))),
    )
    .await;
    let busy: Vec<&Resp> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "8 slots for 40 calls of 800 ms and a wait of 250 ms: some must be refused"
    );
    for r in &busy {
        assert_eq!(r.body["error"]["code"], "busy", "{}", r.text);
        assert_eq!(
            r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1"),
            "{:?}",
            r.headers
        );
    }
    for r in answers.iter().filter(|r| r.status != 503) {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["suspended"], false, "{state}");
    assert_eq!(state["failures_in_window"], 0, "{state}");
    assert_eq!(state["stats"]["failures"], 0, "{state}");
    assert_eq!(
        state["stats"]["busy"].as_u64(),
        Some(busy.len() as u64),
        "{state}"
    );
    // Free again, it runs.
    let r = fault(&app, "ok", json!({})).await.expect(200);
    assert_eq!(r.body["message"], "ok");
}

/// Guests spinning on the CPU until their deadline run on threads of their own: the
/// neighbour's calls keep their deadlines, and it is charged nothing.
async fn a_spinning_plugin_does_not_make_others_miss_their_deadline(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |_| {}).await;
    let spin = futures_util::future::join_all((0..4).map(|_| fault(&app, "loop", json!({}))));
    let victim = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for _ in 0..5 {
            hello_answers(&app).await;
        }
    };
    let (spun, ()) = tokio::join!(spin, victim);
    for r in &spun {
        assert!(r.message().contains("deadline"), "{}", r.text);
    }
    hello_untouched(&app, &ops).await;
}

/// A plugin waiting inside the host (a WASI sleep) is stopped at its own deadline, not by a
/// timer of four times it.
async fn a_sleep_inside_the_host_is_stopped_at_the_deadline(b: Backend) {
    let (app, _) = with_brands(b, json!({}), |s| s.plugins.view_deadline_ms = 300).await;
    let started = Instant::now();
    let r = fault(&app, "sleep", json!({ "ms": "20000" }))
        .await
        .expect_error(503, "unavailable", None);
    let took = started.elapsed();
    assert!(r.message().contains("300ms deadline"), "{}", r.text);
    // Four times the deadline and two seconds would be 3.2 s.
    assert!(took < Duration::from_millis(2500), "stopped after {took:?}");
    fault(&app, "ok", json!({})).await.expect(200);
}

/// With one slot per plugin, a call that waited for the slot longer than a slept call takes
/// still has its whole deadline: the wait is not counted.
async fn waiting_for_a_slot_is_not_the_plugins_time(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |s| {
        s.plugins.max_concurrent_per_plugin = 1;
        s.plugins.queue_wait_ms = 5_000;
    })
    .await;
    // Each sleeps 600 ms of its 1000 ms; the last one waits about 1.2 s for its slot first.
    let answers = futures_util::future::join_all(
        (0..3).map(|_| fault(&app, "sleep", json!({ "ms": "600" }))),
    )
    .await;
    for r in answers {
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["message"], "slept");
    }
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["stats"]["failures"], 0, "{state}");
}

/// An answer of 50 MB is refused while wasmtime lifts it, before it is copied into the host;
/// two at once leave the server answering.
async fn an_oversized_answer_is_refused_before_it_is_copied(b: Backend) {
    // Memory enough for the guest to build 50 MB: the host's cap on the answer is what is tried.
    let (app, _) = with_brands(b, json!({}), |s| s.plugins.memory_mib = 128).await;
    let huge = || fault(&app, "huge", json!({ "mib": "50" }));
    let (a, b2) = tokio::join!(huge(), huge());
    for r in [a, b2] {
        let r = r.expect_error(503, "unavailable", None);
        assert!(
            r.message().contains("larger than 1048576 bytes")
                && r.message().contains("refused before it was copied"),
            "{}",
            r.text
        );
    }
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(health.status().as_u16(), 200);
    // An answer under the limit still comes through whole.
    let r = fault(&app, "ok", json!({})).await.expect(200);
    assert_eq!(r.body["message"], "ok");
}

/// A station page renders its brand views side by side under one budget: the views done by
/// then are shown, the one still running is a notice, and the page does not wait for it.
async fn a_page_answers_within_its_budget(b: Backend) {
    let (app, ops) = with_brands(
        b,
        json!({ "slow_a_ms": 300, "slow_b_ms": 300, "slow_c_ms": 3000 }),
        |s| {
            // Every view is within its own deadline; only the page's budget is short.
            s.plugins.view_deadline_ms = 5_000;
            s.plugins.page_budget_ms = 1_500;
        },
    )
    .await;
    let page = app
        .client
        .get(format!("{}/s/lunan", app.address))
        .send()
        .await
        .expect("the page answers");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("the page's text");
    // One after the other, these would have taken 3.6 s and shown every view.
    assert!(html.contains("slow-a done"), "{html}");
    assert!(html.contains("slow-b done"), "{html}");
    assert!(!html.contains("slow-c done"), "{html}");
    assert!(
        html.contains("该服务未能及时响应"),
        "the late view's notice: {html}"
    );
    // Missing the page's budget is not the plugin's failure.
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["failures_in_window"], 0, "{state}");
}

/// Deliveries of one (plugin, station) wait for each other, and no one else's: with fault-lab
/// sleeping 600 ms per event, hello-brand has all its events while fault-lab still works.
async fn a_slow_listener_delays_only_itself(b: Backend) {
    let (app, _) = with_brands(b, json!({ "event_sleep_ms": 600 }), |_| {}).await;
    for _ in 0..5 {
        app.submit_at("lunan").await;
    }
    let pending_of = |plugin: &'static str| {
        let db = app.db.clone();
        async move {
            count(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM plugin_deliveries WHERE plugin_id = '{plugin}' AND status <> 'done'"
                ),
            )
            .await
        }
    };
    wait_until(
        Duration::from_secs(20),
        "hello-brand's five events",
        || async {
            let hello_total = app
                .count(&format!(
                    "SELECT COUNT(*) FROM plugin_deliveries WHERE plugin_id = '{HELLO}'"
                ))
                .await;
            let pending = pending_of(HELLO).await;
            if hello_total == 5 && pending == 0 {
                Ok(())
            } else {
                Err(format!("{hello_total} deliveries, {pending} not done"))
            }
        },
    )
    .await;
    // One queue for all would have put each hello event behind a fault-lab one.
    let fault_pending = pending_of(FAULT_LAB).await;
    assert!(
        fault_pending >= 2,
        "fault-lab had {fault_pending} events left when hello-brand had all of its own"
    );
    // And fault-lab gets all of its own too, in time.
    wait_until(
        Duration::from_secs(20),
        "fault-lab's five events",
        || async {
            match pending_of(FAULT_LAB).await {
                0 => Ok(()),
                n => Err(format!("{n} not done")),
            }
        },
    )
    .await;
}

/// Five failures within the window suspend the plugin, successes in between or not.
async fn failures_are_counted_over_a_window(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |_| {}).await;
    for i in 1..=4 {
        fault(&app, "trap", json!({}))
            .await
            .expect_error(503, "unavailable", None);
        // A success used to reset the count.
        fault(&app, "ok", json!({})).await.expect(200);
        let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
        assert_eq!(state["failures_in_window"], i, "{state}");
        assert_eq!(state["suspended"], false, "{state}");
    }
    fault(&app, "trap", json!({}))
        .await
        .expect_error(503, "unavailable", None);
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["suspended"], true, "{state}");
    let r = fault(&app, "ok", json!({}))
        .await
        .expect_error(503, "unavailable", None);
    assert!(r.message().contains("suspended"), "{}", r.text);
    hello_untouched(&app, &ops).await;
    // Ops resume it: the window starts afresh.
    app.post(
        &format!("/stations/lunan/plugins/{FAULT_LAB}/resume"),
        Some(&ops),
        &json!({}),
    )
    .await
    .expect(204);
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["failures_in_window"], 0, "{state}");
    assert_eq!(state["failure_window_from"], Value::Null, "{state}");
    fault(&app, "ok", json!({})).await.expect(200);
}

/// Failures further apart than the window do not add up.
async fn failures_outside_the_window_are_forgotten(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |s| s.plugins.failure_window_secs = 3).await;
    for _ in 0..4 {
        fault(&app, "trap", json!({}))
            .await
            .expect_error(503, "unavailable", None);
    }
    tokio::time::sleep(Duration::from_millis(3_300)).await;
    for _ in 0..4 {
        fault(&app, "trap", json!({}))
            .await
            .expect_error(503, "unavailable", None);
    }
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["suspended"], false, "{state}");
    assert_eq!(state["failures_in_window"], 4, "{state}");
    assert_eq!(state["stats"]["failures"], 8, "{state}");
}

/// Past 1000 lines in a minute a plugin's further lines are dropped (and counted), whatever
/// each call's own cap leaves.
async fn the_log_is_capped_per_minute(b: Backend) {
    let (app, ops) = with_brands(b, json!({}), |_| {}).await;
    // Each call asks for 900 lines and gets 100 (the per-call cap): ten calls fill the minute.
    for _ in 0..10 {
        fault(&app, "chatter", json!({})).await.expect(200);
    }
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["stats"]["log_dropped"], 10 * 800, "{state}");
    // The eleventh writes nothing.
    fault(&app, "chatter", json!({})).await.expect(200);
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["stats"]["log_dropped"], 10 * 800 + 900, "{state}");
}
