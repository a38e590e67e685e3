//! The suggestions service on the shared fixture: filing, every step and its refusals, scope
//! per role, the resident's link, the counts and the appraisal measures.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::actions::{self, Context};
use super::commands::*;
use super::filing::{self, NewSuggestion};
use super::queries::{self, SuggestionFilter, View};
use super::sessions::{self, SessionInput};
use super::*;
use crate::auth::Actor;
use crate::calendar::Calendar;
use crate::configuration::SuggestionRules;
use crate::error::{Error, FieldKind};
use crate::testing::District;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Monday 2 March 2026, 10:00 in Luqiao.
fn monday() -> DateTime<Utc> {
    at("2026-03-02T02:00:00Z")
}

async fn session(d: &District) -> i64 {
    sessions::create(
        &d.db,
        &d.ops,
        &SessionInput {
            level: "district".into(),
            term: 18,
            meeting: 3,
            name: "路桥区第十八届人民代表大会第三次会议".into(),
            opens_on: NaiveDate::from_ymd_opt(2026, 2, 25).unwrap(),
        },
        monday(),
    )
    .await
    .unwrap()
    .id
}

fn new(session: i64) -> NewSuggestion {
    NewSuggestion {
        kind: Kind::Suggestion,
        session,
        during_session: true,
        title: "关于加快石曲村路灯修复的建议".into(),
        body: "石曲村多处路灯损坏已有一个月，居民夜间出行不便，建议尽快修复并建立巡查机制。".into(),
        cosigners: Vec::new(),
        delegation: None,
        cases: Vec::new(),
    }
}

async fn step(d: &District, who: &Actor, id: i64, c: Command) -> Result<Suggestion, Error> {
    let rules = SuggestionRules::default();
    let ctx = Context {
        rules: &rules,
        now: monday() + Duration::days(7),
    };
    actions::perform(&d.db, &ctx, who, id, c).await
}

fn consult() -> Command {
    Command::Consult(ConsultBody {
        day: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        way: ConsultWay::InPerson,
        people: "王惠、住建局李科长".into(),
        note: None,
    })
}

fn reply(class: ReplyClass) -> Command {
    Command::Reply(ReplyBody {
        class,
        text: "已安排施工队对全部损坏路灯进行更换。".into(),
        reason: (class == ReplyClass::C).then(|| "资金未落实".into()),
        planned_on: (class == ReplyClass::B).then(|| NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()),
    })
}

fn assign(lead: &str, co: &[&str]) -> Command {
    Command::Assign(AssignBody {
        lead: lead.into(),
        co_organisations: co.iter().map(|c| (*c).to_owned()).collect(),
        ..Default::default()
    })
}

fn evaluate(e: Evaluation) -> Command {
    Command::Evaluate(EvaluateBody {
        evaluation: e,
        comment: None,
    })
}

