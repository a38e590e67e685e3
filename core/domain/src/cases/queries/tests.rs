//! Scoped reads against the fixture district: a station's staff see their station only, a
//! handler the cases their organisation handles, and the public tracking view carries neither
//! the contact nor internal notes.

use chrono::Utc;

use super::*;
use crate::auth::Actor;
use crate::cases::actions::{Context, Performer, perform};
use crate::cases::commands::{AssignBody, Command, NoteBody, ReasonBody, RegisterBody};
use crate::testing::District;

fn everything() -> CaseFilter {
    CaseFilter {
        station: None,
        status: None,
        category: None,
        organisation: None,
        overdue: None,
        supervision: None,
        text: None,
        tag: None,
        page: None,
        per_page: None,
    }
}

async fn ids(d: &District, actor: &Actor, f: &CaseFilter) -> (Vec<i64>, u64) {
    let (rows, total, _, _) = list(&d.db, actor, f, today(Utc::now())).await.unwrap();
    let mut ids: Vec<i64> = rows.into_iter().map(|c| c.id).collect();
    ids.sort_unstable();
    (ids, total)
}

async fn act(
    d: &District,
    who: &Actor,
    case_id: i64,
    command: Command,
) -> Result<cases::Model, Error> {
    let ctx = Context {
        rules: &d.settings.deadlines,
        now: Utc::now(),
    };
    perform(&d.db, &ctx, &Performer::User(who.clone()), case_id, command).await
}

/// Registers the case at its station and assigns it to `lead` with `co` helping.
async fn assign(d: &District, staff: &Actor, case_id: i64, lead: &str, co: &[&str]) {
    act(
        d,
        staff,
        case_id,
        Command::Register(RegisterBody::default()),
    )
    .await
    .unwrap();
    act(
        d,
        staff,
        case_id,
        Command::Assign(AssignBody {
            lead: lead.into(),
            co_handlers: co.iter().map(|c| (*c).to_owned()).collect(),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn station_staff_neither_list_nor_open_another_stations_case() {
    let d = District::new().await;
    let now = Utc::now();
    let here = d.submit(District::intake("lunan"), now).await.unwrap().id;
    let there = d.submit(District::intake("pengjie"), now).await.unwrap().id;

    assert_eq!(
        ids(&d, &d.lunan_staff, &everything()).await,
        (vec![here], 1)
    );
    assert_eq!(
        ids(&d, &d.pengjie_staff, &everything()).await,
        (vec![there], 1)
    );
    // Asking for the other station by name narrows further; it does not widen.
    let f = CaseFilter {
        station: Some("pengjie".into()),
        ..everything()
    };
    assert_eq!(ids(&d, &d.lunan_staff, &f).await, (vec![], 0));
    assert_eq!(ids(&d, &d.ops, &everything()).await.1, 2);

    // Opening it is "not found", not "forbidden": an id outside one's scope reveals nothing.
    let e = visible_case(&d.db, &d.lunan_staff, there)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(
        visible_case(&d.db, &d.lunan_staff, here).await.unwrap().id,
        here
    );
    let theirs = visible_case(&d.db, &d.pengjie_staff, there).await.unwrap();
    assert_eq!(theirs.station_id, d.pengjie.id);
    // Nor can they act on it: the action loads through the same scope.
    let e = act(
        &d,
        &d.lunan_staff,
        there,
        Command::Register(RegisterBody::default()),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
}

#[tokio::test]
async fn a_handler_sees_only_the_cases_their_organisation_handles() {
    let d = District::new().await;
    let now = Utc::now();
    let led_by_housing = d.submit(District::intake("lunan"), now).await.unwrap().id;
    let led_by_eco = d.submit(District::intake("lunan"), now).await.unwrap().id;
    let unassigned = d.submit(District::intake("lunan"), now).await.unwrap().id;
    assign(&d, &d.lunan_staff, led_by_housing, "housing", &[]).await;
    assign(&d, &d.lunan_staff, led_by_eco, "eco", &["housing"]).await;

    let lead_of = |id| {
        let db = d.db.clone();
        async move {
            cases::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .lead_org_id
        }
    };
    assert_eq!(lead_of(led_by_housing).await, Some(d.housing.id));
    assert_eq!(lead_of(led_by_eco).await, Some(d.eco.id));
    // housing leads one and co-handles the other; eco leads one only.
    assert_eq!(
        ids(&d, &d.housing_handler, &everything()).await,
        (vec![led_by_housing, led_by_eco], 2)
    );
    assert_eq!(
        ids(&d, &d.eco_handler, &everything()).await,
        (vec![led_by_eco], 1)
    );
    for handler in [&d.housing_handler, &d.eco_handler] {
        let e = visible_case(&d.db, handler, unassigned).await.unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    }
    let e = visible_case(&d.db, &d.eco_handler, led_by_housing)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");

    // A co-handler reads the case but only the lead signs for it.
    let e = act(
        &d,
        &d.housing_handler,
        led_by_eco,
        Command::Acknowledge(NoteBody::default()),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    let signed = act(
        &d,
        &d.eco_handler,
        led_by_eco,
        Command::Acknowledge(NoteBody::default()),
    )
    .await
    .unwrap();
    assert_eq!(signed.status, Status::InProgress);
}

#[tokio::test]
async fn the_tracking_view_carries_no_contact_and_no_internal_note() {
    let d = District::new().await;
    let created = d
        .submit(District::intake_with_contact("lunan"), Utc::now())
        .await
        .unwrap();
    assign(&d, &d.lunan_staff, created.id, "housing", &[]).await;
    // The handler sends it back with a reason meant for the station, not the resident.
    act(
        &d,
        &d.housing_handler,
        created.id,
        Command::Return(ReasonBody {
            reason: "内部说明：应由生态环境分局办理".into(),
        }),
    )
    .await
    .unwrap();

    // Typed in lower case with spaces: the code is normalised.
    let typed = created.receipt_code.to_lowercase().replace('-', " ");
    let view = track(&d.db, &d.reference, &typed).await.unwrap();
    assert_eq!(view.receipt_code, created.receipt_code);
    assert_eq!(view.status, Status::Registered);
    let steps: Vec<&str> = view.timeline.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        steps,
        ["submit", "register", "assign"],
        "the return is internal"
    );

    let json = serde_json::to_string(&view).unwrap();
    for secret in [
        "13812345678",
        "138****5678",
        "李四",
        "内部说明",
        "lunan-staff",
        "housing",
    ] {
        assert!(!json.contains(secret), "{secret} leaked into {json}");
    }

    // A malformed and an unknown code are the same "not found".
    for code in ["nonsense", "2222-2222"] {
        let e = track(&d.db, &d.reference, code).await.unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    }
}
