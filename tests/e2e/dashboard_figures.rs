//! Every figure a dashboard shows means what its label says: the district screen's and each
//! station cockpit's figures, in every dimension (district, station, category, organisation,
//! channel, month), equal plain SQL counts over `cases` and `case_events` taken at the same
//! moment, following the glossary's definitions — not a replay through the counters' own code.
//! A figure that does not exist for a dimension must be absent from the JSON.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Map, Value, json};

use crate::support::TestApp;

/// One slice's counts as the SQL says; rates are derived below the same way for every slice.
#[derive(Debug, Default, Clone)]
struct Counts(BTreeMap<&'static str, i64>);

impl Counts {
    fn get(&self, k: &str) -> i64 {
        self.0.get(k).copied().unwrap_or(0)
    }
}

fn rate(part: i64, whole: i64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        json!((part as f64 * 1000.0 / whole as f64).round() / 10.0)
    }
}

/// The JSON `figures` object a slice must have. `org` leaves out what an organisation does not
/// have (refusals, station answers, unrated closures).
fn expected(c: &Counts, org: bool) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    for k in [
        "received",
        "open",
        "overdue",
        "closed",
        "assigned",
        "signed",
        "signed_on_time",
        "replied",
        "replied_on_time",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "reworked",
    ] {
        put(k, json!(c.get(k)));
    }
    if !org {
        for k in ["rejected", "closed_unrated", "resolved"] {
            put(k, json!(c.get(k)));
        }
    }
    put(
        "sign_on_time_rate",
        rate(c.get("signed_on_time"), c.get("signed")),
    );
    put(
        "reply_on_time_rate",
        rate(c.get("replied_on_time"), c.get("replied")),
    );
    let good = c.get("satisfied") + c.get("basically_satisfied");
    put("satisfaction_rate", rate(good, good + c.get("unsatisfied")));
    Value::Object(m)
}

/// The case dimensions: SQL expressions of a case's key (`c` is the case, `st`, `cat` its
/// station and category).
const CASE_KEYS: [(&str, &str); 4] = [
    ("district", "'district'"),
    ("station", "st.code"),
    ("category", "cat.code"),
    ("channel", "c.channel"),
];

/// Sums of event kinds, as `SUM(CASE …)` columns over `case_events e`.
const EVENT_SUMS: &str = "
    SUM(CASE WHEN e.action = 'assign' THEN 1 ELSE 0 END) AS assigned,
    SUM(CASE WHEN e.action = 'acknowledge' THEN 1 ELSE 0 END) AS signed,
    SUM(CASE WHEN e.action = 'acknowledge' AND e.data LIKE '%\"on_time\":true%' THEN 1 ELSE 0 END) AS signed_on_time,
    SUM(CASE WHEN e.action = 'reply' THEN 1 ELSE 0 END) AS replied,
    SUM(CASE WHEN e.action = 'reply' AND e.data LIKE '%\"on_time\":true%' THEN 1 ELSE 0 END) AS replied_on_time,
    SUM(CASE WHEN e.action = 'resolve' THEN 1 ELSE 0 END) AS resolved,
    SUM(CASE WHEN e.action = 'rate' AND e.data LIKE '%\"rating\":\"satisfied\"%' THEN 1 ELSE 0 END) AS satisfied,
    SUM(CASE WHEN e.action = 'rate' AND e.data LIKE '%\"rating\":\"basically_satisfied\"%' THEN 1 ELSE 0 END) AS basically_satisfied,
    SUM(CASE WHEN e.action = 'rate' AND e.data LIKE '%\"rating\":\"unsatisfied\"%' THEN 1 ELSE 0 END) AS unsatisfied,
    SUM(CASE WHEN e.action = 'reopen' OR (e.action = 'rate' AND e.data LIKE '%\"rating\":\"unsatisfied\"%') THEN 1 ELSE 0 END) AS reworked,
    SUM(CASE WHEN e.action = 'close' THEN 1 ELSE 0 END) AS closed_unrated";

const EVENT_COLUMNS: [&str; 11] = [
    "assigned",
    "signed",
    "signed_on_time",
    "replied",
    "replied_on_time",
    "resolved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "reworked",
    "closed_unrated",
];