#[tokio::test]
async fn a_suggestion_from_a_case_walks_to_closed() {
    let d = District::new().await;
    let s = session(&d).await;
    let case = d.submit(District::intake("lunan"), monday()).await.unwrap();
    let mut form = new(s);
    form.cases = vec![case.id];
    let item = filing::file(&d.db, &d.deputy_user, &form, monday())
        .await
        .unwrap();
    assert_eq!(item.status, Status::Filed);
    assert_eq!(item.serial, 1);
    assert_eq!(item.station_id, d.lunan.id);

    // The resident's tracking view names the suggestion.
    let track = crate::cases::queries::track(&d.db, &d.reference, &case.receipt_code)
        .await
        .unwrap();
    assert_eq!(track.suggestions.len(), 1);
    assert_eq!(track.suggestions[0].number, "建议第1号");
    assert_eq!(track.suggestions[0].status_label, "已提交");

    let item = step(&d, &d.ops, item.id, Command::Register(NoteBody::default()))
        .await
        .unwrap();
    assert_eq!(item.status, Status::Registered);
    let item = step(&d, &d.ops, item.id, assign("housing", &["eco"]))
        .await
        .unwrap();
    assert_eq!(item.status, Status::Assigned);
    // Three months from 9 March 2026 is 9 June, a Tuesday.
    assert_eq!(item.reply_deadline, NaiveDate::from_ymd_opt(2026, 6, 9));
    assert_eq!(
        item.co_opinion_deadline,
        NaiveDate::from_ymd_opt(2026, 4, 9)
    );
    assert_eq!(item.due_on, item.reply_deadline);

    // The lead replies only after consulting the deputy.
    let e = step(&d, &d.housing_handler, item.id, reply(ReplyClass::A))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("assigned")),
        "{e:?}"
    );
    // A co-organisation neither consults nor replies, but sends its opinion.
    let e = step(&d, &d.eco_handler, item.id, consult())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    step(
        &d,
        &d.eco_handler,
        item.id,
        Command::CoOpinion(CoOpinionBody {
            opinion: "同意主办单位意见".into(),
        }),
    )
    .await
    .unwrap();
    step(&d, &d.housing_handler, item.id, consult())
        .await
        .unwrap();
    let item = step(&d, &d.housing_handler, item.id, reply(ReplyClass::A))
        .await
        .unwrap();
    assert_eq!(item.status, Status::Replied);
    assert_eq!(item.replied_on_time, Some(true));

    // Unsatisfied sends it back once, with its own deadline.
    let item = step(
        &d,
        &d.deputy_user,
        item.id,
        evaluate(Evaluation::Unsatisfied),
    )
    .await
    .unwrap();
    assert_eq!(item.status, Status::Rehandling);
    assert_eq!(item.rehandle_deadline, NaiveDate::from_ymd_opt(2026, 4, 9));
    let item = step(&d, &d.housing_handler, item.id, reply(ReplyClass::A))
        .await
        .unwrap();
    let item = step(
        &d,
        &d.deputy_user,
        item.id,
        evaluate(Evaluation::Unsatisfied),
    )
    .await
    .unwrap();
    assert_eq!(item.status, Status::Closed, "not sent back a second time");
    assert!(item.closed_at.is_some());

    let track = crate::cases::queries::track(&d.db, &d.reference, &case.receipt_code)
        .await
        .unwrap();
    assert_eq!(track.suggestions[0].status_label, "已办结");
    assert!(track.suggestions[0].reply_text.is_some());

    // Every step is in the history.
    let cal = Calendar::load(&d.db).await.unwrap();
    let dir = d.reference.directory(&d.db).await.unwrap();
    let rules = SuggestionRules::default();
    let view = View::load(&d.db, &dir, &cal, &rules, monday())
        .await
        .unwrap();
    let detail = queries::detail(&d.db, &view, &d.ops, item.id)
        .await
        .unwrap();
    let steps: Vec<&str> = detail.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        steps,
        [
            "file",
            "register",
            "assign",
            "co_opinion",
            "consult",
            "reply",
            "evaluate",
            "reply",
            "evaluate"
        ]
    );
    assert_eq!(detail.cases.len(), 1);
    assert!(detail.actions.is_empty());
}

