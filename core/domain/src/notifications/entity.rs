//! The tables of notifications. Private to the domain; the services in this module read and
//! write them.

/// Maps `notifications`: one message for one recipient, written with its cause.
pub mod notifications {
    use sea_orm::entity::prelude::*;

    /// One notification: what happened (`kind` + `data`) and who is told.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The template key, e.g. `case.assigned`.
        pub kind: String,
        /// The signed-in recipient (`users.id`); none for the resident.
        pub user_id: Option<i64>,
        /// The case it is about, if any.
        pub case_id: Option<i64>,
        /// Whether the recipient is the case's resident (by SMS, with consent).
        pub resident: bool,
        /// The template's parameters, as JSON text (never contact data).
        pub data: String,
        /// An urgent case's message: quiet hours do not hold it.
        pub urgent: bool,
        /// Unique when present, so a rule that fires on several nodes writes once.
        pub dedupe_key: Option<String>,
        /// Whether its deliveries have been made.
        pub fanned_out: bool,
        /// When it was written (with its cause).
        pub created_at: DateTimeUtc,
    }

    /// Joins are written by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `notification_deliveries`: one notification by one channel.
pub mod deliveries {
    use sea_orm::entity::prelude::*;

    /// One delivery and where its attempts stand.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_deliveries")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The notification delivered.
        pub notification_id: i64,
        /// `u:{user id}` or `r:{case id}`.
        pub recipient: String,
        /// The channel's name (`in_app`, `email`, `sms`, a robot gateway's name).
        pub channel: String,
        /// `pending`, `sent` or `parked`.
        pub state: String,
        /// Failed attempts so far.
        pub attempts: i32,
        /// When to try next (or, while claimed, until when the claim holds).
        pub next_attempt_at: DateTimeUtc,
        /// Why the last attempt failed (never contact data).
        pub last_error: Option<String>,
        /// Sent with every attempt, so the receiver recognises a repeat.
        pub idempotency_key: String,
        /// When it was made (at fan-out).
        pub created_at: DateTimeUtc,
        /// When it last changed.
        pub updated_at: DateTimeUtc,
        /// When it was sent.
        pub sent_at: Option<DateTimeUtc>,
    }

    /// Joins are written by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `notification_inbox`: what the in-app channel delivered to each user.
pub mod inbox {
    use sea_orm::entity::prelude::*;

    /// One message in a user's bell.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_inbox")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Whose inbox.
        pub user_id: i64,
        /// The delivery's key: a repeated attempt writes nothing new.
        pub idempotency_key: String,
        /// The template key.
        pub kind: String,
        /// One line.
        pub subject: String,
        /// The text.
        pub body: String,
        /// The page it is about.
        pub link: Option<String>,
        /// An urgent case's message.
        pub urgent: bool,
        /// When it arrived.
        pub created_at: DateTimeUtc,
        /// When the user read it.
        pub read_at: Option<DateTimeUtc>,
    }

    /// Joins are written by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `notification_preferences`: one row per user who changed the defaults.
pub mod preferences {
    use sea_orm::entity::prelude::*;

    /// A user's preferences as stored.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_preferences")]
    pub struct Model {
        /// The user.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        /// `zh` or `en`.
        pub lang: String,
        /// Validated e-mail address.
        pub email: Option<String>,
        /// Validated mobile number.
        pub phone: Option<String>,
        /// JSON: the channels switched on beside in-app, and the kinds switched off.
        pub channels: String,
        /// Whether quiet hours hold messages.
        pub quiet_hours: bool,
        /// `HH:MM`, Asia/Shanghai.
        pub quiet_from: String,
        /// `HH:MM`, Asia/Shanghai.
        pub quiet_to: String,
        /// When changed.
        pub updated_at: DateTimeUtc,
    }

    /// Joins are written by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `resident_consents`: a resident who ticked "text me" on the form, per case.
pub mod consents {
    use sea_orm::entity::prelude::*;

    /// One consent and its opt-out token.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "resident_consents")]
    pub struct Model {
        /// The case.
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        /// The secret in the opt-out link.
        pub token: String,
        /// When the resident opted out.
        pub opted_out_at: Option<DateTimeUtc>,
        /// When consent was given (with the case).
        pub created_at: DateTimeUtc,
    }

    /// Joins are written by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
