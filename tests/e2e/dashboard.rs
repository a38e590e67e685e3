//! The dashboards over the real server on both backends: the organisation measures the appraisal
//! reads, computed by hand on a small fixture; the counters kept by the live hooks equal a full
//! recount (and the plain counts of the cases table) after random walks of transitions, intake
//! batches and the sweeper; and after each round every figure the dashboards show, in every
//! dimension, equals plain SQL counts of the cases and their events (`dashboard_figures`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration};
use liaison_domain::dashboard::measures::{OrgMeasures, org_year};
use liaison_domain::dashboard::{counters, recount};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::support::{Backend, TEST_PASSWORD, TestApp, case_body, spawn_app};

both_backends!(
    organisation_measures_match_a_hand_count,
    counters_equal_a_recount_after_random_walks,
);

async fn org_id(app: &TestApp, code: &str) -> i64 {
    liaison_domain::orgs::by_code(&app.db, code)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no organisation {code}"))
        .id
}

fn assign(lead: &str) -> Value {
    json!({ "lead": lead })
}

async fn organisation_measures_match_a_hand_count(b: Backend) {
    let app = spawn_app(b).await;
    let mut ops = app.login_demo("ops").await;
    let mut housing_h = app.login_demo("handler").await;
    let eco_h = app
        .add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let (housing, eco) = (org_id(&app, "housing").await, org_id(&app, "eco").await);
    let year_at = |days: i64| (app.today() + Duration::days(days)).year();
    let (y0, y10, y50) = (year_at(0), year_at(10), year_at(50));
    // (year, organisation) → measures, filled in by hand beside each step below.
    let mut want: HashMap<(i32, i64), OrgMeasures> = HashMap::new();

    let a = app.submit_at("lunan").await;
    let b_ = app.submit_at("lunan").await;
    let c = app.submit_at("lubei").await;
    for id in [a.id, b_.id, c.id] {
        app.act(Some(&ops), id, "register", json!({}))
            .await
            .expect(200);
    }
    // Day 0. A: assigned to housing, signed and answered at once, rated satisfied.
    app.act(Some(&ops), a.id, "assign", assign("housing"))
        .await
        .expect(200);
    want.entry((y0, housing)).or_default().assigned += 1;
    app.act(Some(&housing_h), a.id, "acknowledge", json!({}))
        .await
        .expect(200);
    want.entry((y0, housing)).or_default().signed += 1;
    want.entry((y0, housing)).or_default().signed_on_time += 1;
    app.act(
        Some(&housing_h),
        a.id,
        "reply",
        json!({ "answer": "已安排维修，路灯已恢复。" }),
    )
    .await
    .expect(200);
    want.entry((y0, housing)).or_default().replied += 1;
    want.entry((y0, housing)).or_default().replied_on_time += 1;
    app.act(
        Some(&ops),
        a.id,
        "feedback",
        json!({ "note": "已电话告知" }),
    )
    .await
    .expect(200);
    app.act(
        None,
        a.id,
        "rate",
        json!({ "rating": "satisfied", "receipt_code": a.receipt_code }),
    )
    .await
    .expect(200);
    want.entry((y0, housing)).or_default().rated += 1;
    want.entry((y0, housing)).or_default().satisfied += 1;
    // B: assigned to housing, left unsigned for now.
    app.act(Some(&ops), b_.id, "assign", assign("housing"))
        .await
        .expect(200);
    want.entry((y0, housing)).or_default().assigned += 1;
    // C: eco signs for it on time, then returns it; reassigned to housing.
    app.act(Some(&ops), c.id, "assign", assign("eco"))
        .await
        .expect(200);
    want.entry((y0, eco)).or_default().assigned += 1;
    app.act(Some(&eco_h), c.id, "acknowledge", json!({}))
        .await
        .expect(200);
    want.entry((y0, eco)).or_default().signed += 1;
    want.entry((y0, eco)).or_default().signed_on_time += 1;
    app.act(
        Some(&eco_h),
        c.id,
        "return",
        json!({ "reason": "不属本单位职责" }),
    )
    .await
    .expect(200);
    app.act(Some(&ops), c.id, "assign", assign("housing"))
        .await
        .expect(200);
    want.entry((y0, housing)).or_default().assigned += 1;

    // Day 10: past every sign-for deadline (one working day), within the reply deadlines (15).
    app.clock.advance(Duration::days(10));
    // Sessions expire with the clock: sign in again.
    ops = app.login_demo("ops").await;
    housing_h = app.login_demo("handler").await;
    app.act(Some(&housing_h), b_.id, "acknowledge", json!({}))
        .await
        .expect(200);
    want.entry((y10, housing)).or_default().signed += 1;
    app.act(
        Some(&housing_h),
        b_.id,
        "reply",
        json!({ "answer": "已派人查看并修复。" }),
    )
    .await
    .expect(200);
    want.entry((y10, housing)).or_default().replied += 1;
    want.entry((y10, housing)).or_default().replied_on_time += 1;
    app.act(
        Some(&ops),
        b_.id,
        "feedback",
        json!({ "note": "已上门告知" }),
    )
    .await
    .expect(200);
    app.act(
        None,
        b_.id,
        "rate",
        json!({ "rating": "unsatisfied", "receipt_code": b_.receipt_code }),
    )
    .await
    .expect(200);
    want.entry((y10, housing)).or_default().rated += 1;
    want.entry((y10, housing)).or_default().unsatisfied += 1;
    want.entry((y10, housing)).or_default().reworked += 1;
    app.act(Some(&ops), b_.id, "assign", assign("housing"))
        .await
        .expect(200);
    want.entry((y10, housing)).or_default().assigned += 1;
    app.act(Some(&housing_h), c.id, "acknowledge", json!({}))
        .await
        .expect(200);
    want.entry((y10, housing)).or_default().signed += 1;

    // Day 50: C answered long after its reply deadline, perhaps in the next year.
    app.clock.advance(Duration::days(40));
    housing_h = app.login_demo("handler").await;
    app.act(
        Some(&housing_h),
        c.id,
        "reply",
        json!({ "answer": "已协调相关部门处理完毕。" }),
    )
    .await
    .expect(200);
    want.entry((y50, housing)).or_default().replied += 1;

    let mut years: Vec<i32> = vec![y0, y10, y50, y0 - 1, y50 + 1];
    years.sort();
    years.dedup();
    for y in years {
        let got = org_year(&app.db, y).await.unwrap();
        let expected: HashMap<i64, OrgMeasures> = want
            .iter()
            .filter(|((yy, _), _)| *yy == y)
            .map(|((_, org), m)| (*org, m.clone()))
            .filter(|(_, m)| *m != OrgMeasures::default())
            .fold(HashMap::new(), |mut acc, (org, m)| {
                let e: &mut OrgMeasures = acc.entry(org).or_default();
                add(e, &m);
                acc
            });
        assert_eq!(got, expected, "the measures of {y}");
    }
    assert_counters_match_recount(&app).await;
}

