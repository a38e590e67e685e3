//! The tables of oversight (see the migration `m20261130_000005_oversight`).

/// Maps the `visits` table: one row per station visit (进站活动) or inspection round (督查巡查).
pub mod visits {
    use sea_orm::entity::prelude::*;

    /// A recorded station visit, as written by [`crate::oversight::visits`].
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visits")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The station visited (`stations.id`).
        pub station_id: i64,
        /// The day of the visit, an Asia/Shanghai calendar date.
        pub day: Date,
        /// See [`crate::oversight::visits::VisitKind`].
        pub kind: String,
        /// The visiting organisation (`organisations.id`), for a department visit; none for a leader's visit or an inspection.
        pub organisation_id: Option<i64>,
        /// The visiting leader's name, for a leader's visit (free text, not a user).
        pub leader_name: Option<String>,
        /// What was discussed, as the recorder wrote it.
        pub topics: String,
        /// How many residents' opinions were collected at the visit (0 or more).
        pub opinions_count: i32,
        /// A summary of the opinions collected, if the recorder wrote one.
        pub opinions: Option<String>,
        /// The user who recorded the visit (`users.id`): the station's staff or ops.
        pub recorded_by: i64,
        /// When the row was first written.
        pub created_at: DateTimeUtc,
        /// When the row was last changed; a change re-derives the deputies' points for the visit.
        pub updated_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `visit_deputies` table: the deputies who sat in on a visit (they earn duty points for it).
pub mod visit_deputies {
    use sea_orm::entity::prelude::*;

    /// One deputy's attendance at one visit; the pair is the primary key, so a deputy is counted once.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visit_deputies")]
    pub struct Model {
        /// The visit (`visits.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: i64,
        /// The deputy who sat in (`deputies.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub deputy_id: i64,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `appraisal_years` table: ops' settings of one year's department appraisal (部门工作评议); a year without a row uses the defaults.
pub mod appraisal_years {
    use sea_orm::entity::prelude::*;

    /// One year's appraisal settings; the seven weights sum to 100.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "appraisal_years")]
    pub struct Model {
        /// The appraisal year (primary key), 2000–2100.
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        /// Weight (percent) of 常委会组成人员评价, the appraisers' poll.
        pub w_committee: i32,
        /// Weight (percent) of 政府工作报告落实, scored by appraisers.
        pub w_gov_report: i32,
        /// Weight (percent) of 人大决定决议落实, scored by appraisers.
        pub w_decisions: i32,
        /// Weight (percent) of 民生实事办理, computed from the cases the organisation led.
        pub w_livelihood: i32,
        /// Weight (percent) of 议案建议办理, scored by appraisers.
        pub w_proposals: i32,
        /// Weight (percent) of 进基层单元情况, computed from station visits.
        pub w_grassroots: i32,
        /// Weight (percent) of 依法行政, scored by appraisers.
        pub w_lawful: i32,
        /// Fewest cases (or poll votes) for a computed item to be scored, 1–1000; below it the item is left out and the weights re-spread.
        pub min_sample: i32,
        /// Station visits in the year that score 100 on 进基层单元情况, 1–100.
        pub visit_target: i32,
        /// Whether ops published the ranking (评议排行榜) to everyone; before that only ops, viewers and appraisers see it.
        pub published: bool,
        /// When ops published the year, if they did.
        pub published_at: Option<DateTimeUtc>,
        /// When the settings were last changed.
        pub updated_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `appraisal_scores` table: appraisers' 0–100 scores on the items they score.
pub mod appraisal_scores {
    use sea_orm::entity::prelude::*;

    /// One appraiser's score for one item of one organisation in one year; a second score replaces the first.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "appraisal_scores")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The appraisal year.
        pub year: i32,
        /// The organisation appraised (`organisations.id`).
        pub organisation_id: i64,
        /// The item scored, as [`crate::oversight::scoring::Item::as_str`] spells it.
        pub item: String,
        /// The appraiser (`users.id`).
        pub user_id: i64,
        /// The score, 0–100.
        pub score: i32,
        /// When the score was given (or last replaced).
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `appraisal_votes` table: appraisers' votes in the poll on 常委会组成人员评价.
pub mod appraisal_votes {
    use sea_orm::entity::prelude::*;

