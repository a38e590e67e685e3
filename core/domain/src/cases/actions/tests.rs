//! Commands performed straight on an in-memory database, without a server in between.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::Value;

use super::{Context, Performer, perform};
use crate::cases::commands::{AssignBody, Command, NoteAudience, ReasonBody, RegisterBody};
use crate::cases::entity::{cases, events, handlers};
use crate::configuration::Settings;
use crate::error::Error;
use crate::testing::District;

struct World {
    db: DatabaseConnection,
    settings: Settings,
    staff: Performer,
    case_id: i64,
}

/// The fixture district with one submitted case at `lunan` (category `roads`; organisations
/// `housing` and `eco` exist).
async fn world() -> World {
    let d = District::new().await;
    let case = d
        .submit(District::intake("lunan"), Utc::now())
        .await
        .expect("case");
    World {
        staff: Performer::User(d.lunan_staff.clone()),
        db: d.db,
        settings: d.settings,
        case_id: case.id,
    }
}

impl World {
    async fn run(&self, command: Command) -> Result<cases::Model, Error> {
        let ctx = Context {
            rules: &self.settings.deadlines,
            now: Utc::now(),
        };
        perform(&self.db, &ctx, &self.staff, self.case_id, command).await
    }

    async fn case(&self) -> cases::Model {
        cases::Entity::find_by_id(self.case_id)
            .one(&self.db)
            .await
            .expect("read")
            .expect("the case")
    }

    async fn events(&self) -> Vec<events::Model> {
        events::Entity::find()
            .filter(events::Column::CaseId.eq(self.case_id))
            .all(&self.db)
            .await
            .expect("read")
    }
}

#[tokio::test]
async fn register_then_assign_writes_the_case_its_handlers_and_events() {
    let w = world().await;
    let after = w
        .run(Command::Register(RegisterBody::default()))
        .await
        .expect("registered");
    assert_eq!(after.status, crate::cases::Status::Registered);

    let after = w
        .run(Command::Assign(AssignBody {
            lead: " housing ".into(),
            co_handlers: vec!["eco".into()],
            ..Default::default()
        }))
        .await
        .expect("assigned");
    assert_eq!(after.status, crate::cases::Status::Assigned);
    assert!(after.lead_org_id.is_some());
    assert!(after.sign_deadline.is_some() && after.reply_deadline.is_some());
    assert_eq!(
        after.due_on, after.sign_deadline,
        "the next step is to sign for it"
    );
    let roles: Vec<String> = handlers::Entity::find()
        .filter(handlers::Column::CaseId.eq(w.case_id))
        .all(&w.db)
        .await
        .expect("read")
        .into_iter()
        .map(|h| h.role)
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&"lead".to_owned()) && roles.contains(&"co".to_owned()));

    let events = w.events().await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["submit", "register", "assign"]);
    let data: Value =
        serde_json::from_str(events[2].data.as_deref().expect("assign keeps its data"))
            .expect("JSON");
    assert_eq!(data["lead"], "housing");
    assert_eq!(data["co_handlers"], serde_json::json!(["eco"]));
    assert_eq!(data["rework"], false);
}

#[tokio::test]
async fn a_refused_command_changes_nothing() {
    let w = world().await;
    let before = w.case().await;

    // Assign before registering: the state machine says no.
    let e = w
        .run(Command::Assign(AssignBody {
            lead: "housing".into(),
            ..Default::default()
        }))
        .await
        .expect_err("not registered yet");
    assert!(matches!(e, Error::Conflict(_)), "{e:?}");

    // A blank reason is refused beside its field.
    let e = w
        .run(Command::Reject(ReasonBody {
            reason: "  ".into(),
        }))
        .await
        .expect_err("a reason is required");
    assert!(
        matches!(&e, Error::Invalid { field, .. } if field == "reason"),
        "{e:?}"
    );

    // The lead cannot also help.
    w.run(Command::Register(RegisterBody::default()))
        .await
        .expect("registered");
    let registered = w.case().await;
    let e = w
        .run(Command::Assign(AssignBody {
            lead: "housing".into(),
            co_handlers: vec!["housing".into()],
            ..Default::default()
        }))
        .await
        .expect_err("lead as co-handler");
    assert!(
        matches!(&e, Error::Invalid { field, .. } if field == "co_handlers[0]"),
        "{e:?}"
    );
    assert_eq!(w.case().await, registered);
    assert_eq!(
        w.events().await.len(),
        2,
        "only the submit and the register were recorded"
    );
    assert_eq!(before.status, crate::cases::Status::Submitted);
}

/// A note is internal unless whoever writes it says it is for the resident: the tracking view
/// shows a public step's note only when its audience is public.
#[tokio::test]
async fn notes_are_internal_unless_marked_public() {
    let w = world().await;
    w.run(Command::Register(RegisterBody {
        note: Some("内部：先找王科长核实".into()),
        ..Default::default()
    }))
    .await
    .expect("registered");
    w.run(Command::Assign(AssignBody {
        lead: "housing".into(),
        note: Some("已交区住建局办理".into()),
        note_audience: NoteAudience::Public,
        ..Default::default()
    }))
    .await
    .expect("assigned");
    let events = w.events().await;
    let audiences: Vec<(&str, bool, bool)> = events
        .iter()
        .filter(|e| e.action != "submit")
        .map(|e| (e.action.as_str(), e.public, e.note_public))
        .collect();
    assert_eq!(
        audiences,
        [("register", true, false), ("assign", true, true)]
    );
    let code = w.case().await.receipt_code;
    let tracked = crate::cases::queries::track(&w.db, &Default::default(), &code)
        .await
        .expect("tracked");
    let notes: Vec<(String, Option<String>)> = tracked
        .timeline
        .into_iter()
        .filter(|s| s.action != "submit")
        .map(|s| (s.action, s.note))
        .collect();
    assert_eq!(
        notes,
        [
            ("register".to_owned(), None),
            ("assign".to_owned(), Some("已交区住建局办理".to_owned()))
        ]
    );
}
