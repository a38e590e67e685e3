//! The domain's shared test fixture: a small district built through the domain's own functions
//! on a migrated in-memory database, so that building it already exercises them.
//!
//! Two township stations (`lunan`, `pengjie`), two categories (`roads`, `greens`), two
//! organisations (`housing`, `eco`), one deputy (`wang-hui`) serving at `lunan`, and an account
//! with its [`Actor`] for each role: staff of each station, a handler of `housing`, the deputy,
//! ops and a viewer.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::auth::{Actor, PasswordPolicy, Role};
use crate::cases::intake::{self, ContactIn, Created, Intake};
use crate::configuration::Settings;
use crate::error::Error;
use crate::reference::Reference;
use crate::stations::{NewStation, PublicCode, StationKind};
use crate::users::NewUser;
use crate::{categories, deputies, orgs, stations, users};

/// The small district every service test starts from.
pub struct District {
    /// The migrated in-memory database.
    pub db: DatabaseConnection,
    /// The reference-data service the fixture's edits went through.
    pub reference: Reference,
    /// Default settings (deadline rules and the like).
    pub settings: Settings,
    /// The first station, `lunan`, where the deputy serves.
    pub lunan: stations::entity::Model,
    /// The second station, `pengjie`.
    pub pengjie: stations::entity::Model,
    /// Category `roads`.
    pub roads: categories::entity::Model,
    /// Category `greens`.
    pub greens: categories::entity::Model,
    /// Organisation `housing`.
    pub housing: orgs::entity::Model,
    /// Organisation `eco`.
    pub eco: orgs::entity::Model,
    /// Deputy `wang-hui`, home station `lunan`.
    pub deputy: deputies::entity::Model,
    /// Station staff of `lunan`.
    pub lunan_staff: Actor,
    /// Station staff of `pengjie`.
    pub pengjie_staff: Actor,
    /// A handler of `housing`.
    pub housing_handler: Actor,
    /// A handler of `eco`.
    pub eco_handler: Actor,
    /// The deputy's account.
    pub deputy_user: Actor,
    /// District ops.
    pub ops: Actor,
    /// A read-only viewer.
    pub viewer: Actor,
    /// The (cheap) password policy accounts are made with.
    pub passwords: PasswordPolicy,
}

fn code(s: &str) -> PublicCode {
    PublicCode::parse(s).expect("a well-formed code")
}