    /// One appraiser's poll vote on one organisation in one year; a second vote replaces the first.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "appraisal_votes")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The appraisal year.
        pub year: i32,
        /// The organisation voted on (`organisations.id`).
        pub organisation_id: i64,
        /// The item voted on, as [`crate::oversight::scoring::Item::as_str`] spells it (the poll item).
        pub item: String,
        /// The appraiser (`users.id`).
        pub user_id: i64,
        /// "satisfied", "basically_satisfied" or "unsatisfied".
        pub vote: String,
        /// When the vote was cast (or last replaced).
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `appraisal_opinions` table: residents' opinions on an organisation sent through the public consultation form (评议意见征集).
pub mod appraisal_opinions {
    use sea_orm::entity::prelude::*;

    /// One resident's opinion on one organisation in one appraisal year.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "appraisal_opinions")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The appraisal year the opinion was sent in (Asia/Shanghai).
        pub year: i32,
        /// The organisation the opinion is about (`organisations.id`).
        pub organisation_id: i64,
        /// The opinion, as the resident wrote it.
        pub body: String,
        /// Kept private: never listed, exported or logged.
        pub contact_name: Option<String>,
        /// The resident's optional phone; private like the name.
        pub contact_phone: Option<String>,
        /// When the opinion was received.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `point_rules` table: ops' duty-points rules (代表履职积分) of one year; a year without rows uses the defaults of [`crate::oversight::points::Rule`].
pub mod point_rules {
    use sea_orm::entity::prelude::*;

    /// The points and yearly cap of one rule in one year.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "point_rules")]
    pub struct Model {
        /// The year the rule applies to.
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        /// The rule, as [`crate::oversight::points::Rule::as_str`] spells it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub rule: String,
        /// Points per entry, -100 to 100 (negative for a penalty).
        pub points: i32,
        /// Most points a deputy may total on this rule in the year (none: no cap); applied when summing, not when deriving.
        pub cap: Option<i32>,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `point_entries` table: the duty-points ledger, derived from recorded events (shifts, receptions, cases, visits), never typed in.
pub mod point_entries {
    use sea_orm::entity::prelude::*;

    /// One ledger line: a deputy earned points under a rule for one source event.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "point_entries")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The deputy credited (`deputies.id`).
        pub deputy_id: i64,
        /// The year the entry counts in (of `at`, Asia/Shanghai).
        pub year: i32,
        /// The rule applied, as [`crate::oversight::points::Rule::as_str`] spells it.
        pub rule: String,
        /// What kind of record the entry comes from: one of [`crate::oversight::points::source`].
        pub source_kind: String,
        /// The id of the source record in its table; with `source_kind` it lets a re-derivation replace the entries of one record.
        pub source_id: i64,
        /// The rule's points when the entry was derived (the cap applies later, when summing).
        pub points: i32,
        /// When the source event happened.
        pub at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `project_rounds` table: vote rounds on livelihood projects (民生实事项目票决).
pub mod project_rounds {
    use sea_orm::entity::prelude::*;

    /// One vote round: more candidates than places, one ballot per deputy.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_rounds")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The year of the projects voted on.
        pub year: i32,
        /// The round's title, shown to voters.
        pub title: String,
        /// How many projects the round may choose; a round carries more candidates than places.
        pub places: i32,
        /// Open for ballots or closed; stored as "open" / "closed".
        pub status: crate::oversight::project_states::RoundStatus,
        /// How many deputies voted, counted when the round closes; a winner needs more than half of them.
        pub voters: i32,
        /// When ops opened the round.
        pub opened_at: DateTimeUtc,
        /// When ops closed it, choosing the winners; none while open.
        pub closed_at: Option<DateTimeUtc>,
    }

    /// A round's ballots.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The ballots cast in the round.
        #[sea_orm(has_many = "super::project_ballots::Entity")]
        Ballots,
    }

    impl Related<super::project_ballots::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Ballots.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `project_candidates` table: proposed livelihood projects, and once chosen, the projects tracked to completion.
pub mod project_candidates {
    use sea_orm::entity::prelude::*;

