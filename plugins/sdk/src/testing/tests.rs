//! The fake host keeps the real host's rules; these tests pin them.

use super::*;
use crate::prelude::*;

/// A brand whose action runs one host call, named by the action, so each import can be
/// driven through the public wrappers.
struct Probe;

impl Brand for Probe {
    fn render_view(_view: &str, _ctx: &Context) -> Result<Vec<Block>, Error> {
        Ok(vec![view::heading(1, "probe")])
    }

    fn run_action(action: &str, _ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        let arg = input.get("arg").unwrap_or("");
        let out = match action {
            "storage-get" => format!("{:?}", storage::get::<String>(arg)?),
            "storage-set" => format!("{:?}", storage::set(arg, "v")?),
            "storage-delete" => format!("{:?}", storage::delete(arg)?),
            "storage-keys" => format!("{:?}", storage::keys(arg)?),
            "list-cases" => format!("{}", cases::list(&CaseQuery::new())?.len()),
            "get-case" => cases::get(1)?.title,
            "create-case" => cases::create(&NewCase::new("other", "路灯坏了好几天"))?.to_string(),
            "tag-case" => format!("{:?}", cases::tag(1, "t")?),
            "annotate-case" => format!("{:?}", cases::annotate(1, "n")?),
            "suggest-organisation" => format!("{:?}", cases::suggest_organisation(1, "org", "r")?),
            "suggest-deputy" => format!("{:?}", cases::suggest_deputy(1, "d1", "r")?),
            "list-deputies" => format!("{}", deputies::list()?.len()),
            "duty-roster" => format!("{}", deputies::roster("2026-03-01", "2026-03-31")?.len()),
            other => return Err(Error::not_found(other)),
        };
        Ok(ActionResult::message(out))
    }
}

const IMPORTS: [(&str, &str); 13] = [
    ("storage-get", "storage"),
    ("storage-set", "storage"),
    ("storage-delete", "storage"),
    ("storage-keys", "storage"),
    ("list-cases", "cases.read"),
    ("get-case", "cases.read"),
    ("create-case", "cases.create"),
    ("tag-case", "cases.tag"),
    ("annotate-case", "cases.tag"),
    ("suggest-organisation", "cases.suggest"),
    ("suggest-deputy", "cases.suggest"),
    ("list-deputies", "deputies.read"),
    ("duty-roster", "deputies.read"),
];

fn furnished() -> TestHost {
    let host = TestHost::new();
    host.add_case(case(1, "other", "一件事情"))
        .add_deputy(deputy("d1", "王代表"))
        .organisations(&["org"]);
    host
}

#[test]
fn every_import_needs_its_capability_and_only_that() {
    for (import, cap) in IMPORTS {
        let host = furnished();
        host.revoke(cap);
        assert_eq!(
            host.run_action::<Probe>(import, &[("arg", "k")]),
            Err(Error::Denied(cap.into())),
            "{import} without {cap}"
        );
        let host = furnished();
        host.grant_only(&[cap]);
        assert!(
            host.run_action::<Probe>(import, &[("arg", "k")]).is_ok(),
            "{import} with only {cap}"
        );
        assert_eq!(host.calls(), vec![import.to_string()]);
    }
}

#[test]
fn log_now_and_setting_are_always_allowed() {
    let host = TestHost::new();
    host.grant_only(&[])
        .setting("greeting", "你好")
        .now("2026-05-01T08:30:00+08:00");
    log::info("hello");
    assert_eq!(crate::host::now(), "2026-05-01T08:30:00+08:00");
    assert_eq!(crate::host::today(), "2026-05-01");
    assert_eq!(crate::host::setting("greeting").as_deref(), Some("你好"));
    assert_eq!(crate::host::setting("nope"), None);
    assert_eq!(host.logs(), vec![(Level::Info, "hello".to_string())]);
}

#[test]
fn a_manifest_grants_only_what_it_asks_for() {
    let host = TestHost::with_manifest(MANIFEST);
    host.grant("cases.read");
    assert_eq!(storage::set("k", &1), Ok(()));
    assert_eq!(
        cases::list(&CaseQuery::new()),
        Err(Error::Denied("cases.read".into()))
    );
}