#[tokio::test]
async fn b_replies_are_followed_up_and_confirmed() {
    let d = District::new().await;
    let s = session(&d).await;
    let item = filing::file(&d.db, &d.deputy_user, &new(s), monday())
        .await
        .unwrap();
    step(&d, &d.ops, item.id, Command::Register(NoteBody::default()))
        .await
        .unwrap();
    step(&d, &d.ops, item.id, assign("housing", &[]))
        .await
        .unwrap();
    step(&d, &d.housing_handler, item.id, consult())
        .await
        .unwrap();
    // B needs its planned date, C its reason.
    let e = step(
        &d,
        &d.housing_handler,
        item.id,
        Command::Reply(ReplyBody {
            class: ReplyClass::B,
            text: "已列入明年城建计划。".into(),
            reason: None,
            planned_on: None,
        }),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::Required } if field == "planned_on"),
        "{e:?}"
    );
    let e = step(
        &d,
        &d.housing_handler,
        item.id,
        Command::Reply(ReplyBody {
            class: ReplyClass::C,
            text: "受条件限制暂不能解决。".into(),
            reason: None,
            planned_on: None,
        }),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, .. } if field == "reason"),
        "{e:?}"
    );
    let item = step(&d, &d.housing_handler, item.id, reply(ReplyClass::B))
        .await
        .unwrap();
    let item = step(&d, &d.deputy_user, item.id, evaluate(Evaluation::Satisfied))
        .await
        .unwrap();
    assert_eq!(item.status, Status::FollowingUp);
    assert_eq!(item.due_on, NaiveDate::from_ymd_opt(2026, 9, 30));
    // The deputy does not confirm; the office does.
    let confirm = || {
        Command::Confirm(ConfirmBody {
            solved: true,
            note: None,
        })
    };
    assert!(matches!(
        step(&d, &d.deputy_user, item.id, confirm()).await,
        Err(Error::Forbidden(_))
    ));
    let item = step(&d, &d.ops, item.id, confirm()).await.unwrap();
    assert_eq!(item.status, Status::Closed);
    assert_eq!(item.solved, Some(true));
}

#[tokio::test]
async fn motions_need_ten_deputies_or_a_delegation() {
    let d = District::new().await;
    let s = session(&d).await;
    let mut form = new(s);
    form.kind = Kind::Motion;
    let e = filing::file(&d.db, &d.deputy_user, &form, monday())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::Count { min: 9, .. } } if field == "cosigners"),
        "{e:?}"
    );
    for i in 0..9 {
        d.another_deputy(&format!("co-{i}"), "pengjie").await;
        form.cosigners.push(format!("co-{i}"));
    }
    let m = filing::file(&d.db, &d.deputy_user, &form, monday())
        .await
        .unwrap();
    assert_eq!(m.kind, Kind::Motion);
    assert_eq!(m.serial, 1);
    // A delegation's motion needs no co-signers; a suggestion takes no delegation.
    let mut by_delegation = new(s);
    by_delegation.kind = Kind::Motion;
    by_delegation.delegation = Some("路南代表团".into());
    assert_eq!(
        filing::file(&d.db, &d.deputy_user, &by_delegation, monday())
            .await
            .unwrap()
            .serial,
        2
    );
    let mut wrong = new(s);
    wrong.delegation = Some("路南代表团".into());
    let e = filing::file(&d.db, &d.deputy_user, &wrong, monday())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::NotApplicable } if field == "delegation")
    );
    // Unknown and repeated co-signers are named.
    let mut bad = new(s);
    bad.cosigners = vec!["co-1".into(), "nobody".into()];
    let e = filing::file(&d.db, &d.deputy_user, &bad, monday())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, .. } if field == "cosigners[1]"),
        "{e:?}"
    );
    bad.cosigners = vec!["co-1".into(), "co-1".into()];
    let e = filing::file(&d.db, &d.deputy_user, &bad, monday())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::Conflict } if field == "cosigners[1]")
    );
}

