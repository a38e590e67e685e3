//! Intake against the fixture district: each refusal names its field and kind; a valid opinion
//! is written once, with its receipt code, its contact apart and its `submit` event.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::*;
use crate::categories::{self, CategoryPatch};
use crate::deputies::{self, DeputyPatch};
use crate::plugins::entity::outbox;
use crate::testing::District;

/// The field and kind of a refusal, or a panic naming what came instead.
fn refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> (String, FieldKind) {
    match r {
        Err(Error::Invalid { field, kind }) => (field, kind),
        other => panic!("expected a field refusal, got {other:?}"),
    }
}

async fn check(d: &District, form: Intake) -> Result<NewCase, Error> {
    validate(&d.db, &d.reference, form, None).await
}

#[tokio::test]
async fn an_unknown_station_is_refused_beside_the_station_field() {
    let d = District::new().await;
    let (field, kind) = refusal(check(&d, District::intake(" nowhere ")).await);
    assert_eq!(field, "station");
    assert_eq!(
        kind,
        FieldKind::UnknownCode {
            thing: Thing::Station,
            code: "nowhere".into()
        }
    );
}

#[tokio::test]
async fn an_inactive_category_is_refused_like_an_unknown_one() {
    let d = District::new().await;
    let mut form = District::intake("lunan");
    form.category = "greens".into();
    assert!(check(&d, form).await.is_ok(), "active at first");

    categories::update(
        &d.db,
        &d.reference,
        "greens",
        &CategoryPatch {
            name: d.greens.name.clone(),
            name_en: d.greens.name_en.clone(),
            sort: d.greens.sort,
            active: false,
        },
    )
    .await
    .unwrap();
    let mut form = District::intake("lunan");
    form.category = "greens".into();
    let (field, kind) = refusal(check(&d, form).await);
    assert_eq!(field, "category");
    assert_eq!(
        kind,
        FieldKind::UnknownCode {
            thing: Thing::Category,
            code: "greens".into()
        }
    );
}

#[tokio::test]
async fn a_deputy_is_accepted_only_at_a_station_they_serve() {
    let d = District::new().await;
    let mut here = District::intake("lunan");
    here.deputy = Some("wang-hui".into());
    let new = check(&d, here).await.unwrap();
    assert_eq!(new.deputy_id, Some(d.deputy.id));
    assert_eq!(
        new.channel,
        Channel::DeputyQr,
        "a deputy code means deputy_qr"
    );

    let mut elsewhere = District::intake("pengjie");
    elsewhere.deputy = Some("wang-hui".into());
    let (field, kind) = refusal(check(&d, elsewhere).await);
    assert_eq!(field, "deputy");
    assert_eq!(
        kind,
        FieldKind::DeputyNotServing {
            deputy: "wang-hui".into(),
            station: Some("pengjie".into())
        }
    );
}

#[tokio::test]
async fn a_retired_deputy_gets_no_new_cases() {
    let d = District::new().await;
    deputies::update(
        &d.db,
        &d.reference,
        "wang-hui",
        &DeputyPatch {
            name: d.deputy.name.clone(),
            level: deputies::Level::District,
            station: "lunan".into(),
            also_serves: Vec::new(),
            profile: None,
            active: false,
        },
    )
    .await
    .unwrap();
    let mut form = District::intake("lunan");
    form.deputy = Some("wang-hui".into());
    let (field, kind) = refusal(check(&d, form).await);
    assert_eq!(field, "deputy");
    assert_eq!(
        kind,
        FieldKind::UnknownCode {
            thing: Thing::Deputy,
            code: "wang-hui".into()
        }
    );
}

#[tokio::test]
async fn an_empty_description_is_too_short() {
    let d = District::new().await;
    for blank in ["", "   \n "] {
        let mut form = District::intake("lunan");
        form.description = blank.into();
        let (field, kind) = refusal(check(&d, form).await);
        assert_eq!(field, "description");
        assert_eq!(
            kind,
            FieldKind::TooShort {
                min: liaison_contract::calls::MIN_DESCRIPTION as u32
            }
        );
    }
}

#[tokio::test]
async fn only_public_channels_are_taken_and_anonymity_means_no_contact() {
    let d = District::new().await;
    let mut form = District::intake("lunan");
    form.channel = Some(Channel::Plugin);
    let (field, kind) = refusal(check(&d, form).await);
    assert_eq!(field, "channel");
    assert!(matches!(kind, FieldKind::NotOneOf { .. }), "{kind:?}");

    let mut form = District::intake_with_contact("lunan");
    form.anonymous = true;
    assert_eq!(
        refusal(check(&d, form).await),
        ("contact".to_owned(), FieldKind::AnonymousContact)
    );
}