/// Sums over the cases themselves (status now, the live deadline).
fn case_sums(today: &str) -> String {
    format!(
        "SUM(CASE WHEN c.status NOT IN ('closed', 'rejected') THEN 1 ELSE 0 END) AS open,
         SUM(CASE WHEN c.status NOT IN ('closed', 'rejected') AND c.due_on < '{today}' THEN 1 ELSE 0 END) AS overdue,
         SUM(CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END) AS closed,
         SUM(CASE WHEN c.status = 'rejected' THEN 1 ELSE 0 END) AS rejected"
    )
}

const CASE_COLUMNS: [&str; 4] = ["open", "overdue", "closed", "rejected"];

async fn query(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

/// Reads rows of `k` plus the named count columns into `out[k]`.
fn fold(
    rows: Vec<sea_orm::QueryResult>,
    columns: &[&'static str],
    out: &mut BTreeMap<String, Counts>,
) {
    for r in rows {
        let k: String = r.try_get("", "k").unwrap();
        let c = out.entry(k).or_default();
        for col in columns {
            let n: i64 = r.try_get("", col).unwrap_or(0);
            *c.0.entry(col).or_default() += n;
        }
    }
}

/// The counts of every key of the case dimensions and of the organisations, at `station`
/// (`None`: the district).
async fn counts(
    app: &TestApp,
    station: Option<i64>,
    today: &str,
) -> BTreeMap<&'static str, BTreeMap<String, Counts>> {
    let only = station.map_or(String::new(), |s| format!("AND c.station_id = {s}"));
    let joins = "JOIN stations st ON st.id = c.station_id \
                 JOIN categories cat ON cat.id = c.category_id";
    let mut out = BTreeMap::new();
    for (dim, key) in CASE_KEYS {
        let mut by = BTreeMap::new();
        let rows = query(
            app,
            &format!(
                "SELECT {key} AS k, COUNT(*) AS received, {} FROM cases c {joins} WHERE 1 = 1 {only} GROUP BY 1",
                case_sums(today)
            ),
        )
        .await;
        let mut cols = vec!["received"];
        cols.extend(CASE_COLUMNS);
        fold(rows, &cols, &mut by);
        let rows = query(
            app,
            &format!(
                "SELECT {key} AS k, {EVENT_SUMS} FROM case_events e JOIN cases c ON c.id = e.case_id \
                 {joins} WHERE 1 = 1 {only} GROUP BY 1"
            ),
        )
        .await;
        fold(rows, &EVENT_COLUMNS, &mut by);
        out.insert(dim, by);
    }

    // Organisations. Now-figures from the cases they lead now.
    let mut by = BTreeMap::new();
    let rows = query(
        app,
        &format!(
            "SELECT o.code AS k, {} FROM cases c JOIN organisations o ON o.id = c.lead_org_id \
             WHERE 1 = 1 {only} GROUP BY o.code",
            case_sums(today)
        ),
    )
    .await;
    fold(rows, &CASE_COLUMNS, &mut by);
    // Event figures against the lead at the event: the organisation named by the case's last
    // assignment at or before the event, unless a return came after that assignment.
    let rows = query(
        app,
        &format!(
            "SELECT o.code AS k, {EVENT_SUMS},
                    SUM(CASE WHEN e.action = 'assign' THEN 1 ELSE 0 END) AS received
             FROM case_events e
             JOIN cases c ON c.id = e.case_id
             JOIN case_events a ON a.case_id = e.case_id AND a.action = 'assign' AND a.id <= e.id
             JOIN organisations o ON a.data LIKE '%\"lead\":\"' || o.code || '\"%'
             WHERE NOT EXISTS (
                 SELECT 1 FROM case_events x WHERE x.case_id = e.case_id
                   AND x.action IN ('assign', 'return') AND x.id > a.id AND x.id <= e.id)
               AND e.action IN ('assign', 'acknowledge', 'reply', 'rate', 'reopen') {only}
             GROUP BY o.code"
        ),
    )
    .await;
    let mut cols = vec!["received"];
    cols.extend(EVENT_COLUMNS);
    fold(rows, &cols, &mut by);
    out.insert("organisation", by);
    out
}

/// Received and (of those) closed now, per Asia/Shanghai intake month `yyyy-mm`.
async fn months(app: &TestApp, station: Option<i64>) -> BTreeMap<String, (i64, i64)> {
    let month = match app.db.get_database_backend() {
        DbBackend::Postgres => "to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
        _ => "strftime('%Y-%m', c.created_at, '+8 hours')",
    };
    let only = station.map_or(String::new(), |s| format!("WHERE c.station_id = {s}"));
    query(
        app,
        &format!(
            "SELECT {month} AS k, COUNT(*) AS received,
                    SUM(CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END) AS closed
             FROM cases c {only} GROUP BY {month}"
        ),
    )
    .await
    .into_iter()
    .map(|r| {
        (
            r.try_get::<String>("", "k").unwrap(),
            (
                r.try_get::<i64>("", "received").unwrap(),
                r.try_get::<i64>("", "closed").unwrap(),
            ),
        )
    })
    .collect()
}

/// The slices of one dimension in a dashboard's JSON equal the SQL, key by key; a key the SQL
/// finds with anything to show is listed.
fn check_slices(what: &str, slices: &Value, want: &BTreeMap<String, Counts>, org: bool) -> usize {
    let slices = slices
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no list"));
    for s in slices {
        let code = s["code"].as_str().unwrap();
        let c = want.get(code).cloned().unwrap_or_default();
        assert_eq!(
            s["figures"],
            expected(&c, org),
            "{what} {code}: the dashboard's figures against plain SQL"
        );
    }
    for (code, c) in want {
        if c.0.values().any(|n| *n != 0) {
            assert!(
                slices.iter().any(|s| s["code"] == code.as_str()),
                "{what}: {code} has figures but is not listed"
            );
        }
    }
    slices.len()
}

fn check_months(what: &str, line: &Value, want: &BTreeMap<String, (i64, i64)>) {
    let line = line.as_array().unwrap();
    assert_eq!(line.len(), 12, "{what}: twelve months");
    for p in line {
        let m = p["month"].as_str().unwrap();
        let (received, closed) = want.get(m).copied().unwrap_or((0, 0));
        assert_eq!(
            (p["received"].as_i64(), p["closed"].as_i64()),
            (Some(received), Some(closed)),
            "{what}: month {m}"
        );
        assert_eq!(
            p.as_object().unwrap().len(),
            3,
            "{what}: a month point carries month, received and closed only: {p}"
        );
    }
}

/// The district screen's and every station cockpit's figures equal plain SQL counts now.
/// Returns how many slices were compared.
pub async fn assert_figures_equal_plain_counts(app: &TestApp, token: &str) -> usize {
    let today = app.today().to_string();
    let mut compared = 0;
    let s = app
        .get("/dashboard/district", Some(token))
        .await
        .expect(200)
        .body;
    let want = counts(app, None, &today).await;
    let district = want["district"]
        .get("district")
        .cloned()
        .unwrap_or_default();
    assert_eq!(s["district"], expected(&district, false), "the district");
    compared += 1;
    compared += check_slices("district: station", &s["stations"], &want["station"], false);
    compared += check_slices(
        "district: category",
        &s["by_category"],
        &want["category"],
        false,
    );
    compared += check_slices(
        "district: channel",
        &s["by_channel"],
        &want["channel"],
        false,
    );
    compared += check_slices(
        "district: organisation",
        &s["by_organisation"],
        &want["organisation"],
        true,
    );
    check_months("district", &s["by_month"], &months(app, None).await);

    for st in s["stations"].as_array().unwrap() {
        let code = st["code"].as_str().unwrap();
        let id = app.station_id(code).await;
        let k = app
            .get(&format!("/dashboard/stations/{code}"), Some(token))
            .await
            .expect(200)
            .body;
        let want = counts(app, Some(id), &today).await;
        let own = want["station"].get(code).cloned().unwrap_or_default();
        assert_eq!(k["station"]["figures"], expected(&own, false), "{code}");
        compared += 1;
        let what = |d: &str| format!("{code}: {d}");
        compared += check_slices(
            &what("category"),
            &k["by_category"],
            &want["category"],
            false,
        );
        compared += check_slices(&what("channel"), &k["by_channel"], &want["channel"], false);
        compared += check_slices(
            &what("organisation"),
            &k["by_organisation"],
            &want["organisation"],
            true,
        );
        check_months(code, &k["by_month"], &months(app, Some(id)).await);
    }
    compared
}
