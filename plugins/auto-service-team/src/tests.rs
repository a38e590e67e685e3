//! Harness tests: every view for its audiences, every action's happy path and refusals, the
//! fair rotation, case events, capability denial.

use liaison_sdk::testing::{
    self, Suggestion, TestHost, form, invalid_field, stat, table_with, tables,
};

use super::*;
use crate::model::{Members, Record, Rotation, Turn, Visit};

const MANIFEST: &str = include_str!("../plugin.toml");

type B = AutoServiceTeam;

fn host() -> TestHost {
    let host = TestHost::with_manifest(MANIFEST);
    host.add_deputy(testing::deputy("LN001", "王建国"))
        .add_deputy(testing::deputy("LN002", "李明"))
        .add_deputy(testing::deputy("LN003", "陈芳"))
        .add_deputy(testing::deputy("LN009", "赵强"));
    host
}

/// A host with a team: LN001 repairs and inspection, LN002 repairs, LN003 new-energy cars.
fn team_host() -> TestHost {
    let host = host();
    host.audience(Audience::Staff);
    for (code, fields) in [
        ("LN001", "汽车维修，车辆年检"),
        ("LN002", "汽车维修"),
        ("LN003", "新能源汽车、二手车交易"),
    ] {
        host.run_action::<B>(
            "set-member",
            &[("deputy", code), ("fields", fields), ("active", "true")],
        )
        .unwrap();
    }
    host.audience(Audience::Resident);
    host.clear_records();
    host
}

fn suggested_deputies(host: &TestHost) -> Vec<(i64, String)> {
    host.suggestions()
        .into_iter()
        .filter_map(|s| match s {
            Suggestion::Deputy {
                case_id, deputy, ..
            } => Some((case_id, deputy)),
            _ => None,
        })
        .collect()
}

fn consult(host: &TestHost, slot: &str, question: &str) -> Result<ActionResult, Error> {
    host.run_action::<B>("consult", &[("field", slot), ("question", question)])
}

fn month_log(host: &TestHost, month: &str) -> Vec<Record> {
    host.stored(&model::log_key(month)).unwrap_or_default()
}

// ---- The residents' view ----

#[test]
fn home_shows_the_team_and_the_form_to_residents() {
    let host = team_host();
    let blocks = host.render_view::<B>("home").unwrap();
    let texts = testing::texts(&blocks);
    assert_eq!(texts[0], "智慧汽车服务团");
    assert!(
        texts[1].starts_with("路南街道汽车行业"),
        "the intro setting"
    );
    let items = blocks
        .iter()
        .find_map(|b| match b {
            Block::Items(i) => Some(i),
            _ => None,
        })
        .expect("the members");
    let shown: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.title.as_str(), i.detail.as_deref().unwrap()))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("王建国", "擅长：汽车维修、车辆年检"),
            ("李明", "擅长：汽车维修"),
            ("陈芳", "擅长：新能源汽车、二手车交易"),
        ]
    );
    let f = form(&blocks, "consult");
    let names: Vec<&str> = f.fields.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["field", "question", "enterprise"]);
    assert_eq!(
        f.fields[0].options,
        vec![
            ("1".to_string(), "二手车交易".to_string()),
            ("2".into(), "汽车维修".into()),
            ("3".into(), "车辆年检".into()),
            ("4".into(), "新能源汽车".into()),
            ("5".into(), "企业经营".into()),
        ]
    );
    assert!(f.fields[0].required && f.fields[1].required && !f.fields[2].required);
    assert_eq!(f.fields[1].max_length, 1000);
    // No staff matter on the residents' page.
    assert!(tables(&blocks).is_empty());
    assert!(
        !blocks
            .iter()
            .any(|b| matches!(b, Block::Form(f) if f.action != "consult"))
    );
}

#[test]
fn the_form_offers_the_station_vocabulary_within_the_declared_choices() {
    let host = host();
    host.setting("fields", "汽车维修, 摩托车维修，汽车维修");
    let blocks = host.render_view::<B>("home").unwrap();
    let f = form(&blocks, "consult");
    assert_eq!(
        f.fields[0].options,
        vec![
            ("1".to_string(), "汽车维修".to_string()),
            ("2".into(), "摩托车维修".into())
        ]
    );
    let declared = testing::Manifest::parse(MANIFEST).unwrap();
    let slots = &declared.action("consult").unwrap().fields[0].options;
    assert_eq!(
        slots.len(),
        model::MAX_VOCABULARY,
        "one declared choice per slot"
    );
    for (i, (value, _)) in slots.iter().enumerate() {
        assert_eq!(value, &(i + 1).to_string());
    }
    // The manifest's labels are the default vocabulary, as the setting's default.
    let defaults = declared.default_settings();
    let fields = &defaults["fields"];
    for (i, f) in model::vocabulary(Some(fields)).iter().enumerate() {
        assert_eq!(&slots[i].1, f);
    }
}

