//! The tables of sign-in: user accounts and their sessions.

/// Maps the `users` table: everyone who signs in (residents do not have accounts).
pub mod users {
    use sea_orm::entity::prelude::*;

    /// A user account.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The sign-in name; unique.
        pub username: String,
        /// The argon2 hash of the password (PHC string); the password itself is never stored.
        pub password_hash: String,
        /// The name shown to others and written into case histories.
        pub display_name: String,
        /// The user's role (`Role::as_str`); with the ids below it fixes what the user may see and do.
        pub role: String,
        /// The station a station admin or staff member belongs to (`stations.id`).
        pub station_id: Option<i64>,
        /// The handling organisation a handler works for (`organisations.id`).
        pub organisation_id: Option<i64>,
        /// The deputy this account is (`deputies.id`), for a deputy.
        pub deputy_id: Option<i64>,
        /// Whether the account may sign in; deactivated accounts keep their history.
        pub active: bool,
        /// When the account was created.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `sessions` table: bearer sessions created at sign-in.
pub mod sessions {
    use sea_orm::entity::prelude::*;

    /// One signed-in session.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// SHA-256 of the bearer token; the token itself is only ever given to the client.
        pub token_hash: String,
        /// The signed-in user (`users.id`).
        pub user_id: i64,
        /// When the session was created.
        pub created_at: DateTimeUtc,
        /// When the session stops being accepted.
        pub expires_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