#[tokio::test]
async fn bad_input_is_refused_beside_its_field() {
    let d = District::new().await;
    let s = session(&d).await;
    let mut f = new(s);
    f.title = "x".repeat(MAX_TITLE + 1);
    let e = filing::file(&d.db, &d.deputy_user, &f, monday())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::TooLong { max: 100 } } if field == "title")
    );
    let mut f = new(s);
    f.body = "太短".into();
    let e = filing::file(&d.db, &d.deputy_user, &f, monday())
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Invalid { field, .. } if field == "body"));
    let mut f = new(s);
    f.session = 999;
    let e = filing::file(&d.db, &d.deputy_user, &f, monday())
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Invalid { field, .. } if field == "session"));
    // A case of another station is not the deputy's to raise.
    let other = d
        .submit(District::intake("pengjie"), monday())
        .await
        .unwrap();
    let mut f = new(s);
    f.cases = vec![other.id];
    let e = filing::file(&d.db, &d.deputy_user, &f, monday())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, .. } if field == "cases[0]"),
        "{e:?}"
    );
    // Only deputies file.
    let e = filing::file(&d.db, &d.lunan_staff, &new(s), monday())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));
    // The lead may not be a co-organisation too.
    let item = filing::file(&d.db, &d.deputy_user, &new(s), monday())
        .await
        .unwrap();
    step(&d, &d.ops, item.id, Command::Register(NoteBody::default()))
        .await
        .unwrap();
    let e = step(&d, &d.ops, item.id, assign("housing", &["housing"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::LeadAsCoHandler } if field == "co_organisations[0]")
    );
    let e = step(&d, &d.ops, item.id, assign("nowhere", &[]))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Invalid { field, .. } if field == "lead"));
    // Nothing half-written: still registered, no organisations.
    let cal = Calendar::load(&d.db).await.unwrap();
    let dir = d.reference.directory(&d.db).await.unwrap();
    let rules = SuggestionRules::default();
    let view = View::load(&d.db, &dir, &cal, &rules, monday())
        .await
        .unwrap();
    let detail = queries::detail(&d.db, &view, &d.ops, item.id)
        .await
        .unwrap();
    assert_eq!(detail.summary.status, Status::Registered);
    assert!(detail.organisations.is_empty());
    // A session twice is a conflict on the meeting.
    let e = sessions::create(
        &d.db,
        &d.ops,
        &SessionInput {
            level: "district".into(),
            term: 18,
            meeting: 3,
            name: "重复".into(),
            opens_on: NaiveDate::from_ymd_opt(2026, 2, 25).unwrap(),
        },
        monday(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::Conflict } if field == "meeting")
    );
}

#[tokio::test]
async fn each_role_sees_its_own_part() {
    let d = District::new().await;
    let s = session(&d).await;
    let mine = filing::file(&d.db, &d.deputy_user, &new(s), monday())
        .await
        .unwrap();
    let other = d.another_deputy("li-ming", "pengjie").await;
    let theirs = filing::file(&d.db, &other, &new(s), monday())
        .await
        .unwrap();
    step(
        &d,
        &d.ops,
        theirs.id,
        Command::Register(NoteBody::default()),
    )
    .await
    .unwrap();
    step(&d, &d.ops, theirs.id, assign("eco", &[]))
        .await
        .unwrap();
    let cal = Calendar::load(&d.db).await.unwrap();
    let dir = d.reference.directory(&d.db).await.unwrap();
    let rules = SuggestionRules::default();
    let view = View::load(&d.db, &dir, &cal, &rules, monday())
        .await
        .unwrap();
    async fn listed(d: &District, view: &View<'_>, a: &Actor) -> Result<Vec<i64>, Error> {
        queries::list(&d.db, view, a, &SuggestionFilter::default())
            .await
            .map(|l| l.into_iter().map(|s| s.id).collect())
    }
    let ids = |a: &Actor| {
        let a = a.clone();
        let view = &view;
        let d = &d;
        async move { listed(d, view, &a).await }
    };
    assert_eq!(ids(&d.deputy_user).await.unwrap(), [mine.id]);
    assert_eq!(ids(&d.lunan_staff).await.unwrap(), [mine.id]);
    assert_eq!(ids(&d.pengjie_staff).await.unwrap(), [theirs.id]);
    assert_eq!(ids(&d.eco_handler).await.unwrap(), [theirs.id]);
    assert!(ids(&d.housing_handler).await.unwrap().is_empty());
    assert_eq!(ids(&d.ops).await.unwrap(), [theirs.id, mine.id]);
    assert_eq!(ids(&d.viewer).await.unwrap(), [theirs.id, mine.id]);
    // Out of reach is not found, for reading and acting alike.
    assert!(matches!(
        queries::detail(&d.db, &view, &d.deputy_user, theirs.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        step(&d, &d.housing_handler, theirs.id, consult()).await,
        Err(Error::NotFound(_))
    ));
    // Viewers read and never act.
    assert!(matches!(
        step(
            &d,
            &d.viewer,
            mine.id,
            Command::Register(NoteBody::default())
        )
        .await,
        Err(Error::Forbidden(_))
    ));
    // The public list shows accepted items only.
    let public = queries::public_list(&d.db, &view, &Default::default())
        .await
        .unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].lead.as_ref().unwrap().code, "eco");
}

