//! The tables of the legislative contact point; private to the domain.

/// Maps `drafts`: a draft law or regulation put to residents.
pub mod drafts {
    use sea_orm::entity::prelude::*;

    use crate::legislation::Level;

    /// A draft as ops published it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "drafts")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Its title (1–200 characters).
        pub title: String,
        /// National, provincial or city.
        pub level: Level,
        /// The body that asked for opinions (1–100 characters).
        pub asked_by: String,
        /// The last day comments are taken.
        pub closes_on: Date,
        /// The ops user who published it.
        pub created_by: i64,
        /// When it was published.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `draft_articles`: the numbered articles of a draft.
pub mod articles {
    use sea_orm::entity::prelude::*;

    /// One article.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "draft_articles")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The draft.
        pub draft_id: i64,
        /// Its number in the draft (第 N 条), unique within it.
        pub number: i32,
        /// Its text.
        pub body: String,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `draft_forums`: offline forums (座谈会) held at a station on a draft.
pub mod forums {
    use sea_orm::entity::prelude::*;

    /// One forum.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "draft_forums")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The draft.
        pub draft_id: i64,
        /// The station that held it.
        pub station_id: i64,
        /// The day.
        pub day: Date,
        /// Where (1–100 characters).
        pub place: String,
        /// Who took part (1–200 characters).
        pub people: String,
        /// Who recorded it.
        pub recorded_by: i64,
        /// When it was recorded.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `draft_comments`: one comment on a draft, on one article or the whole.
pub mod comments {
    use sea_orm::entity::prelude::*;

    use crate::legislation::{Commenter, Decision, Source};

    /// One comment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "draft_comments")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The draft.
        pub draft_id: i64,
        /// The article (`draft_articles.id`); none for the draft as a whole.
        pub article_id: Option<i64>,
        /// The station it was collected at.
        pub station_id: i64,
        /// Online or at a forum.
        pub channel: Source,
        /// A resident, a deputy or station staff.
        pub commenter: Commenter,
        /// The forum it was said at.
        pub forum_id: Option<i64>,
        /// The comment (2–2000 characters).
        pub body: String,
        /// The resident's name, if left: private, never listed or exported.
        pub contact_name: Option<String>,
        /// The resident's phone, if left: private, never listed or exported.
        pub contact_phone: Option<String>,
        /// Adopted, partly adopted or not, once decided.
        pub decision: Option<Decision>,
        /// When it was decided.
        pub decided_at: Option<DateTimeUtc>,
        /// When it was received.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
