//! Tables of the plugin host (see the `m20261128_000002_plugins` migration).

/// Maps the `plugins` table: one row per installed plugin package (a station brand, 一站一品).
pub mod plugins {
    use sea_orm::entity::prelude::*;

    /// An installed plugin, whatever version it runs.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plugins")]
    pub struct Model {
        /// The plugin's id from its manifest (at most 64 characters); the primary key every other plugin table refers to.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The plugin's name in Chinese, from its manifest, shown on the pages.
        pub name_zh: String,
        /// The plugin's name in English, from its manifest.
        pub name_en: String,
        /// The version installed last (`plugin_versions.id`), the one stations are enabled with; none only while the first install is being written.
        pub current_version_id: Option<i64>,
        /// When the plugin was first installed.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `plugin_versions` table: every version of a plugin ever installed, component included.
pub mod versions {
    use sea_orm::entity::prelude::*;

    /// One installed version of a plugin.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plugin_versions")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The plugin (`plugins.id`).
        pub plugin_id: String,
        /// The version from the manifest.
        pub version: String,
        /// The WIT world version the component was built against.
        pub wit_version: String,
        /// The component's content digest; a grant is given for one digest.
        pub digest: String,
        /// The manifest as installed (JSON): names, requested capabilities, settings schema.
        pub manifest: String,
        /// The wasm component's bytes, kept in the database so that every node can load it.
        pub component: Vec<u8>,
        /// The ops user who installed it (`users.id`); none when installed without a user (the command line, the demo).
        pub installed_by: Option<i64>,
        /// When this version was installed.
        pub installed_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `station_plugins` table: a plugin enabled at one station, with the capabilities ops granted.
pub mod station_plugins {
    use sea_orm::entity::prelude::*;

    /// One plugin at one station: its grant, settings and health.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "station_plugins")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The station (`stations.id`).
        pub station_id: i64,
        /// The plugin (`plugins.id`).
        pub plugin_id: String,
        /// The version the station runs (`plugin_versions.id`).
        pub version_id: i64,
        /// What ops granted, as a JSON list of capabilities; effective = requested ∩ granted.
        pub granted: String,
        /// The digest the grant was given for: a new version asking for more needs a new grant.
        pub granted_digest: String,
        /// The station's settings for the plugin, as JSON checked against the manifest's schema.
        pub settings: String,
        /// Whether the plugin runs at the station now.
        pub enabled: bool,
        /// Why it is disabled (by ops, or a version awaiting a new grant); none when enabled.
        pub disabled_reason: Option<String>,
        /// Failed calls since `failure_window_from` (the name is from when they were counted in
        /// a row); reaching the host's threshold within the window suspends the plugin there.
        pub consecutive_failures: i32,
        /// When the window the failures are counted in began (its first failure); none before
        /// any failure or after a resume.
        pub failure_window_from: Option<DateTimeUtc>,
        /// When it was suspended after repeated failures; none while healthy. Ops can resume it.
        pub suspended_at: Option<DateTimeUtc>,
        /// The ops user who gave the grant (`users.id`).
        pub granted_by: Option<i64>,
        /// When the grant was given.
        pub granted_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `plugin_grant_log` table: the audit trail of grants (enable, upgrade, disable, resume).
pub mod grant_log {
    use sea_orm::entity::prelude::*;

    /// One change to a plugin's grant at a station, as it stood after the change.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plugin_grant_log")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The station (`stations.id`).
        pub station_id: i64,
        /// The plugin (`plugins.id`).
        pub plugin_id: String,
        /// What was done: "enable", "upgrade", "disable" or "resume".
        pub action: String,
        /// The component digest the grant stood for.
        pub digest: String,
        /// The capabilities granted, as a JSON list.
        pub granted: String,
        /// Who did it (`users.id`); none for the system.
        pub user_id: Option<i64>,
        /// When it was done.
        pub at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `plugin_storage` table: each plugin's own key-value storage, per station.
pub mod storage {
    use sea_orm::entity::prelude::*;

    /// One stored value; plugins see only their own keys at their own station.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plugin_storage")]
    pub struct Model {
        /// The plugin owning the value (`plugins.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub plugin_id: String,
        /// The station the value belongs to (`stations.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub station_id: i64,
        /// The key the plugin chose.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// The bytes the plugin stored; the host caps the total per plugin and station.
        pub value: Vec<u8>,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `case_tags` table: tags plugins put on cases (shown in lists, filterable).
pub mod tags {
    use sea_orm::entity::prelude::*;

    /// One tag on one case; a case carries a tag once.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_tags")]
    pub struct Model {
        /// The case tagged (`cases.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        /// The tag text.
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag: String,
        /// The plugin that put it (`plugins.id`).
        pub plugin_id: String,
        /// When it was put.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `case_outbox` table: case events waiting to reach plugins, written in the same transaction as the event and dispatched after commit.
pub mod outbox {
    use sea_orm::entity::prelude::*;

    /// One case event to hand to the plugins enabled at its station.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_outbox")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The case event (`case_events.id`).
        pub event_id: i64,
        /// The case (`cases.id`).
        pub case_id: i64,
        /// The case's station (`stations.id`), whose plugins get the event.
        pub station_id: i64,
        /// The case action that made the event (its stable snake_case name).
        pub action: String,
        /// Whether it has been fanned out into deliveries.
        pub dispatched: bool,
        /// When the event was written.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `plugin_deliveries` table: one outbox event's delivery to one plugin, retried with backoff.
pub mod deliveries {
    use sea_orm::entity::prelude::*;

    /// A delivery of one event to one plugin at one station.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plugin_deliveries")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The event delivered (`case_outbox.id`).
        pub outbox_id: i64,
        /// The plugin it goes to (`plugins.id`).
        pub plugin_id: String,
        /// The station it runs at (`stations.id`).
        pub station_id: i64,
        /// pending, done, parked.
        pub status: String,
        /// Failed attempts so far; after the host's maximum the delivery is parked.
        pub attempts: i32,
        /// When to try next (backoff doubling from 1 s up to 5 minutes); picked up again after a restart.
        pub next_attempt_at: DateTimeUtc,
        /// The last failure, for ops.
        pub last_error: Option<String>,
        /// When the row last changed.
        pub updated_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the host.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