impl District {
    /// Builds the district.
    pub async fn new() -> Self {
        let db = crate::db::testing::memory().await;
        let reference = Reference::default();
        let mut settings = Settings::defaults();
        // Hashing test passwords at production cost would make every fixture slow.
        settings.auth.argon2_memory_kib = 8;
        settings.auth.argon2_iterations = 1;
        settings.auth.argon2_parallelism = 1;
        let station = |c: &str, name: &str| NewStation {
            code: code(c),
            name: name.to_owned(),
            name_en: c.to_owned(),
            kind: StationKind::Township,
            address: None,
            lat: None,
            lng: None,
        };
        let lunan = stations::create(&db, &reference, &station("lunan", "路南联络站"))
            .await
            .expect("station lunan");
        let pengjie = stations::create(&db, &reference, &station("pengjie", "蓬街联络站"))
            .await
            .expect("station pengjie");
        let category = |c: &str, name: &str, sort: i32| categories::NewCategory {
            code: code(c),
            name: name.to_owned(),
            name_en: c.to_owned(),
            sort,
        };
        let roads = categories::create(&db, &reference, &category("roads", "城市建设", 1))
            .await
            .expect("category roads");
        let greens = categories::create(&db, &reference, &category("greens", "生态环境", 2))
            .await
            .expect("category greens");
        let org = |c: &str, name: &str| orgs::NewOrganisation {
            code: code(c),
            name: name.to_owned(),
            name_en: String::new(),
            kind: orgs::OrganisationKind::Department,
        };
        let housing = orgs::create(&db, &reference, &org("housing", "住建局"))
            .await
            .expect("organisation housing");
        let eco = orgs::create(&db, &reference, &org("eco", "生态环境分局"))
            .await
            .expect("organisation eco");
        let (deputy, _, _) = deputies::create(
            &db,
            &reference,
            &deputies::NewDeputy {
                code: code("wang-hui"),
                name: "王惠".into(),
                level: deputies::Level::District,
                station: "lunan".into(),
                also_serves: Vec::new(),
                profile: None,
            },
        )
        .await
        .expect("deputy");
        let passwords = PasswordPolicy::new(&settings.auth).expect("password policy");
        let account = |username: &str,
                       role: Role,
                       station: Option<&str>,
                       org: Option<&str>,
                       deputy: Option<&str>| NewUser {
            username: username.to_owned(),
            password: "a long enough password".into(),
            display_name: username.to_owned(),
            role,
            station: station.map(str::to_owned),
            organisation: org.map(str::to_owned),
            deputy: deputy.map(str::to_owned),
        };
        let mut actors = Vec::new();
        for new in [
            account("lunan-staff", Role::StationStaff, Some("lunan"), None, None),
            account(
                "pengjie-staff",
                Role::StationStaff,
                Some("pengjie"),
                None,
                None,
            ),
            account("housing", Role::Handler, None, Some("housing"), None),
            account("eco", Role::Handler, None, Some("eco"), None),
            account("wang-hui", Role::Deputy, None, None, Some("wang-hui")),
            account("ops", Role::Ops, None, None, None),
            account("viewer", Role::Viewer, None, None, None),
        ] {
            let user = users::create(&db, &passwords, &new)
                .await
                .unwrap_or_else(|e| panic!("account {}: {e}", new.username));
            actors.push(crate::auth::actor_of(&user).expect("an active account"));
        }
        let [
            lunan_staff,
            pengjie_staff,
            housing_handler,
            eco_handler,
            deputy_user,
            ops,
            viewer,
        ]: [Actor; 7] = actors.try_into().expect("seven accounts");
        District {
            db,
            reference,
            settings,
            lunan,
            pengjie,
            roads,
            greens,
            housing,
            eco,
            deputy,
            lunan_staff,
            pengjie_staff,
            housing_handler,
            eco_handler,
            deputy_user,
            ops,
            viewer,
            passwords,
        }
    }

    /// One more deputy, `code`, at home at `station`, with an account: their [`Actor`].
    pub async fn another_deputy(&self, code_: &str, station: &str) -> Actor {
        deputies::create(
            &self.db,
            &self.reference,
            &deputies::NewDeputy {
                code: code(code_),
                name: code_.to_owned(),
                level: deputies::Level::Township,
                station: station.to_owned(),
                also_serves: Vec::new(),
                profile: None,
            },
        )
        .await
        .expect("deputy");
        let user = users::create(
            &self.db,
            &self.passwords,
            &NewUser {
                username: code_.to_owned(),
                password: "a long enough password".into(),
                display_name: code_.to_owned(),
                role: Role::Deputy,
                station: None,
                organisation: None,
                deputy: Some(code_.to_owned()),
            },
        )
        .await
        .expect("account");
        crate::auth::actor_of(&user).expect("an active account")
    }

    /// A resident's valid opinion at station `station` in category `roads`.
    pub fn intake(station: &str) -> Intake {
        Intake {
            station: station.to_owned(),
            category: "roads".into(),
            description: "小区门口的路灯坏了一个月".into(),
            title: None,
            location: None,
            contact: None,
            anonymous: false,
            deputy: None,
            urgency: Default::default(),
            channel: None,
            client_key: None,
            notify_consent: false,
        }
    }

    /// A resident's opinion with a contact, at station `station`.
    pub fn intake_with_contact(station: &str) -> Intake {
        Intake {
            contact: Some(ContactIn {
                name: Some("李四".into()),
                phone: Some("13812345678".into()),
            }),
            ..Self::intake(station)
        }
    }

    /// Validates and writes `form` as the public intake does (without the batching writer).
    pub async fn submit(&self, form: Intake, now: DateTime<Utc>) -> Result<Created, Error> {
        let new = intake::validate(&self.db, &self.reference, form, None).await?;
        Ok(intake::insert(&self.db, new, now).await?.0)
    }
}