fn add(e: &mut OrgMeasures, m: &OrgMeasures) {
    e.assigned += m.assigned;
    e.signed += m.signed;
    e.signed_on_time += m.signed_on_time;
    e.replied += m.replied;
    e.replied_on_time += m.replied_on_time;
    e.rated += m.rated;
    e.satisfied += m.satisfied;
    e.basically_satisfied += m.basically_satisfied;
    e.unsatisfied += m.unsatisfied;
    e.reworked += m.reworked;
}

/// The stored counters equal a full replay; a rebuild changes nothing.
async fn assert_counters_match_recount(app: &TestApp) {
    let stored = counters::load_all(&app.db).await.unwrap();
    let replayed = recount::compute(&app.db).await.unwrap().0;
    assert!(!stored.is_empty(), "some counters were kept");
    if stored != replayed {
        let keys: std::collections::BTreeSet<_> = stored.keys().chain(replayed.keys()).collect();
        let diff: Vec<String> = keys
            .into_iter()
            .filter(|k| stored.get(*k) != replayed.get(*k))
            .take(20)
            .map(|k| {
                format!(
                    "{k:?}: kept {:?}, recount {:?}",
                    stored.get(k),
                    replayed.get(k)
                )
            })
            .collect();
        panic!("counters differ from the recount:\n{}", diff.join("\n"));
    }
    recount::rebuild(&app.db).await.unwrap();
    assert_eq!(counters::load_all(&app.db).await.unwrap(), stored);
}

/// A small deterministic generator, so a failing walk can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// Ops, and a handler of each organisation the walk assigns to (sessions expire as the walk
/// moves the clock, so this runs again after each move).
async fn sign_in(app: &TestApp) -> (String, HashMap<i64, String>) {
    let mut handlers = HashMap::new();
    handlers.insert(
        org_id(app, "housing").await,
        app.login_demo("handler").await,
    );
    for code in ["eco", "water"] {
        let t = app.login(&format!("{code}-h"), TEST_PASSWORD).await;
        handlers.insert(org_id(app, code).await, t);
    }
    (app.login_demo("ops").await, handlers)
}

const STATIONS: [&str; 3] = ["lunan", "lubei", "jinqing"];
const ORGS: [&str; 3] = ["housing", "eco", "water"];
const RATINGS: [&str; 4] = [
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "unsatisfied",
];
const CATEGORIES: [&str; 3] = ["ecology", "economy", "other"];