#[test]
fn home_without_members_invites_questions_anyway() {
    let host = host();
    let blocks = host.render_view::<B>("home").unwrap();
    assert!(
        testing::texts(&blocks)
            .iter()
            .any(|t| t.contains("成员名单正在整理"))
    );
    form(&blocks, "consult");
}

#[test]
fn home_reads_the_same_for_staff_and_in_english() {
    let host = team_host();
    host.audience(Audience::Staff).locale("en");
    let blocks = host.render_view::<B>("home").unwrap();
    let texts = testing::texts(&blocks);
    assert_eq!(texts[0], "Smart auto service team");
    assert!(texts.contains(&"Team members".to_string()));
    assert_eq!(form(&blocks, "consult").submit_label, "Send");
}

#[test]
fn home_hides_paused_members_and_deputies_who_left() {
    let host = team_host();
    host.audience(Audience::Staff);
    host.run_action::<B>("set-member", &[("deputy", "LN002"), ("active", "false")])
        .unwrap();
    let blocks = host.render_view::<B>("home").unwrap();
    let items = blocks
        .iter()
        .find_map(|b| match b {
            Block::Items(i) => Some(i),
            _ => None,
        })
        .unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["王建国", "陈芳"]);
}

#[test]
fn home_without_deputies_read_shows_codes() {
    let host = team_host();
    host.revoke("deputies.read");
    let blocks = host.render_view::<B>("home").unwrap();
    let items = blocks
        .iter()
        .find_map(|b| match b {
            Block::Items(i) => Some(i),
            _ => None,
        })
        .unwrap();
    assert_eq!(items[0].title, "LN001");
}

#[test]
fn home_without_storage_is_denied() {
    let host = host();
    host.revoke("storage");
    assert_eq!(
        host.render_view::<B>("home"),
        Err(Error::Denied("storage".into()))
    );
}

#[test]
fn unknown_views_and_actions_are_not_found() {
    let host = host();
    assert!(matches!(
        host.render_view::<B>("nope"),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        host.run_action::<B>("nope", &[]),
        Err(Error::NotFound(_))
    ));
    // Called directly, past the manifest, the brand answers the same.
    let ctx = host.context();
    assert!(matches!(
        B::render_view("nope", &ctx),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        B::run_action(
            "nope",
            &ctx,
            &FormInput::new(Vec::<(String, String)>::new())
        ),
        Err(Error::NotFound(_))
    ));
}

// ---- Consultations ----

#[test]
fn consult_files_a_tagged_case_and_names_the_suggested_member() {
    let host = team_host();
    let r = host
        .run_action::<B>(
            "consult",
            &[
                ("field", "2"),
                ("question", "  发动机异响，4S店说要大修，费用合理吗？ "),
                ("enterprise", "路南汽配城"),
            ],
        )
        .unwrap();
    let id = r.case_id.expect("a case id");
    assert_eq!(r.message, "已收到您的咨询。服务团建议由 王建国 代表跟进。");
    let created = host.created_cases();
    assert_eq!(created.len(), 1);
    let case = &created[0];
    assert_eq!(case.channel, "plugin");
    assert_eq!(case.category, "economy");
    assert_eq!(case.tags, vec![TAG.to_string()]);
    assert_eq!(
        case.description,
        "【咨询领域】汽车维修\n【企业】路南汽配城\n发动机异响，4S店说要大修，费用合理吗？"
    );
    assert!(
        case.title.starts_with("汽车服务团·汽车维修："),
        "{}",
        case.title
    );
    assert_eq!(case.deputy, None, "suggested, not addressed");
    assert_eq!(suggested_deputies(&host), vec![(id, "LN001".to_string())]);
    assert!(matches!(&host.suggestions()[0],
        Suggestion::Deputy { reason, .. } if reason.contains("擅长「汽车维修」")));
    assert_eq!(
        month_log(&host, "2026-03"),
        vec![Record {
            case: id,
            member: Some("LN001".into()),
            field: "汽车维修".into(),
            via: Via::Consult,
        }]
    );
    let rotation: Rotation = host.stored(model::ROTATION).unwrap();
    assert_eq!(rotation.turn("LN001"), Turn { n: 1, last: 1 });
}