#[test]
fn storage_is_typed_and_limited() {
    let host = TestHost::new();
    storage::set("a:1", &vec![1u32, 2]).unwrap();
    storage::set("a:2", "two").unwrap();
    storage::set("b", &true).unwrap();
    assert_eq!(storage::get::<Vec<u32>>("a:1").unwrap(), Some(vec![1, 2]));
    assert_eq!(storage::get::<u32>("missing").unwrap(), None);
    assert!(matches!(storage::get::<u32>("a:2"), Err(Error::Failed(_))));
    assert_eq!(storage::keys("a:").unwrap(), vec!["a:1", "a:2"]);
    assert_eq!(
        storage::update("n", |n: Option<u8>| n.unwrap_or(9) + 1).unwrap(),
        10
    );
    storage::delete("a:1").unwrap();
    storage::delete("a:1").unwrap();
    assert_eq!(host.storage_keys(), vec!["a:2", "b", "n"]);

    let long = "k".repeat(201);
    assert!(
        matches!(storage::set(&long, &1), Err(Error::Invalid { ref field, .. }) if field == "key")
    );
    assert!(matches!(storage::set("", &1), Err(Error::Invalid { .. })));
    let big = "x".repeat(liaison_contract::calls::MAX_VALUE);
    assert!(
        matches!(storage::set("big", &big), Err(Error::Limit(_))),
        "JSON quotes push it over"
    );
    host.storage_quota(64);
    assert!(matches!(
        storage::set("c", &"y".repeat(60)),
        Err(Error::Limit(_))
    ));
    assert_eq!(
        storage::set("b", &false),
        Ok(()),
        "replacing a value counts only the new one"
    );
}

