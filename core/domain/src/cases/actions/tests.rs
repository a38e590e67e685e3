//! Commands performed straight on an in-memory database, without a server in between.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use super::{Context, Performer, perform};
use crate::auth::{Actor, Role};
use crate::cases::commands::{AssignBody, Command, NoteAudience, ReasonBody, RegisterBody};
use crate::cases::entity::{cases, events, handlers};
use crate::configuration::Settings;
use crate::error::Error;
use crate::{categories, orgs, stations};

struct World {
    db: DatabaseConnection,
    settings: Settings,
    staff: Performer,
    case_id: i64,
}

/// A station with one submitted case, a category and two organisations.
async fn world() -> World {
    let mut settings = Settings::defaults();
    settings.database.url = "sqlite::memory:".into();
    // Each connection to an in-memory database is a database of its own: keep to one.
    settings.database.sqlite_max_connections = 1;
    let db = crate::db::connect(&settings.database)
        .await
        .expect("in-memory SQLite");
    crate::db::migrate(&db).await.expect("migrations");
    let now = Utc::now();
    let station = stations::entity::ActiveModel {
        code: Set("lunan".into()),
        name: Set("路南联络站".into()),
        name_en: Set("Lunan".into()),
        kind: Set("township".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("station");
    let category = categories::entity::ActiveModel {
        code: Set("roads".into()),
        name: Set("道路".into()),
        name_en: Set("Roads".into()),
        sort: Set(1),
        active: Set(true),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("category");
    for code in ["housing", "eco"] {
        orgs::entity::ActiveModel {
            code: Set(code.into()),
            name: Set(code.into()),
            kind: Set("department".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("organisation");
    }
    let case = cases::ActiveModel {
        receipt_code: Set("ABCD-EFGH".into()),
        station_id: Set(station.id),
        deputy_id: Set(None),
        category_id: Set(category.id),
        channel: Set("web".into()),
        title: Set("路灯不亮".into()),
        description: Set("小区门口的路灯坏了一个月".into()),
        urgency: Set("normal".into()),
        complex: Set(false),
        lat: Set(None),
        lng: Set(None),
        address: Set(None),
        anonymous: Set(true),
        status: Set("submitted".into()),
        supervision_level: Set(0),
        lead_org_id: Set(None),
        sign_deadline: Set(None),
        reply_deadline: Set(None),
        feedback_deadline: Set(None),
        rating_deadline: Set(None),
        due_on: Set(None),
        extension_count: Set(0),
        pending_extension_days: Set(None),
        rework_count: Set(0),
        rating: Set(None),
        unrated: Set(false),
        duplicate_of: Set(None),
        intake_key: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("case");
    let staff = Performer::User(Actor {
        user_id: 1,
        username: "staff".into(),
        display_name: "工作人员".into(),
        role: Role::StationStaff,
        station_id: Some(station.id),
        organisation_id: None,
        deputy_id: None,
    });
    World {
        db,
        settings,
        staff,
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
    assert_eq!(after.status, "registered");

    let after = w
        .run(Command::Assign(AssignBody {
            lead: " housing ".into(),
            co_handlers: vec!["eco".into()],
            ..Default::default()
        }))
        .await
        .expect("assigned");
    assert_eq!(after.status, "assigned");
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
    assert_eq!(actions, ["register", "assign"]);
    let data: Value =
        serde_json::from_str(events[1].data.as_deref().expect("assign keeps its data"))
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
    assert_eq!(w.events().await.len(), 1, "only the register was recorded");
    assert_eq!(before.status, "submitted");
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
        .map(|e| (e.action.as_str(), e.public, e.note_public))
        .collect();
    assert_eq!(
        audiences,
        [("register", true, false), ("assign", true, true)]
    );
    let code = w.case().await.receipt_code;
    let tracked = crate::cases::queries::track(&w.db, &code)
        .await
        .expect("tracked");
    let notes: Vec<(String, Option<String>)> = tracked
        .timeline
        .into_iter()
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