#[test]
fn consultations_rotate_fairly_among_members_of_the_field() {
    let host = team_host();
    let mut got = Vec::new();
    for _ in 0..4 {
        consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    }
    for (_, d) in suggested_deputies(&host) {
        got.push(d);
    }
    assert_eq!(got, ["LN001", "LN002", "LN001", "LN002"]);

    // Inspection is LN001's alone.
    host.clear_records();
    consult(&host, "3", "车辆年检需要带哪些材料").unwrap();
    assert_eq!(suggested_deputies(&host)[0].1, "LN001");

    // Nobody lists 企业经营: everyone active takes turns; LN003 waited longest (never).
    host.clear_records();
    consult(&host, "5", "汽修厂想申请补贴怎么办").unwrap();
    consult(&host, "5", "汽修厂想申请补贴怎么办").unwrap();
    let d: Vec<String> = suggested_deputies(&host).into_iter().map(|x| x.1).collect();
    assert_eq!(d, ["LN003", "LN002"]);
    assert!(matches!(&host.suggestions()[0],
        Suggestion::Deputy { reason, .. } if reason.contains("暂无擅长「企业经营」")));

    let rotation: Rotation = host.stored(model::ROTATION).unwrap();
    assert_eq!(rotation.turn("LN001").n, 3);
    assert_eq!(rotation.turn("LN002").n, 3);
    assert_eq!(rotation.turn("LN003").n, 1);
}

#[test]
fn a_member_who_left_the_station_is_not_suggested() {
    let host = TestHost::with_manifest(MANIFEST);
    host.add_deputy(testing::deputy("LN001", "王建国"));
    host.store(
        model::MEMBERS,
        &Members::from([
            (
                "LN001".to_string(),
                Member {
                    fields: vec!["汽车维修".into()],
                    active: true,
                },
            ),
            (
                "LN000".to_string(),
                Member {
                    fields: vec!["汽车维修".into()],
                    active: true,
                },
            ),
        ]),
    );
    consult(&host, "2", "刹车片多久换一次").unwrap();
    assert_eq!(suggested_deputies(&host)[0].1, "LN001");
}

#[test]
fn consult_follows_the_category_setting_and_answers_in_english() {
    let host = team_host();
    host.setting("consult_category", "urban_construction")
        .locale("en");
    let r = consult(&host, "4", "小区什么时候能装充电桩").unwrap();
    assert!(r.case_id.is_some());
    assert_eq!(host.created_cases()[0].category, "urban_construction");
    assert_eq!(
        r.message,
        "Thank you. Deputy 陈芳 of the team will follow your question up."
    );
}

#[test]
fn consult_uses_the_station_vocabulary_by_position() {
    let host = team_host();
    host.setting("fields", "摩托车维修,汽车维修");
    consult(&host, "1", "摩托车换机油去哪里").unwrap();
    assert!(
        host.created_cases()[0]
            .description
            .starts_with("【咨询领域】摩托车维修")
    );
    // "3" is declared but this station's vocabulary has two entries.
    let r = consult(&host, "3", "摩托车换机油去哪里");
    assert_eq!(invalid_field(&r), "field");
}

#[test]
fn consult_refuses_bad_input_naming_the_field() {
    let host = team_host();
    let r = host.run_action::<B>("consult", &[("field", "2")]);
    assert_eq!(invalid_field(&r), "question");
    let r = consult(&host, "2", "   ");
    assert_eq!(invalid_field(&r), "question");
    let r = consult(&host, "2", "修车");
    assert_eq!(invalid_field(&r), "question", "shorter than 5 characters");
    let r = consult(&host, "13", "车子保养多久一次比较合适");
    assert_eq!(invalid_field(&r), "field", "not a declared choice");
    let r = consult(&host, "6", "车子保养多久一次比较合适");
    assert_eq!(invalid_field(&r), "field", "beyond the default vocabulary");
    let r = host.run_action::<B>("consult", &[("question", "车子保养多久一次比较合适")]);
    assert_eq!(invalid_field(&r), "field");
    let long = "车".repeat(1001);
    assert_eq!(invalid_field(&consult(&host, "2", &long)), "question");
    let r = host.run_action::<B>(
        "consult",
        &[
            ("field", "2"),
            ("question", "车子保养多久一次比较合适"),
            ("enterprise", &"企".repeat(61)),
        ],
    );
    assert_eq!(invalid_field(&r), "enterprise");
    assert!(host.created_cases().is_empty());
    assert!(host.suggestions().is_empty());
}

#[test]
fn consult_without_cases_create_is_denied_and_leaves_nothing() {
    let host = team_host();
    host.revoke("cases.create");
    let r = consult(&host, "2", "车子保养多久一次比较合适");
    assert_eq!(r, Err(Error::Denied("cases.create".into())));
    assert!(host.suggestions().is_empty());
    assert_eq!(host.stored::<Rotation>(model::ROTATION), None);
    assert!(month_log(&host, "2026-03").is_empty());
}

#[test]
fn consult_without_cases_suggest_still_files_the_case() {
    let host = team_host();
    host.revoke("cases.suggest");
    let r = consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    assert!(r.case_id.is_some());
    assert_eq!(r.message, "已收到您的咨询。联络站将尽快安排代表跟进。");
    assert!(host.logged("no member suggested"));
    assert!(host.logged("cases.suggest"));
    assert_eq!(
        host.stored::<Rotation>(model::ROTATION),
        None,
        "no turn taken"
    );
    assert_eq!(month_log(&host, "2026-03")[0].member, None);
}