async fn counters_equal_a_recount_after_random_walks(b: Backend) {
    let app = spawn_app(b).await;
    for code in ["eco", "water"] {
        app.add_user(&format!("{code}-h"), "handler", None, Some(code), None)
            .await;
    }
    let (mut ops, mut handlers) = sign_in(&app).await;
    let seed = std::env::var("LIAISON_WALK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026u64);
    eprintln!("random walk seed {seed}");
    let mut rng = Lcg(seed);
    let mut cases: Vec<(i64, String)> = Vec::new();
    let mut moves: BTreeMap<String, usize> = BTreeMap::new();

    for round in 0..6 {
        // A burst of residents at once: the intake writer commits them in batches.
        let burst = 4 + rng.below(6);
        let bodies: Vec<Value> = (0..burst)
            .map(|_| {
                let mut body = case_body(rng.pick(&STATIONS));
                if rng.below(2) == 0 {
                    body["channel"] = json!("web");
                }
                body
            })
            .collect();
        let answers =
            futures_util::future::join_all(bodies.iter().map(|body| app.submit(body))).await;
        for r in answers {
            let r = r.expect(201);
            cases.push((
                r.body["id"].as_i64().unwrap(),
                r.body["receipt_code"].as_str().unwrap().to_owned(),
            ));
        }
        for _ in 0..40 {
            let (id, code) = cases[rng.below(cases.len())].clone();
            let row = app.case_row(id).await;
            let handler = row.lead_org_id.and_then(|o| handlers.get(&o)).cloned();
            let pending = row.pending_extension_days.is_some();
            let (token, action, body): (Option<String>, &str, Value) = match row.status.as_str() {
                "submitted" => match rng.below(5) {
                    0 => (Some(ops.clone()), "reject", json!({ "reason": "重复反映" })),
                    1 | 2 => (
                        Some(ops.clone()),
                        "register",
                        json!({ "category": rng.pick(&CATEGORIES) }),
                    ),
                    _ => (Some(ops.clone()), "register", json!({})),
                },
                "registered" => match rng.below(6) {
                    0 => (
                        Some(ops.clone()),
                        "resolve",
                        json!({ "answer": "站内已解决" }),
                    ),
                    1 => (Some(ops.clone()), "remind", json!({})),
                    _ => (Some(ops.clone()), "assign", assign(rng.pick(&ORGS))),
                },
                "reopened" => (Some(ops.clone()), "assign", assign(rng.pick(&ORGS))),
                "assigned" => match rng.below(5) {
                    0 => (handler, "return", json!({ "reason": "不属本单位" })),
                    _ => (handler, "acknowledge", json!({})),
                },
                "in_progress" => match rng.below(6) {
                    0 if pending => (
                        Some(ops.clone()),
                        "grant_extension",
                        json!({ "approve": rng.below(2) == 0 }),
                    ),
                    1 if !pending && row.extension_count == 0 => (
                        handler,
                        "extend",
                        json!({ "reason": "需要协调", "days": 5 }),
                    ),
                    2 => (Some(ops.clone()), "supervise", json!({})),
                    3 => (handler, "return", json!({ "reason": "不属本单位" })),
                    _ => (handler, "reply", json!({ "answer": "已处理完毕" })),
                },
                "replied" => (
                    Some(ops.clone()),
                    "feedback",
                    json!({ "note": "已告知群众" }),
                ),
                "feedback_given" => match rng.below(5) {
                    0 => (Some(ops.clone()), "close", json!({})),
                    n => {
                        let rating = RATINGS[n - 1];
                        (
                            None,
                            "rate",
                            json!({ "rating": rating, "receipt_code": code }),
                        )
                    }
                },
                "closed" if rng.below(4) == 0 => (
                    Some(ops.clone()),
                    "reopen",
                    json!({ "reason": "群众再次反映" }),
                ),
                _ => continue,
            };
            let r = app.act(token.as_deref(), id, action, body).await;
            assert_eq!(r.status.as_u16(), 200, "{action} on case {id}: {}", r.text);
            *moves.entry(action.to_owned()).or_default() += 1;
            if rng.below(10) == 0 {
                app.clock.advance(Duration::days(1 + rng.below(3) as i64));
                (ops, handlers) = sign_in(&app).await;
            }
        }
        // Now and then the rating window passes and the sweeper closes cases unrated.
        if round % 2 == 1 {
            app.clock.advance(Duration::days(8));
            (ops, handlers) = sign_in(&app).await;
            let closed = liaison_domain::cases::sweeper::close_unrated(
                &app.db,
                &app.settings.deadlines,
                &app.clock,
            )
            .await
            .unwrap();
            *moves.entry("sweeper".into()).or_default() += closed;
        }
        assert_counters_match_recount(&app).await;
        // Every figure means its label: plain SQL over cases and events, at the same moment.
        let compared =
            crate::dashboard_figures::assert_figures_equal_plain_counts(&app, &ops).await;
        eprintln!("round {round}: {compared} slices equal plain SQL");
    }
    eprintln!("moves: {moves:?}");
    for a in [
        "register",
        "assign",
        "acknowledge",
        "reply",
        "feedback",
        "rate",
        "return",
    ] {
        assert!(
            moves.get(a).is_some_and(|n| *n > 0),
            "the walk made no {a}: {moves:?}"
        );
    }

    // Independently of the replay: the gauges and receipts equal plain counts of the cases.
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT station_id, status, COUNT(*) AS n FROM cases GROUP BY station_id, status",
        ))
        .await
        .unwrap();
    let stored = counters::load_all(&app.db).await.unwrap();
    let gauge = |station: i64, metric: &str| -> i64 {
        stored
            .iter()
            .filter(|(k, _)| {
                k.dim == "all" && k.station_id == station && k.month == 0 && k.metric == metric
            })
            .map(|(_, v)| *v)
            .sum()
    };
    let mut total = 0;
    for r in rows {
        let station: i64 = r.try_get("", "station_id").unwrap();
        let status: String = r.try_get("", "status").unwrap();
        let n: i64 = r.try_get("", "n").unwrap();
        total += n;
        assert_eq!(
            gauge(station, &format!("s_{status}")),
            n,
            "{status} at {station}"
        );
    }
    assert_eq!(gauge(counters::DISTRICT, "received"), total);
    assert_eq!(total as usize, cases.len());
}