#[tokio::test]
async fn measures_and_counts_by_hand() {
    let d = District::new().await;
    let s = session(&d).await;
    // Three for housing: A on time in person; B by phone; one still open.
    let mut ids = Vec::new();
    for _ in 0..3 {
        let item = filing::file(&d.db, &d.deputy_user, &new(s), monday())
            .await
            .unwrap();
        step(&d, &d.ops, item.id, Command::Register(NoteBody::default()))
            .await
            .unwrap();
        step(&d, &d.ops, item.id, assign("housing", &[]))
            .await
            .unwrap();
        ids.push(item.id);
    }
    step(&d, &d.housing_handler, ids[0], consult())
        .await
        .unwrap();
    step(&d, &d.housing_handler, ids[0], reply(ReplyClass::A))
        .await
        .unwrap();
    step(&d, &d.deputy_user, ids[0], evaluate(Evaluation::Satisfied))
        .await
        .unwrap();
    step(
        &d,
        &d.housing_handler,
        ids[1],
        Command::Consult(ConsultBody {
            day: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            way: ConsultWay::Phone,
            people: "王惠".into(),
            note: None,
        }),
    )
    .await
    .unwrap();
    step(&d, &d.housing_handler, ids[1], reply(ReplyClass::C))
        .await
        .unwrap();
    step(
        &d,
        &d.deputy_user,
        ids[1],
        evaluate(Evaluation::BasicallySatisfied),
    )
    .await
    .unwrap();
    let m = measures::org_year(&d.db, 2026).await.unwrap();
    let h = m.get(&d.housing.id).copied().unwrap();
    assert_eq!(
        h,
        measures::SuggestionMeasures {
            assigned: 3,
            replied: 2,
            replied_on_time: 2,
            in_person: 1,
            class_ab: 1,
            evaluated: 2,
            satisfied: 1,
            basically_satisfied: 1,
            unsatisfied: 0,
        }
    );
    // on time 1 → 30; in person 1/2 → 10; A/B 1/2 → 10; satisfaction 1.6/2 → 24: 74.
    let v = crate::oversight::scoring::proposals(&h).unwrap();
    assert!((v - 74.0).abs() < 1e-9, "{v}");
    let c = queries::counts(&d.db, Some(d.lunan.id)).await.unwrap();
    assert_eq!(c.filed, 3);
    assert_eq!(c.in_handling, 1);
    assert_eq!(c.replied, 2);
    assert_eq!(c.satisfaction_rate, Some(1.0));
    assert_eq!(
        queries::counts(&d.db, Some(d.pengjie.id))
            .await
            .unwrap()
            .filed,
        0
    );
}

#[tokio::test]
async fn return_revise_and_letter() {
    let d = District::new().await;
    let s = session(&d).await;
    let item = filing::file(&d.db, &d.deputy_user, &new(s), monday())
        .await
        .unwrap();
    let item = step(
        &d,
        &d.ops,
        item.id,
        Command::Return(ReasonBody {
            reason: "请补充具体地点".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(item.status, Status::Returned);
    assert_eq!(item.return_reason.as_deref(), Some("请补充具体地点"));
    // Registering a returned item is a conflict naming its state.
    let e = step(&d, &d.ops, item.id, Command::Register(NoteBody::default()))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Conflict(m) if m.contains("returned") && m.contains("register")));
    let item = step(
        &d,
        &d.deputy_user,
        item.id,
        Command::Revise(ReviseBody {
            title: Some("关于石曲村三组路灯修复的建议".into()),
            body: None,
            note: None,
        }),
    )
    .await
    .unwrap();
    assert_eq!(item.status, Status::Filed);
    assert!(item.return_reason.is_none());
    let item = step(
        &d,
        &d.ops,
        item.id,
        Command::ToLetter(ReasonBody {
            reason: "属于一般性来信事项".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(item.status, Status::Letter);
    assert!(item.closed_at.is_some());
}