    /// A candidate livelihood project, from its proposal to its progress once chosen.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_candidates")]
    pub struct Model {
        /// Row id, assigned by the database; an earlier proposal wins a tie at the last place.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The year the project is proposed for.
        pub year: i32,
        /// Short title, at most [`crate::oversight::projects::MAX_TITLE`] characters.
        pub title: String,
        /// What the project is, at most [`crate::oversight::projects::MAX_DESCRIPTION`] characters.
        pub description: String,
        /// Who proposed it; stored as "resident", "deputy" or "staff".
        pub proposer_kind: crate::oversight::project_states::ProposerKind,
        /// The station it was proposed through, if any (`stations.id`).
        pub station_id: Option<i64>,
        /// The proposing deputy, for a deputy's proposal (`deputies.id`).
        pub deputy_id: Option<i64>,
        /// A resident proposer's contact: kept private.
        pub contact_name: Option<String>,
        /// The resident proposer's phone: private like the name.
        pub contact_phone: Option<String>,
        /// Where it stands; stored as "candidate", "in_round", "chosen" or "not_chosen".
        pub status: crate::oversight::project_states::CandidateStatus,
        /// The round it is or was voted in (`project_rounds.id`).
        pub round_id: Option<i64>,
        /// Votes received, set when its round closes.
        pub votes: i32,
        /// Progress of a chosen project in percent (0–100), kept by ops and shown to residents.
        pub progress: i32,
        /// When the proposal was recorded.
        pub created_at: DateTimeUtc,
    }

    /// The round a candidate is put to, and a chosen project's milestones.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The round it is or was voted in.
        #[sea_orm(
            belongs_to = "super::project_rounds::Entity",
            from = "Column::RoundId",
            to = "super::project_rounds::Column::Id"
        )]
        Round,
        /// The milestones ops track once it is chosen.
        #[sea_orm(has_many = "super::project_milestones::Entity")]
        Milestones,
    }

    impl Related<super::project_rounds::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Round.def()
        }
    }

    impl Related<super::project_milestones::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Milestones.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `project_ballots` table: which candidates each deputy voted for in a round.
pub mod project_ballots {
    use sea_orm::entity::prelude::*;

    /// One deputy's vote for one candidate in one round; the triple is the primary key, so a vote counts once.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_ballots")]
    pub struct Model {
        /// The round (`project_rounds.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub round_id: i64,
        /// The voting deputy (`deputies.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub deputy_id: i64,
        /// The candidate voted for (`project_candidates.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub candidate_id: i64,
        /// When the ballot was cast.
        pub created_at: DateTimeUtc,
    }

    /// The round and the candidate a ballot names.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The round voted in.
        #[sea_orm(
            belongs_to = "super::project_rounds::Entity",
            from = "Column::RoundId",
            to = "super::project_rounds::Column::Id"
        )]
        Round,
        /// The candidate voted for.
        #[sea_orm(
            belongs_to = "super::project_candidates::Entity",
            from = "Column::CandidateId",
            to = "super::project_candidates::Column::Id"
        )]
        Candidate,
    }

    impl Related<super::project_rounds::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Round.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `project_milestones` table: the steps ops track for a chosen livelihood project.
pub mod project_milestones {
    use sea_orm::entity::prelude::*;

    /// One milestone of a chosen project.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_milestones")]
    pub struct Model {
        /// Row id, assigned by the database.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The project (`project_candidates.id`).
        pub project_id: i64,
        /// What is to be done.
        pub title: String,
        /// The date it is due by (Asia/Shanghai), if set.
        pub due: Option<Date>,
        /// Whether it is done.
        pub done: bool,
        /// When it was marked done.
        pub done_at: Option<DateTimeUtc>,
    }

    /// The project a milestone belongs to.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The chosen project.
        #[sea_orm(
            belongs_to = "super::project_candidates::Entity",
            from = "Column::ProjectId",
            to = "super::project_candidates::Column::Id"
        )]
        Project,
    }

    impl Related<super::project_candidates::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Project.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