#[test]
fn consult_with_no_team_still_files_the_case() {
    let host = host();
    let r = consult(&host, "1", "二手车过户要多久").unwrap();
    assert!(r.message.contains("联络站将尽快安排代表跟进"));
    assert_eq!(host.created_cases().len(), 1);
    assert!(host.suggestions().is_empty());
}

#[test]
fn a_category_the_host_does_not_know_is_a_failure_for_ops() {
    let host = team_host();
    host.setting("consult_category", "cars");
    let r = consult(&host, "2", "车子保养多久一次比较合适");
    assert!(
        matches!(&r, Err(Error::Failed(m)) if m.contains("consult_category")),
        "{r:?}"
    );
}

// ---- Membership ----

#[test]
fn staff_set_members_with_their_fields() {
    let host = host();
    host.audience(Audience::Staff);
    let r = host
        .run_action::<B>(
            "set-member",
            &[
                ("deputy", "LN009"),
                ("fields", "车险, 二手车交易"),
                ("active", "true"),
            ],
        )
        .unwrap();
    assert_eq!(
        r.message,
        "已保存：赵强（LN009），擅长 车险、二手车交易，在团服务。"
    );
    let members: Members = host.stored(model::MEMBERS).unwrap();
    assert_eq!(
        members["LN009"],
        Member {
            fields: vec!["车险".into(), "二手车交易".into()],
            active: true
        }
    );
    // Blank fields keep the old ones; an unticked box pauses.
    host.run_action::<B>("set-member", &[("deputy", "LN009")])
        .unwrap();
    let members: Members = host.stored(model::MEMBERS).unwrap();
    assert_eq!(members["LN009"].fields, vec!["车险", "二手车交易"]);
    assert!(!members["LN009"].active);
}