#[tokio::test]
async fn a_valid_opinion_through_the_writer_gets_a_receipt_and_a_submit_event() {
    let d = District::new().await;
    let writer = IntakeWriter::spawn(d.db.clone());
    let now = Utc::now();
    let new = check(&d, District::intake_with_contact("lunan"))
        .await
        .unwrap();
    let (created, fresh) = writer.submit(new, now).await.unwrap();
    assert!(fresh);
    assert_eq!(created.status, Status::Submitted);
    assert_eq!(
        receipt::normalise(&created.receipt_code).as_deref(),
        Some(created.receipt_code.as_str()),
        "a well-formed receipt code: {}",
        created.receipt_code
    );

    let case = cases::Entity::find_by_id(created.id)
        .one(&d.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.station_id, d.lunan.id);
    assert_eq!(case.category_id, d.roads.id);
    assert_eq!(case.channel, Channel::StationQr);
    assert_eq!(case.title, default_title("小区门口的路灯坏了一个月"));

    let evs = events::Entity::find()
        .filter(events::Column::CaseId.eq(created.id))
        .all(&d.db)
        .await
        .unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].action, "submit");
    assert_eq!(evs[0].to_status, "submitted");
    assert_eq!(evs[0].actor_role, "resident");
    assert!(evs[0].public);

    let kept = contact::entity::Entity::find_by_id(created.id)
        .one(&d.db)
        .await
        .unwrap()
        .expect("the contact is kept apart");
    assert_eq!(kept.phone.as_deref(), Some("13812345678"));
    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::CaseId.eq(created.id))
            .count(&d.db)
            .await
            .unwrap(),
        1,
        "the submit event is queued for the brands"
    );
}

#[tokio::test]
async fn the_same_idempotency_key_answers_the_first_case() {
    let d = District::new().await;
    let writer = IntakeWriter::spawn(d.db.clone());
    let now = Utc::now();
    let keyed = || async {
        let mut form = District::intake("lunan");
        form.client_key = Some("form-0001-abcd-efgh".into());
        check(&d, form).await.unwrap()
    };
    let (first, fresh) = writer.submit(keyed().await, now).await.unwrap();
    assert!(fresh);
    let (again, fresh) = writer.submit(keyed().await, now).await.unwrap();
    assert!(!fresh, "the second copy is not written");
    assert_eq!(again.id, first.id);
    assert_eq!(again.receipt_code, first.receipt_code);
    // The direct path answers the same way.
    let (direct, fresh) = insert(&d.db, keyed().await, now).await.unwrap();
    assert!(!fresh);
    assert_eq!(direct.id, first.id);
    assert_eq!(cases::Entity::find().count(&d.db).await.unwrap(), 1);

    // A malformed key is refused by name.
    let mut form = District::intake("lunan");
    form.client_key = Some("short".into());
    assert_eq!(
        refusal(validate(&d.db, &d.reference, form, None).await),
        (
            "client_key".to_owned(),
            FieldKind::Format(FormatKind::ClientKey)
        )
    );
}

#[tokio::test]
async fn the_writer_is_busy_while_cases_wait_and_idle_once_all_are_answered() {
    let d = District::new().await;
    let writer = IntakeWriter::spawn(d.db.clone());
    assert!(!writer.busy());
    let now = Utc::now();
    let mut forms = Vec::new();
    for _ in 0..20 {
        forms.push(check(&d, District::intake("lunan")).await.unwrap());
    }
    // Twenty at once, the same key twice (answered the single way): every path gives back
    // what it took, or the dispatcher would give way to an idle writer for ever.
    let mut keyed = District::intake("lunan");
    keyed.client_key = Some("form-0002-abcd-efgh".into());
    let keyed = check(&d, keyed).await.unwrap();
    forms.push(keyed.clone());
    forms.push(keyed);
    let tasks: Vec<_> = forms
        .into_iter()
        .map(|f| {
            let w = writer.clone();
            tokio::spawn(async move { w.submit(f, now).await })
        })
        .collect();
    // The tasks run up to their wait for the writer's answer.
    tokio::task::yield_now().await;
    assert!(writer.busy(), "busy while the cases are queued");
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    assert!(!writer.busy(), "idle once every case is answered");
}