both_backends!(
    cockpit_and_screen_read_the_counters,
    dashboards_are_scoped,
    a_transition_reaches_an_sse_client_within_a_second,
);

async fn walk_to_closed(app: &TestApp, ops: &str, handler: &str, id: i64, code: &str) {
    app.act(Some(ops), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(ops), id, "assign", assign("housing"))
        .await
        .expect(200);
    app.act(Some(handler), id, "acknowledge", json!({}))
        .await
        .expect(200);
    app.act(
        Some(handler),
        id,
        "reply",
        json!({ "answer": "已修复完毕。" }),
    )
    .await
    .expect(200);
    app.act(Some(ops), id, "feedback", json!({ "note": "已告知" }))
        .await
        .expect(200);
    app.act(
        None,
        id,
        "rate",
        json!({ "rating": "basically_satisfied", "receipt_code": code }),
    )
    .await
    .expect(200);
}

fn slice<'a>(list: &'a Value, code: &str) -> &'a Value {
    list.as_array()
        .expect("a list of slices")
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no slice {code} in {list}"))
}

async fn cockpit_and_screen_read_the_counters(b: Backend) {
    let app = spawn_app(b).await;
    let mut ops = app.login_demo("ops").await;
    let handler = app.login_demo("handler").await;
    let a = app.submit_at("lunan").await;
    let b_ = app.submit_at("lunan").await;
    let c = app.submit_at("lunan").await;
    let mut eco = case_body("lubei");
    eco["category"] = json!("ecology");
    app.submit(&eco).await.expect(201);
    walk_to_closed(&app, &ops, &handler, a.id, &a.receipt_code).await;
    app.act(Some(&ops), b_.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), b_.id, "assign", assign("housing"))
        .await
        .expect(200);
    app.act(
        Some(&ops),
        c.id,
        "reject",
        json!({ "reason": "不属受理范围" }),
    )
    .await
    .expect(200);
    // B's sign-for deadline (one working day) passes.
    app.clock.advance(Duration::days(10));
    ops = app.login_demo("ops").await;

    let staff = app.login_demo("staff").await;
    let k = app
        .get("/dashboard/stations/lunan", Some(&staff))
        .await
        .expect(200)
        .body;
    let f = &k["station"]["figures"];
    assert_eq!(k["station"]["code"], "lunan");
    assert_eq!(f["received"], 3);
    assert_eq!(f["open"], 1);
    assert_eq!(f["closed"], 1);
    assert_eq!(f["rejected"], 1);
    assert_eq!(f["overdue"], 1, "B is past its sign-for deadline: {k}");
    assert_eq!(f["signed"], 1);
    assert_eq!(f["signed_on_time"], 1);
    assert_eq!(f["sign_on_time_rate"], 100.0);
    assert_eq!(f["basically_satisfied"], 1);
    assert_eq!(f["satisfaction_rate"], 100.0);
    let cat = slice(&k["by_category"], "urban_construction");
    assert_eq!(cat["figures"]["received"], 3);
    assert!(
        k["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["code"] != "ecology"),
        "another station's category is not in this cockpit"
    );
    assert_eq!(
        cat["figures"]["overdue"], 1,
        "a category counts its overdue"
    );
    assert_eq!(
        slice(&k["by_channel"], "station_qr")["figures"]["overdue"],
        1
    );
    let housing = slice(&k["by_organisation"], "housing");
    assert_eq!(housing["figures"]["assigned"], 2);
    assert_eq!(housing["figures"]["overdue"], 1);
    // An organisation's received/open/closed are its own as lead (the glossary's definitions),
    // and what an organisation cannot have is absent, not 0.
    assert_eq!(
        (
            &housing["figures"]["received"],
            &housing["figures"]["open"],
            &housing["figures"]["closed"]
        ),
        (&json!(2), &json!(1), &json!(1)),
        "{housing}"
    );
    for absent in ["rejected", "resolved", "closed_unrated"] {
        assert!(
            housing["figures"].get(absent).is_none(),
            "{absent}: {housing}"
        );
    }
    assert_eq!(
        slice(&k["by_channel"], "station_qr")["figures"]["received"],
        3
    );
    let months = k["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let this_month = format!("{}", (app.today() - Duration::days(10)).format("%Y-%m"));
    let m = months
        .iter()
        .find(|m| m["month"] == this_month.as_str())
        .unwrap_or_else(|| panic!("no {this_month} in {k}"));
    assert_eq!(
        (m["received"].as_i64(), m["closed"].as_i64()),
        (Some(3), Some(1))
    );
    let latest = k["latest"].as_array().unwrap();
    assert_eq!(latest.len(), 3);
    assert_eq!(latest[0]["receipt_code"], c.receipt_code.as_str());
    assert_eq!(latest[0]["status"], "rejected");
    // Nothing that names or describes the reporter.
    let text = k.to_string();
    for secret in [
        crate::support::REPORTER_NAME,
        crate::support::REPORTER_PHONE,
        "路灯不亮",
        "石曲村",
    ] {
        assert!(
            !text.contains(secret),
            "the cockpit carries {secret}: {text}"
        );
    }

    let viewer = app.login_demo("viewer").await;
    let s = app
        .get("/dashboard/district", Some(&viewer))
        .await
        .expect(200)
        .body;
    assert_eq!(s["district"]["received"], 4);
    assert_eq!(s["district"]["overdue"], 1);
    let lunan = slice(&s["stations"], "lunan");
    assert_eq!(lunan["figures"], *f, "the screen's lunan is the cockpit's");
    assert_eq!(slice(&s["stations"], "lubei")["figures"]["received"], 1);
    assert_eq!(slice(&s["stations"], "jinqing")["figures"]["received"], 0);
    assert_eq!(
        slice(&s["by_category"], "ecology")["figures"]["received"],
        1
    );
    assert_eq!(s["latest"].as_array().unwrap().len(), 4);
    assert!(!s.to_string().contains(crate::support::REPORTER_PHONE));
    let _ = ops;
}

async fn dashboards_are_scoped(b: Backend) {
    let app = spawn_app(b).await;
    app.get("/dashboard/district", None).await.expect(401);
    app.get("/dashboard/stations/lunan", None).await.expect(401);
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let deputy = app.login_demo("deputy").await;
    let ops = app.login_demo("ops").await;
    app.get("/dashboard/stations/lunan", Some(&staff))
        .await
        .expect(200);
    app.get("/dashboard/stations/lubei", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
    app.get("/dashboard/district", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
    app.get("/dashboard/stations/lunan", Some(&handler))
        .await
        .expect_error(403, "forbidden", None);
    app.get("/dashboard/district", Some(&handler))
        .await
        .expect_error(403, "forbidden", None);
    // The demo deputy serves at lunan.
    app.get("/dashboard/stations/lunan", Some(&deputy))
        .await
        .expect(200);
    app.get("/dashboard/stations/lubei", Some(&deputy))
        .await
        .expect_error(403, "forbidden", None);
    app.get("/dashboard/stations/nowhere", Some(&ops))
        .await
        .expect(404);
    app.get("/dashboard/stations/lubei", Some(&ops))
        .await
        .expect(200);
    app.get("/dashboard/district", Some(&ops)).await.expect(200);
    // The live feed follows the same rule.
    app.get("/dashboard/live", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
    app.get("/dashboard/live?station=lubei", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
    app.get(
        &format!("/dashboard/live?station={}", "x".repeat(40)),
        Some(&staff),
    )
    .await
    .expect_error(422, "invalid", Some("station"));
}

/// Reads server-sent events from `res` until one named `name` arrives; its data.
async fn next_event(res: &mut reqwest::Response, buf: &mut String, name: &str) -> Value {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut event = "message";
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = if v.trim() == name { name } else { "other" };
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if event == name {
                return serde_json::from_str(&data).unwrap_or(Value::Null);
            }
        }
        let chunk = res
            .chunk()
            .await
            .expect("reading the event stream")
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn open_feed(app: &TestApp, token: &str, query: &str) -> (reqwest::Response, String) {
    let mut res = app
        .client
        .get(app.api(&format!("/dashboard/live{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("opening the feed");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut buf = String::new();
    next_event(&mut res, &mut buf, "ready").await;
    (res, buf)
}

async fn a_transition_reaches_an_sse_client_within_a_second(b: Backend) {
    let app = spawn_app(b).await;
    let viewer = app.login_demo("viewer").await;
    let staff = app.login_demo("staff").await;
    let ops = app.login_demo("ops").await;
    let lunan = app.station_id("lunan").await;
    let lubei = app.station_id("lubei").await;
    let case = app.submit_at("lunan").await;
    let other = app.submit_at("lubei").await;
    let (mut all, mut all_buf) = open_feed(&app, &viewer, "").await;
    let (mut mine, mut mine_buf) = open_feed(&app, &staff, "?station=lunan").await;

    // A change at another station is not news for lunan's cockpit.
    app.act(Some(&ops), other.id, "register", json!({}))
        .await
        .expect(200);
    let started = std::time::Instant::now();
    app.act(Some(&ops), case.id, "register", json!({}))
        .await
        .expect(200);
    let got = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        next_event(&mut mine, &mut mine_buf, "change"),
    )
    .await
    .expect("lunan's change reached its cockpit within a second");
    assert_eq!(got["station_id"], lunan, "only lunan's changes: {got}");
    eprintln!("live update after {:?}", started.elapsed());
    // The big screen hears of both stations.
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 2 {
        let e = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            next_event(&mut all, &mut all_buf, "change"),
        )
        .await
        .expect("the big screen hears of every station");
        seen.insert(e["station_id"].as_i64().unwrap());
    }
    assert_eq!(seen, [lunan.min(lubei), lunan.max(lubei)].into());
    // And the numbers it then fetches already include the change.
    let s = app
        .get("/dashboard/district", Some(&viewer))
        .await
        .expect(200)
        .body;
    assert_eq!(slice(&s["stations"], "lunan")["figures"]["open"], 1);
}

both_backends!(
    the_cockpit_and_screen_pages_draw_the_figures,
    the_pages_are_scoped_like_the_api,
    the_cockpit_page_hears_its_station_live,
);

/// Signs a demo user in through the sign-in page.
async fn browser_of(app: &TestApp, username: &str) -> crate::web_client::Browser {
    let u = liaison::demo::DEMO_USERS
        .iter()
        .find(|u| u.username == username)
        .unwrap();
    let web = crate::web_client::Browser::new(app);
    let csrf = web.get("/login").await.expect(200).input_value("_csrf");
    web.post(
        "/login",
        &[
            ("_csrf", csrf.as_str()),
            ("username", u.username),
            ("password", u.password),
        ],
    )
    .await
    .expect(303);
    web
}

/// The page's text without whitespace, to find a card's number beside its label.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn the_cockpit_and_screen_pages_draw_the_figures(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let a = app.submit_at("lunan").await;
    let b_ = app.submit_at("lunan").await;
    app.submit_at("lubei").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), a.id, "assign", assign("housing"))
        .await
        .expect(200);
    app.clock.advance(Duration::days(10));

    let staff = browser_of(&app, "staff").await;
    let p = staff.get("/cockpit/lunan").await.expect(200);
    p.assert_html();
    p.assert_contains("href=\"/cockpit/lunan\"");
    p.assert_lacks("href=\"/screen\"");
    p.assert_contains("<svg class=\"chart\"");
    p.assert_contains("role=\"img\" aria-label=\"按类别.");
    p.assert_contains("data-live=\"/cockpit/lunan/live\"");
    p.assert_contains("<script src=\"/assets/cockpit.js\"");
    let flat = squeezed(&p.text);
    for (n, label) in [(2, "收到意见"), (2, "办理中"), (1, "已超期"), (0, "已办结")] {
        let card =
            format!("<spanclass=\"stat-value\">{n}</span><spanclass=\"stat-label\">{label}</span>");
        assert!(flat.contains(&card), "the card {label} reads {n}");
    }
    p.assert_contains(&a.receipt_code);
    p.assert_contains(&b_.receipt_code);
    p.assert_contains("区住建局");
    for secret in [
        crate::support::REPORTER_NAME,
        crate::support::REPORTER_PHONE,
        "路灯不亮",
        "石曲村",
    ] {
        p.assert_lacks(secret);
    }
    assert!(
        !p.text.contains("style="),
        "no inline style (the CSP forbids it)"
    );
    // The panel the script fetches is the same figures, without the layout.
    let panel = staff.get("/cockpit/lunan/panel").await.expect(200);
    panel.assert_contains(&a.receipt_code);
    panel.assert_lacks("<html");
    // English one click away.
    let en = staff.get("/cockpit/lunan?lang=en").await.expect(200);
    en.assert_contains("cockpit");
    en.assert_contains("By category");
    en.assert_contains("Received");

    let viewer = browser_of(&app, "viewer").await;
    let s = viewer.get("/screen").await.expect(200);
    s.assert_html();
    // A kiosk: no site navigation, the district's title and a clock.
    s.assert_lacks("class=\"site-nav\"");
    s.assert_contains("路桥区人大代表联络站 · 民情民意一屏总览");
    s.assert_contains("id=\"k-clock\"");
    s.assert_contains("data-live=\"/screen/live\"");
    let flat = squeezed(&s.text);
    for (n, label) in [(3, "累计收到"), (0, "今日收到"), (3, "办理中")] {
        let tile = format!("<spanclass=\"k-val\">{n}</span><spanclass=\"k-lab\">{label}</span>");
        assert!(flat.contains(&tile), "the tile {label} reads {n}");
    }
    for code in ["lunan", "lubei", "jinqing"] {
        let st = liaison_domain::stations::by_code(&app.db, code)
            .await
            .unwrap();
        s.assert_contains(st.name.trim_end_matches("人大代表联络站"));
    }
    // Placed on the map by their coordinates (the demo gives every station theirs).
    s.assert_contains("aria-label=\"各联络站分布（示意）.");
    s.assert_contains(&a.receipt_code);
    assert!(
        !s.text.contains("style="),
        "no inline style (the CSP forbids it)"
    );
    s.assert_contains("各联络站对比");
    s.assert_lacks(crate::support::REPORTER_PHONE);
    let (status, kind, js) = app.get_bytes("/assets/cockpit.js", None).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/javascript"));
    assert!(String::from_utf8(js).unwrap().contains("EventSource"));
}

async fn the_pages_are_scoped_like_the_api(b: Backend) {
    let app = spawn_app(b).await;
    let anon = crate::web_client::Browser::new(&app);
    assert_eq!(
        anon.get("/cockpit/lunan").await.expect(303).location(),
        "/login?next=/cockpit/lunan"
    );
    anon.get("/screen").await.expect(303);
    let staff = browser_of(&app, "staff").await;
    staff.get("/cockpit/lubei").await.expect(403).assert_html();
    staff.get("/cockpit/lubei/panel").await.expect(403);
    staff.get("/cockpit/lubei/live").await.expect(403);
    staff.get("/screen").await.expect(403);
    staff.get("/screen/panel").await.expect(403);
    staff.get("/screen/live").await.expect(403);
    staff.get("/cockpit/nowhere").await.expect(404);
    let handler = browser_of(&app, "handler").await;
    handler.get("/cockpit/lunan").await.expect(403);
    handler.get("/screen").await.expect(403);
    let deputy = browser_of(&app, "deputy").await;
    deputy.get("/cockpit/lunan").await.expect(200);
    deputy.get("/screen").await.expect(403);
    let ops = browser_of(&app, "ops").await;
    ops.get("/cockpit/lubei").await.expect(200);
    ops.get("/screen").await.expect(200);
}

async fn the_cockpit_page_hears_its_station_live(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let case = app.submit_at("lunan").await;
    let staff = browser_of(&app, "staff").await;
    let session = staff.cookie("liaison_session").expect("a session cookie");
    let mut res = app
        .client
        .get(format!("{}/cockpit/lunan/live", app.address))
        .header("cookie", format!("liaison_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mut buf = String::new();
    next_event(&mut res, &mut buf, "ready").await;
    app.act(Some(&ops), case.id, "register", json!({}))
        .await
        .expect(200);
    let got = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        next_event(&mut res, &mut buf, "change"),
    )
    .await
    .expect("the change reached the page's feed within a second");
    assert_eq!(got["station_id"], app.station_id("lunan").await);
    // What the page then fetches already shows it.
    let panel = staff.get("/cockpit/lunan/panel").await.expect(200);
    panel.assert_contains(&case.receipt_code);
    panel.assert_contains("已受理");
}

both_backends!(a_station_wall_screen_is_public_and_keeps_to_public_answers);

async fn a_station_wall_screen_is_public_and_keeps_to_public_answers(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let handler = app.login_demo("handler").await;
    let a = app.submit_at("lunan").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), a.id, "assign", assign("housing"))
        .await
        .expect(200);
    app.act(Some(&handler), a.id, "acknowledge", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&handler),
        a.id,
        "reply",
        json!({ "answer": "已安排维修，路灯已于本周恢复照明。" }),
    )
    .await
    .expect(200);
    app.submit_at("lubei").await;
    // No sign-in: the wall hangs in the station's hall.
    let anon = crate::web_client::Browser::new(&app);
    let w = anon.get("/s/lunan/screen").await.expect(200);
    w.assert_html();
    w.assert_contains("路南街道人大代表联络站 · 智慧屏");
    w.assert_lacks("class=\"site-nav\"");
    w.assert_contains("src=\"/s/lunan/qr.svg\"");
    w.assert_contains("data-live=\"/s/lunan/screen/live\"");
    w.assert_contains(&a.receipt_code);
    w.assert_contains("已安排维修，路灯已于本周恢复照明。");
    w.assert_contains("区住建局");
    for secret in [
        crate::support::REPORTER_NAME,
        crate::support::REPORTER_PHONE,
        "路灯不亮",
        "石曲村",
    ] {
        w.assert_lacks(secret);
    }
    assert!(
        !w.text.contains("style="),
        "no inline style (the CSP forbids it)"
    );
    let flat = squeezed(&w.text);
    assert!(
        flat.contains("<spanclass=\"k-val\">1</span><spanclass=\"k-lab\">累计收到</span>"),
        "lunan's own figures, not lubei's"
    );
    anon.get("/s/lunan/screen/panel")
        .await
        .expect(200)
        .assert_lacks("<html");
    anon.get("/s/nowhere/screen").await.expect(404);
}

both_backends!(both_screens_show_the_deputies_suggestions_and_the_contact_points_counts);

/// "<span class="k-mval">{n}</span><span class="k-mlab">{label}</span>", whitespace squeezed.
fn mini(n: impl std::fmt::Display, label: &str) -> String {
    format!("<spanclass=\"k-mval\">{n}</span><spanclass=\"k-mlab\">{label}</span>")
}

/// The big screen (district) and a station's wall (that station) show the deputies' suggestions
/// and motions and the legislative contact point's counts, equal to the domain's counts, and
/// the wall lists the station's newest public suggestions by their numbers.
async fn both_screens_show_the_deputies_suggestions_and_the_contact_points_counts(b: Backend) {
    let app = spawn_app(b).await;
    let now = app.clock.now();
    liaison::demo::suggestions::seed(&app.db, now)
        .await
        .expect("the demo's suggestions");
    liaison::demo::legislation::seed(&app.db, now)
        .await
        .expect("the demo's drafts");
    let mut walls = Vec::new();
    for code in ["luqiao", "lunan", "pengjie", "jinqing"] {
        let id = app.station_id(code).await;
        let sugg = liaison_domain::suggestions::queries::counts(&app.db, Some(id))
            .await
            .unwrap();
        let laws = liaison_domain::legislation::counts(&app.db, Some(id))
            .await
            .unwrap();
        walls.push((code, sugg, laws));
    }
    assert!(
        walls.iter().any(|(_, s, _)| s.filed > 0),
        "the demo files suggestions at one of these stations"
    );
    let anon = crate::web_client::Browser::new(&app);
    for (code, sugg, laws) in &walls {
        let w = anon.get(&format!("/s/{code}/screen")).await.expect(200);
        w.assert_contains("id=\"k-congress\"");
        w.assert_contains("代表建议·立法联系点");
        let flat = squeezed(&w.text);
        for (n, label) in [
            (sugg.filed, "收到建议"),
            (sugg.in_handling, "办理中"),
            (sugg.replied, "已答复"),
            (laws.drafts, "征求意见草案"),
            (laws.comments, "收集意见"),
            (laws.adopted, "被采纳"),
        ] {
            assert!(
                flat.contains(&mini(n, label)),
                "/s/{code}/screen shows {label} {n}"
            );
        }
        // The newest accepted items of the station, by number, as the public list has them.
        let public = app
            .get(&format!("/suggestions/public?station={code}"), None)
            .await;
        let listed: Vec<String> = public.body["items"]
            .as_array()
            .or_else(|| public.body.as_array())
            .into_iter()
            .flatten()
            .take(3)
            .map(|i| i["number"].as_str().unwrap_or_default().to_owned())
            .collect();
        for n in &listed {
            w.assert_contains(n);
        }
        if listed.is_empty() {
            w.assert_contains("本站还没有公开的代表建议。");
        }
        // The panel the live feed fetches carries them too.
        anon.get(&format!("/s/{code}/screen/panel"))
            .await
            .expect(200)
            .assert_contains("id=\"k-congress\"");
    }

    let all = liaison_domain::suggestions::queries::counts(&app.db, None)
        .await
        .unwrap();
    let laws = liaison_domain::legislation::counts(&app.db, None)
        .await
        .unwrap();
    assert!(all.filed >= 12 && laws.comments > 0, "{all:?} {laws:?}");
    let viewer = browser_of(&app, "viewer").await;
    for path in ["/screen", "/screen/panel"] {
        let s = viewer.get(path).await.expect(200);
        s.assert_contains("代表建议·立法联系点（全区）");
        let flat = squeezed(&s.text);
        for (n, label) in [
            (all.filed, "收到建议"),
            (all.in_handling, "办理中"),
            (all.replied, "已答复"),
            (laws.drafts, "征求意见草案"),
            (laws.comments, "收集意见"),
            (laws.adopted, "被采纳"),
        ] {
            assert!(flat.contains(&mini(n, label)), "{path} shows {label} {n}");
        }
    }
}