#[test]
fn cases_are_filtered_newest_first_and_checked_on_create() {
    let host = TestHost::new();
    let mut tagged = case(2, "ecology", "河道有异味");
    tagged.tags.push("river".into());
    tagged.status = "registered".into();
    host.add_case(case(1, "other", "路灯坏了"))
        .add_case(tagged)
        .add_case(case(3, "other", "路面坑洼"));
    let ids = |q: CaseQuery| {
        cases::list(&q)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(CaseQuery::new()), vec![3, 2, 1]);
    assert_eq!(ids(CaseQuery::new().limit(2)), vec![3, 2]);
    assert_eq!(
        ids(CaseQuery::new().limit(0)),
        vec![3],
        "the host clamps the limit to 1..=200"
    );
    assert_eq!(ids(CaseQuery::new().tag("river")), vec![2]);
    assert_eq!(ids(CaseQuery::new().status("registered")), vec![2]);
    assert_eq!(
        ids(CaseQuery::new().category("other").text("路")),
        vec![3, 1]
    );
    assert!(matches!(
        cases::list(&CaseQuery::new().status("lost")),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(cases::get(9), Err(Error::NotFound(_))));

    let id = cases::create(
        &NewCase::new("other", "  这条路晚上太黑了，需要路灯  ")
            .tag("light")
            .tag("light"),
    )
    .unwrap();
    assert_eq!(id, 4);
    let c = host.case(id).unwrap();
    assert_eq!(c.description, "这条路晚上太黑了，需要路灯");
    assert_eq!(c.title, "这条路晚上太黑了，需要路灯");
    assert_eq!(
        (c.channel.as_str(), c.status.as_str()),
        ("plugin", "submitted")
    );
    assert_eq!(c.tags, vec!["light".to_string()]);
    assert_eq!(host.created_cases().len(), 1);
    let field = |r: Result<i64, Error>| match r {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(cases::create(&NewCase::new("weather", "今天下雨了吗"))),
        "category"
    );
    assert_eq!(
        field(cases::create(&NewCase::new("other", "太短"))),
        "description"
    );
    assert_eq!(
        field(cases::create(
            &NewCase::new("other", "这条路太黑了").deputy("nobody")
        )),
        "deputy"
    );
    assert_eq!(
        field(cases::create(
            &NewCase::new("other", "这条路太黑了").tag(" ")
        )),
        "tag"
    );
}

#[test]
fn tags_notes_and_suggestions_are_recorded() {
    let host = furnished();
    cases::tag(1, " urgent ").unwrap();
    cases::annotate(1, "已电话联系").unwrap();
    cases::suggest_organisation(1, "org", "归口单位").unwrap();
    cases::suggest_deputy(1, "d1", "熟悉情况").unwrap();
    assert_eq!(host.tags(), vec![(1, "urgent".to_string())]);
    assert_eq!(host.case(1).unwrap().tags, vec!["urgent".to_string()]);
    assert_eq!(host.annotations(), vec![(1, "已电话联系".to_string())]);
    assert_eq!(host.suggestions().len(), 2);
    assert!(matches!(cases::tag(9, "x"), Err(Error::NotFound(_))));
    assert!(matches!(cases::annotate(1, ""), Err(Error::Invalid { .. })));
    assert!(matches!(
        cases::suggest_organisation(1, "elsewhere", "r"),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        cases::suggest_deputy(1, "d9", "r"),
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn the_roster_is_bounded() {
    let host = TestHost::new();
    host.add_shift(shift("2026-03-03", "pm", "d1"))
        .add_shift(shift("2026-03-03", "am", "d2"))
        .add_shift(shift("2026-04-01", "am", "d1"));
    let r = deputies::roster("2026-03-01", "2026-03-31").unwrap();
    assert_eq!(
        r.iter().map(|s| s.half.as_str()).collect::<Vec<_>>(),
        vec!["am", "pm"]
    );
    assert!(
        deputies::roster("2026-01-01", "2026-04-03").is_ok(),
        "92 days later is allowed"
    );
    assert!(
        deputies::roster("2026-01-01", "2026-04-04").is_err(),
        "93 days later is not"
    );
    assert!(deputies::roster("2026-03-02", "2026-03-01").is_err());
    assert!(
        matches!(deputies::roster("2026-02-30", "2026-03-01"), Err(Error::Invalid { ref field, .. }) if field == "from")
    );
}

const MANIFEST: &str = r#"
id = "probe"
version = "0.1.0"
wit = "0.1.0"
capabilities = ["storage"]
listens = ["submit"]
[name]
zh = "探针"
en = "Probe"
[[views]]
id = "home"
audience = ["staff"]
[views.title]
zh = "首页"
en = "Home"
[[actions]]
id = "storage-get"
audience = ["resident"]
[actions.title]
zh = "读"
en = "Read"
[[actions.fields]]
name = "arg"
label = "键"
kind = "text"
required = true
max_length = 10
[[actions.fields]]
name = "when"
label = "日期"
kind = "date"
[[actions.fields]]
name = "ok"
label = "同意"
kind = "checkbox"
[[settings]]
name = "size"
kind = "integer"
default = 3
"#;

#[test]
fn with_a_manifest_calls_are_checked_as_the_host_checks_them() {
    let host = TestHost::with_manifest(MANIFEST);
    assert_eq!(crate::host::setting("size").as_deref(), Some("3"));
    assert!(matches!(
        host.render_view::<Probe>("home"),
        Err(Error::Denied(_))
    ));
    host.audience(Audience::Staff);
    assert!(host.render_view::<Probe>("home").is_ok());
    assert_eq!(
        host.render_view::<Probe>("other"),
        Err(Error::NotFound("view other".into()))
    );
    host.audience(Audience::Resident);
    let invalid = |values: &[(&str, &str)]| match host.run_action::<Probe>("storage-get", values) {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(invalid(&[]), "arg");
    assert_eq!(invalid(&[("arg", "12345678901")]), "arg");
    assert_eq!(invalid(&[("arg", "k"), ("when", "2026-13-01")]), "when");
    assert_eq!(invalid(&[("arg", "k"), ("ok", "maybe")]), "ok");
    assert_eq!(invalid(&[("arg", "k"), ("extra", "1")]), "extra");
    assert!(
        host.run_action::<Probe>("storage-get", &[("arg", " k "), ("ok", "on")])
            .is_ok()
    );
    assert_eq!(
        host.calls(),
        vec!["setting".to_string(), "storage-get".to_string()]
    );
    assert_eq!(
        host.run_action::<Probe>("storage-set", &[]),
        Err(Error::NotFound("action storage-set".into()))
    );
    // Only listened-to events are delivered.
    assert!(host.on_case_event::<Probe>(&host.event(1, "close")).is_ok());
}

#[test]
fn manifests_the_host_would_refuse_are_refused() {
    let bad = [
        MANIFEST.replace("id = \"probe\"", "id = \"Probe!\""),
        MANIFEST.replace("version = \"0.1.0\"", "version = \"1\""),
        MANIFEST.replace("wit = \"0.1.0\"", "wit = \"0.9.0\""),
        MANIFEST.replace("[\"storage\"]", "[\"network\"]"),
        MANIFEST.replace("listens = [\"submit\"]", "listens = [\"explode\"]"),
        MANIFEST.replace("audience = [\"staff\"]", "audience = []"),
        MANIFEST.replace("kind = \"date\"", "kind = \"colour\""),
        MANIFEST.replace("default = 3", "default = \"three\""),
        format!("{MANIFEST}\nunknown = 1\n"),
        format!("{MANIFEST}\n[schedule]\nevery_minutes = 0\n"),
    ];
    for text in bad {
        assert!(Manifest::parse(&text).is_err(), "accepted:\n{text}");
    }
    assert!(Manifest::parse(MANIFEST).is_ok());
}

#[test]
#[should_panic(expected = "does not declare")]
fn a_form_posting_to_an_undeclared_action_fails_the_test() {
    struct Stray;
    impl Brand for Stray {
        fn render_view(_: &str, _: &Context) -> Result<Vec<Block>, Error> {
            Ok(vec![Form::new("nowhere", "Go").into()])
        }
        fn run_action(_: &str, _: &Context, _: &FormInput) -> Result<ActionResult, Error> {
            Ok(ActionResult::message(""))
        }
    }
    let host = TestHost::with_manifest(MANIFEST);
    host.audience(Audience::Staff);
    let _ = host.render_view::<Stray>("home");
}

#[test]
fn errors_round_trip_through_the_wit_variant() {
    for e in [
        Error::denied("storage"),
        Error::invalid("f", "m"),
        Error::not_found("x"),
        Error::limit("y"),
        Error::failed("z"),
    ] {
        let wit: crate::bindings::Error = e.clone().into();
        assert_eq!(Error::from(wit), e);
    }
    assert_eq!(
        Error::invalid("question", "too long").to_string(),
        "invalid question: too long"
    );
}

#[test]
fn form_input_helpers() {
    let input = FormInput::new([("a", " x "), ("n", "42"), ("c", "true"), ("blank", "  ")]);
    assert_eq!(input.get("a"), Some(" x "));
    assert_eq!(input.required("a"), Ok("x"));
    assert!(
        matches!(input.required("blank"), Err(Error::Invalid { ref field, .. }) if field == "blank")
    );
    assert_eq!(input.parse::<u32>("n"), Ok(Some(42)));
    assert_eq!(input.parse::<u32>("missing"), Ok(None));
    assert!(input.parse::<u32>("a").is_err());
    assert!(input.checked("c"));
    assert!(!input.checked("a"));
}

#[test]
fn huge_answers_hit_the_result_limit() {
    struct Huge;
    impl Brand for Huge {
        fn render_view(_: &str, _: &Context) -> Result<Vec<Block>, Error> {
            Ok(vec![view::text("x".repeat(MAX_RESULT_BYTES + 1))])
        }
        fn run_action(_: &str, _: &Context, _: &FormInput) -> Result<ActionResult, Error> {
            Ok(ActionResult::message("x".repeat(MAX_RESULT_BYTES + 1)))
        }
    }
    let host = TestHost::new();
    assert!(matches!(
        host.render_view::<Huge>("home"),
        Err(Error::Limit(_))
    ));
    assert!(matches!(
        host.run_action::<Huge>("go", &[]),
        Err(Error::Limit(_))
    ));
}

/// A brand that makes as many host calls of one kind as its action says: `log:N`, `now:N`,
/// `get:N` (storage reads), with lines of `bytes` bytes for `log`.
struct Chatty;

impl Brand for Chatty {
    fn render_view(_view: &str, _ctx: &Context) -> Result<Vec<Block>, Error> {
        Ok(vec![])
    }

    fn run_action(action: &str, _ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        let (kind, n) = action.split_once(':').expect("kind:count");
        let n: u32 = n.parse().expect("a count");
        let bytes: usize = input.get("bytes").unwrap_or("10").parse().expect("bytes");
        let line = "x".repeat(bytes);
        for _ in 0..n {
            match kind {
                "log" => crate::log::info(&line),
                "now" => {
                    host::now();
                }
                "get" => {
                    storage::get::<u32>("k")?;
                }
                other => return Err(Error::not_found(other)),
            }
        }
        Ok(ActionResult::message("ok"))
    }
}

#[test]
fn every_import_counts_toward_the_bound_of_host_calls() {
    let host = TestHost::new();
    // Up to the bound (the host's as shipped): fine, and the count starts again per call.
    host.run_action::<Chatty>("now:1000", &[]).unwrap();
    host.run_action::<Chatty>("get:1000", &[]).unwrap();
    // Past it an import with an error answers `limit`, as at the host.
    assert!(matches!(
        host.run_action::<Chatty>("get:1001", &[]),
        Err(Error::Limit(m)) if m.contains("more than 1000 host calls")
    ));
    host.max_host_calls(5);
    assert!(matches!(
        host.run_action::<Chatty>("get:6", &[]),
        Err(Error::Limit(_))
    ));
    host.run_action::<Chatty>("log:5", &[]).unwrap();
}

#[test]
#[should_panic(expected = "more than 1000 host calls in one call")]
fn now_past_the_bound_stops_the_call_as_the_host_does() {
    let host = TestHost::new();
    let _ = host.run_action::<Chatty>("now:1001", &[]);
}

#[test]
#[should_panic(expected = "the host stops the call at `log`")]
fn log_past_the_bound_stops_the_call_as_the_host_does() {
    let host = TestHost::new();
    host.max_host_calls(10);
    let _ = host.run_action::<Chatty>("log:11", &[]);
}

#[test]
fn logs_are_capped_per_call_and_per_minute_as_at_the_host() {
    use liaison_contract::calls::{MAX_LOG_LINES_PER_CALL, MAX_LOG_LINES_PER_MINUTE};
    let host = TestHost::new();
    // Per call: 100 lines; the rest are dropped, and counted.
    host.run_action::<Chatty>("log:150", &[]).unwrap();
    assert_eq!(host.logs().len(), MAX_LOG_LINES_PER_CALL as usize);
    assert_eq!(host.log_dropped(), 50);
    // Per call: 64 KiB, whatever the lines.
    host.clear_records();
    host.run_action::<Chatty>("log:20", &[("bytes", "2000")])
        .unwrap();
    assert_eq!(host.logs().len(), 20, "40,000 bytes fit");
    host.run_action::<Chatty>("log:40", &[("bytes", "2000")])
        .unwrap();
    assert_eq!(
        host.logs().len(),
        20 + 32,
        "64 KiB is 32 lines of 2000 bytes"
    );
    // Per minute, all calls together: 1000 lines.
    host.clear_records();
    let dropped = host.log_dropped();
    for _ in 0..12 {
        host.run_action::<Chatty>("log:100", &[]).unwrap();
    }
    let kept_before = 100 + 20 + 32;
    assert_eq!(
        host.logs().len(),
        MAX_LOG_LINES_PER_MINUTE as usize - kept_before
    );
    assert_eq!(
        host.log_dropped() - dropped,
        1200 - (MAX_LOG_LINES_PER_MINUTE as u64 - kept_before as u64)
    );
}