#[test]
fn set_member_refuses_bad_input_naming_the_field() {
    let host = host();
    host.audience(Audience::Staff);
    let r = host.run_action::<B>("set-member", &[("deputy", "XX999"), ("fields", "汽车维修")]);
    assert_eq!(invalid_field(&r), "deputy", "not a deputy of the station");
    let r = host.run_action::<B>("set-member", &[("fields", "汽车维修")]);
    assert_eq!(invalid_field(&r), "deputy");
    let r = host.run_action::<B>("set-member", &[("deputy", "LN001"), ("fields", " ，, ")]);
    assert_eq!(invalid_field(&r), "fields", "a new member needs a field");
    let long = "长".repeat(21);
    let r = host.run_action::<B>("set-member", &[("deputy", "LN001"), ("fields", &long)]);
    assert_eq!(invalid_field(&r), "fields");
    let many = (1..=9)
        .map(|i| format!("领域{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let r = host.run_action::<B>("set-member", &[("deputy", "LN001"), ("fields", &many)]);
    assert_eq!(invalid_field(&r), "fields");
    let r = host.run_action::<B>(
        "set-member",
        &[
            ("deputy", "LN001"),
            ("fields", "汽车维修"),
            ("active", "maybe"),
        ],
    );
    assert_eq!(invalid_field(&r), "active");
    assert_eq!(host.stored::<Members>(model::MEMBERS), None);
}

#[test]
fn the_team_is_bounded() {
    let host = host();
    host.audience(Audience::Staff);
    let full: Members = (0..model::MAX_MEMBERS)
        .map(|i| (format!("X{i:03}"), Member::default()))
        .collect();
    host.store(model::MEMBERS, &full);
    let r = host.run_action::<B>("set-member", &[("deputy", "LN001"), ("fields", "汽车维修")]);
    assert_eq!(invalid_field(&r), "deputy");
}

#[test]
fn set_member_is_for_staff_and_needs_deputies_read() {
    let host = host();
    let r = host.run_action::<B>("set-member", &[("deputy", "LN001"), ("fields", "汽车维修")]);
    assert_eq!(r, Err(Error::Denied("audience resident".into())));
    host.audience(Audience::Staff).revoke("deputies.read");
    let r = host.run_action::<B>("set-member", &[("deputy", "LN001"), ("fields", "汽车维修")]);
    assert_eq!(r, Err(Error::Denied("deputies.read".into())));
}

// ---- Visits ----

#[test]
fn staff_log_visits_and_see_the_latest() {
    let host = team_host();
    host.audience(Audience::Staff);
    let r = host
        .run_action::<B>(
            "log-visit",
            &[
                ("enterprise", "路南新能源汽车销售公司"),
                ("date", "2026-03-01"),
                ("member", "LN003"),
                ("outcome", "了解充电桩进小区难题，约定下周协调物业"),
            ],
        )
        .unwrap();
    assert_eq!(r.message, "已登记：2026-03-01 走访路南新能源汽车销售公司。");
    host.run_action::<B>(
        "log-visit",
        &[
            ("enterprise", "路南汽修厂"),
            ("date", "2026-02-20"),
            ("member", "LN001"),
            ("outcome", "宣讲维修行业新规"),
        ],
    )
    .unwrap();
    assert_eq!(
        host.stored::<Visit>("visit:2026-03-01:000001")
            .unwrap()
            .member,
        "LN003"
    );
    let blocks = host.render_view::<B>("desk").unwrap();
    assert_eq!(stat(&blocks, "走访企业"), "1", "one this month");
    let t = table_with(&blocks, "企业");
    assert_eq!(
        t.rows,
        vec![
            vec![
                "2026-03-01".to_string(),
                "路南新能源汽车销售公司".into(),
                "陈芳".into(),
                "了解充电桩进小区难题，约定下周协调物业".into()
            ],
            vec![
                "2026-02-20".into(),
                "路南汽修厂".into(),
                "王建国".into(),
                "宣讲维修行业新规".into()
            ],
        ]
    );
}

#[test]
fn log_visit_refuses_bad_input_naming_the_field() {
    let host = team_host();
    host.audience(Audience::Staff);
    let ok = [
        ("enterprise", "路南汽修厂"),
        ("date", "2026-03-01"),
        ("member", "LN001"),
        ("outcome", "宣讲维修行业新规"),
    ];
    let with = |name: &str, value: &str| -> Vec<(&str, String)> {
        ok.iter()
            .map(|(k, v)| {
                (
                    *k,
                    if *k == name {
                        value.to_owned()
                    } else {
                        v.to_string()
                    },
                )
            })
            .collect()
    };
    for (name, value) in [
        ("enterprise", ""),
        ("date", ""),
        ("date", "2026-02-30"),
        ("date", "2026-03-03"),
        ("member", "LN009"),
        ("member", ""),
        ("outcome", ""),
        ("outcome", &"长".repeat(301)),
    ] {
        let values = with(name, value);
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = host.run_action::<B>("log-visit", &values);
        assert_eq!(invalid_field(&r), name, "{name}={value}");
    }
    assert!(host.storage_keys().iter().all(|k| !k.starts_with("visit:")));
    host.audience(Audience::Resident);
    assert_eq!(
        host.run_action::<B>("log-visit", &ok),
        Err(Error::Denied("audience resident".into()))
    );
}

#[test]
fn visits_are_capped_oldest_first() {
    let host = team_host();
    host.audience(Audience::Staff);
    for i in 0..model::VISIT_CAP as u64 {
        let v = Visit {
            enterprise: "旧企业".into(),
            date: "2025-01-01".into(),
            member: "LN001".into(),
            outcome: "旧记录".into(),
        };
        host.store(&model::visit_key("2025-01-01", i + 1), &v);
    }
    host.store(model::VISIT_SEQ, &(model::VISIT_CAP as u64));
    host.run_action::<B>(
        "log-visit",
        &[
            ("enterprise", "路南汽修厂"),
            ("date", "2026-03-02"),
            ("member", "LN001"),
            ("outcome", "宣讲维修行业新规"),
        ],
    )
    .unwrap();
    let keys: Vec<String> = host
        .storage_keys()
        .into_iter()
        .filter(|k| k.starts_with(model::VISIT_PREFIX))
        .collect();
    assert_eq!(keys.len(), model::VISIT_CAP);
    assert!(!keys.contains(&model::visit_key("2025-01-01", 1)));
    assert!(keys.contains(&model::visit_key("2026-03-02", model::VISIT_CAP as u64 + 1)));
}

// ---- The staff desk ----

fn tagged(id: i64, status: &str, created: &str) -> CaseSummary {
    let mut c = testing::case(id, "economy", "汽车维修的咨询内容");
    c.tags.push(TAG.into());
    c.status = status.into();
    c.created_at = created.into();
    c
}

#[test]
fn the_desk_shows_figures_by_status_and_member() {
    let host = team_host();
    host.add_case(tagged(1, "closed", "2026-03-01T10:00:00+08:00"))
        .add_case(tagged(2, "in_progress", "2026-03-01T11:00:00+08:00"))
        .add_case(tagged(3, "replied", "2026-03-02T08:00:00+08:00"))
        .add_case(tagged(4, "submitted", "2026-03-02T08:30:00+08:00"))
        .add_case(tagged(5, "closed", "2026-02-27T08:30:00+08:00"))
        .add_case(testing::case(6, "economy", "别的事情，没有标签"));
    let rec = |case, member: Option<&str>| Record {
        case,
        member: member.map(str::to_owned),
        field: "汽车维修".into(),
        via: Via::Event,
    };
    host.store(
        &model::log_key("2026-03"),
        &vec![
            rec(1, Some("LN001")),
            rec(2, Some("LN001")),
            rec(3, Some("LN002")),
            rec(4, None),
        ],
    );
    host.store(&model::log_key("2026-02"), &vec![rec(5, Some("LN002"))]);
    host.store(
        model::ROTATION,
        &Rotation {
            seq: 4,
            turns: [
                ("LN001".to_string(), Turn { n: 2, last: 2 }),
                ("LN002".to_string(), Turn { n: 2, last: 4 }),
            ]
            .into(),
        },
    );
    host.audience(Audience::Staff);
    let blocks = host.render_view::<B>("desk").unwrap();
    assert_eq!(testing::texts(&blocks)[0], "汽车服务团工作台");
    assert_eq!(stat(&blocks, "咨询"), "4", "four of this month");
    assert_eq!(stat(&blocks, "解决率"), "50%", "closed and replied of four");
    assert_eq!(stat(&blocks, "走访企业"), "0");
    assert_eq!(stat(&blocks, "在团成员"), "3");
    let by_status = table_with(&blocks, "件数");
    assert_eq!(
        by_status.rows,
        vec![
            vec!["待登记".to_string(), "1".into()],
            vec!["办理中".into(), "1".into()],
            vec!["已答复".into(), "1".into()],
            vec!["已办结".into(), "2".into()],
        ]
    );
    let by_member = table_with(&blocks, "累计建议");
    assert_eq!(
        by_member.rows,
        vec![
            vec![
                "王建国".to_string(),
                "LN001".into(),
                "汽车维修、车辆年检".into(),
                "在团".into(),
                "2".into(),
                "1".into(),
                "1".into()
            ],
            vec![
                "李明".into(),
                "LN002".into(),
                "汽车维修".into(),
                "在团".into(),
                "2".into(),
                "0".into(),
                "2".into()
            ],
            vec![
                "陈芳".into(),
                "LN003".into(),
                "新能源汽车、二手车交易".into(),
                "在团".into(),
                "0".into(),
                "0".into(),
                "0".into()
            ],
        ]
    );
    assert!(testing::texts(&blocks).contains(&"未建议成员的咨询：1".to_string()));
    form(&blocks, "log-visit");
    form(&blocks, "set-member");
}

#[test]
fn the_desk_is_for_staff_only() {
    let host = team_host();
    assert_eq!(
        host.render_view::<B>("desk"),
        Err(Error::Denied("audience resident".into()))
    );
}

#[test]
fn the_desk_without_cases_read_warns_and_still_shows_the_team() {
    let host = team_host();
    host.audience(Audience::Staff).revoke("cases.read");
    let blocks = host.render_view::<B>("desk").unwrap();
    assert!(
        blocks
            .iter()
            .any(|b| matches!(b, Block::Notice(n) if n.kind == NoticeKind::Warning))
    );
    assert_eq!(stat(&blocks, "咨询"), "—");
    assert_eq!(stat(&blocks, "解决率"), "—");
    table_with(&blocks, "累计建议");
}

#[test]
fn the_desk_when_empty_and_in_english() {
    let host = host();
    host.audience(Audience::Staff).locale("en");
    let blocks = host.render_view::<B>("desk").unwrap();
    let texts = testing::texts(&blocks);
    assert_eq!(texts[0], "Auto service team desk");
    assert!(texts.contains(&"No consultations yet.".to_string()));
    assert!(texts.contains(&"No visits logged yet.".to_string()));
    assert_eq!(stat(&blocks, "Share solved"), "—");
}

#[test]
fn the_desk_marks_members_who_left_or_paused() {
    let host = team_host();
    host.audience(Audience::Staff);
    host.run_action::<B>("set-member", &[("deputy", "LN002"), ("active", "false")])
        .unwrap();
    let mut members: Members = host.stored(model::MEMBERS).unwrap();
    members.insert(
        "LN000".into(),
        Member {
            fields: vec!["车险".into()],
            active: true,
        },
    );
    host.store(model::MEMBERS, &members);
    let blocks = host.render_view::<B>("desk").unwrap();
    let t = table_with(&blocks, "累计建议");
    let states: Vec<(&str, &str)> = t
        .rows
        .iter()
        .map(|r| (r[1].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("LN000", "已非本站代表"),
            ("LN001", "在团"),
            ("LN002", "暂停"),
            ("LN003", "在团")
        ]
    );
}

#[test]
fn consultations_show_on_the_desk() {
    let host = team_host();
    consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    consult(&host, "4", "新能源车电池衰减怎么办").unwrap();
    host.audience(Audience::Staff);
    let blocks = host.render_view::<B>("desk").unwrap();
    assert_eq!(stat(&blocks, "咨询"), "2");
    assert_eq!(stat(&blocks, "解决率"), "0%");
    let t = table_with(&blocks, "累计建议");
    let open: Vec<&str> = t.rows.iter().map(|r| r[5].as_str()).collect();
    assert_eq!(open, ["1", "0", "1"]);
}

#[test]
fn percentages_round() {
    assert_eq!(percent(0, 0), "—");
    assert_eq!(percent(1, 3), "33%");
    assert_eq!(percent(2, 3), "67%");
    assert_eq!(percent(3, 3), "100%");
}

// ---- Case events ----

#[test]
fn a_car_case_from_residents_gets_the_tag_and_a_member() {
    let host = team_host();
    host.add_case(testing::case(
        40,
        "urban_construction",
        "小区里没有充电桩，新能源车充电很不方便",
    ));
    host.on_case_event::<B>(&host.event(40, "submit")).unwrap();
    assert_eq!(host.case(40).unwrap().tags, vec![TAG.to_string()]);
    assert_eq!(suggested_deputies(&host), vec![(40, "LN003".to_string())]);
    assert_eq!(
        month_log(&host, "2026-03"),
        vec![Record {
            case: 40,
            member: Some("LN003".into()),
            field: "新能源汽车".into(),
            via: Via::Event
        }]
    );
    // The same rotation as the form: the next repairs go to LN001, then LN002.
    host.add_case(testing::case(41, "economy", "汽车维修店乱收费怎么办"))
        .add_case(testing::case(42, "other", "4S店维修拖了一个月还没修好"));
    host.on_case_event::<B>(&host.event(41, "submit")).unwrap();
    let r = consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    host.on_case_event::<B>(&host.event(42, "submit")).unwrap();
    let d: Vec<(i64, String)> = suggested_deputies(&host);
    assert_eq!(
        d,
        vec![
            (40, "LN003".to_string()),
            (41, "LN001".into()),
            (r.case_id.unwrap(), "LN002".into()),
            (42, "LN001".into()),
        ]
    );
}

#[test]
fn repeated_deliveries_are_not_counted_twice() {
    let host = team_host();
    host.add_case(testing::case(40, "economy", "二手车过户手续太复杂了"));
    for _ in 0..3 {
        host.on_case_event::<B>(&host.event(40, "submit")).unwrap();
    }
    assert_eq!(suggested_deputies(&host).len(), 1);
    let rotation: Rotation = host.stored(model::ROTATION).unwrap();
    assert_eq!(rotation.turn("LN003"), Turn { n: 1, last: 1 });
    assert_eq!(month_log(&host, "2026-03").len(), 1);
}

#[test]
fn a_lost_tag_is_put_back_on_redelivery_without_a_new_suggestion() {
    let host = team_host();
    host.add_case(testing::case(40, "economy", "二手车过户手续太复杂了"));
    host.revoke("cases.tag");
    assert_eq!(
        host.on_case_event::<B>(&host.event(40, "submit")),
        Err(Error::Denied("cases.tag".into()))
    );
    assert_eq!(suggested_deputies(&host).len(), 1);
    host.grant("cases.tag");
    host.on_case_event::<B>(&host.event(40, "submit")).unwrap();
    assert_eq!(host.case(40).unwrap().tags, vec![TAG.to_string()]);
    assert_eq!(suggested_deputies(&host).len(), 1, "no second suggestion");
}

#[test]
fn the_teams_own_consultations_are_not_taken_on_again() {
    let host = team_host();
    let id = consult(&host, "2", "车子保养多久一次比较合适")
        .unwrap()
        .case_id
        .unwrap();
    let before: Rotation = host.stored(model::ROTATION).unwrap();
    host.clear_records();
    host.on_case_event::<B>(&host.event(id, "submit")).unwrap();
    assert!(host.suggestions().is_empty());
    assert!(host.tags().is_empty());
    assert_eq!(host.stored::<Rotation>(model::ROTATION), Some(before));
    assert_eq!(month_log(&host, "2026-03").len(), 1);
}

#[test]
fn cases_that_do_not_concern_cars_are_left_alone() {
    let host = team_host();
    host.add_case(testing::case(50, "economy", "菜市场摊位费太高"))
        .add_case(testing::case(51, "ecology", "汽车尾气污染严重，希望治理"))
        .add_case(testing::case(52, "social_security", "养老金领取问题"));
    for id in [50, 51, 52] {
        host.on_case_event::<B>(&host.event(id, "submit")).unwrap();
    }
    assert!(host.tags().is_empty());
    assert!(host.suggestions().is_empty());
    assert!(
        host.stored::<Vec<Record>>(&model::log_key("2026-03"))
            .is_none()
    );
}

#[test]
fn keywords_and_categories_are_station_settings() {
    let host = team_host();
    host.setting("keywords", "摩托车")
        .setting("event_categories", "ecology");
    host.add_case(testing::case(60, "economy", "汽车维修店乱收费怎么办"))
        .add_case(testing::case(61, "ecology", "摩托车噪音扰民"));
    host.on_case_event::<B>(&host.event(60, "submit")).unwrap();
    host.on_case_event::<B>(&host.event(61, "submit")).unwrap();
    assert_eq!(host.tags(), vec![(61, TAG.to_string())]);
    // No field named: every active member takes turns, LN001 first.
    assert_eq!(suggested_deputies(&host), vec![(61, "LN001".to_string())]);
}

#[test]
fn only_submit_is_listened_to_and_unknown_cases_are_skipped() {
    let host = team_host();
    host.add_case(testing::case(40, "economy", "二手车过户手续太复杂了"));
    host.on_case_event::<B>(&host.event(40, "register"))
        .unwrap();
    assert!(host.calls().is_empty(), "not delivered");
    host.on_case_event::<B>(&host.event(999, "submit")).unwrap();
    assert!(host.tags().is_empty());
}

#[test]
fn events_without_cases_read_are_denied() {
    let host = team_host();
    host.add_case(testing::case(40, "economy", "二手车过户手续太复杂了"));
    host.revoke("cases.read");
    assert_eq!(
        host.on_case_event::<B>(&host.event(40, "submit")),
        Err(Error::Denied("cases.read".into()))
    );
    host.grant("cases.read").revoke("cases.suggest");
    assert_eq!(
        host.on_case_event::<B>(&host.event(40, "submit")),
        Err(Error::Denied("cases.suggest".into()))
    );
    assert!(host.tags().is_empty(), "nothing half done");
    assert_eq!(host.stored::<Rotation>(model::ROTATION), None);
}

#[test]
fn a_car_case_with_no_team_is_tagged_without_a_suggestion() {
    let host = host();
    host.add_case(testing::case(40, "economy", "二手车过户手续太复杂了"));
    host.on_case_event::<B>(&host.event(40, "submit")).unwrap();
    assert_eq!(host.tags(), vec![(40, TAG.to_string())]);
    assert!(host.suggestions().is_empty());
    assert_eq!(month_log(&host, "2026-03")[0].member, None);
}

// ---- Bounds ----

#[test]
fn month_logs_keep_the_newest_months() {
    let host = team_host();
    for m in [
        "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01",
    ] {
        host.store(
            &model::log_key(m),
            &vec![Record {
                case: 1,
                member: None,
                field: String::new(),
                via: Via::Event,
            }],
        );
    }
    consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    let logs: Vec<String> = host
        .storage_keys()
        .into_iter()
        .filter(|k| k.starts_with(model::LOG_PREFIX))
        .collect();
    assert_eq!(logs.len(), model::LOG_MONTHS);
    assert_eq!(logs[0], "log:2025-09");
    assert_eq!(logs.last().unwrap(), "log:2026-03");
}

#[test]
fn a_full_month_log_stops_recording_but_not_serving() {
    let host = team_host();
    let full: Vec<Record> = (0..model::LOG_CAP as i64)
        .map(|i| Record {
            case: 10_000 + i,
            member: None,
            field: String::new(),
            via: Via::Event,
        })
        .collect();
    host.store(&model::log_key("2026-03"), &full);
    let r = consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    assert!(r.message.contains("王建国"));
    assert!(host.logged("is full"));
    assert_eq!(month_log(&host, "2026-03").len(), model::LOG_CAP);
}

#[test]
fn a_full_visit_record_fits_one_value() {
    let v = Visit {
        enterprise: "企".repeat(60),
        date: "2026-03-02".into(),
        member: "D".repeat(64),
        outcome: "效".repeat(300),
    };
    assert!(serde_json::to_vec(&v).unwrap().len() < 1400);
}

#[test]
fn a_month_log_stays_under_the_value_limit() {
    let host = team_host();
    // Long codes and fields: the bytes run out before the count does.
    let big = |i: i64, member: String| Record {
        case: 1_000_000_000 + i,
        member: Some(member),
        field: "长".repeat(model::MAX_FIELD_CHARS),
        via: Via::Event,
    };
    let size = |log: &Vec<Record>| serde_json::to_vec(log).unwrap().len();
    let mut log = Vec::new();
    let mut i = 0;
    while size(&log) < model::MAX_LOG_BYTES - 400 {
        log.push(big(i, "D".repeat(40)));
        i += 1;
    }
    assert!(log.len() < model::LOG_CAP);
    // One last record fills it to 20 bytes short of the limit.
    let base = serde_json::to_vec(&big(i, String::new())).unwrap().len();
    let pad = model::MAX_LOG_BYTES - 20 - size(&log) - 1 - base;
    log.push(big(i, "D".repeat(pad)));
    assert_eq!(size(&log), model::MAX_LOG_BYTES - 20);
    host.store(&model::log_key("2026-03"), &log);

    let r = consult(&host, "2", "车子保养多久一次比较合适").unwrap();
    assert!(r.message.contains("王建国"), "still served");
    assert!(host.logged("is full"));
    assert_eq!(month_log(&host, "2026-03").len(), log.len());
}
