//! Where a livelihood project (民生实事) and its vote round stand. Stored as their snake_case
//! names (string columns, so the derive needed no data migration) and read back as these enums,
//! so that no query or page compares a state by spelling it.

use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A vote round: open for ballots, or closed with its winners chosen.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Deputies may vote.
    #[sea_orm(string_value = "open")]
    Open,
    /// Counted: its candidates are chosen or not chosen.
    #[sea_orm(string_value = "closed")]
    Closed,
}

/// A proposed project, from proposal to the outcome of its round.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum CandidateStatus {
    /// Proposed, not yet put to a vote.
    #[sea_orm(string_value = "candidate")]
    Candidate,
    /// On the ballot of an open round.
    #[sea_orm(string_value = "in_round")]
    InRound,
    /// Won its round: tracked to completion with milestones and progress.
    #[sea_orm(string_value = "chosen")]
    Chosen,
    /// Lost its round.
    #[sea_orm(string_value = "not_chosen")]
    NotChosen,
}

impl CandidateStatus {
    /// Whether its round has been counted, so its votes may be shown.
    pub fn counted(self) -> bool {
        matches!(self, CandidateStatus::Chosen | CandidateStatus::NotChosen)
    }

    /// The state as the export's Chinese column says it.
    pub fn label_zh(self) -> &'static str {
        match self {
            CandidateStatus::Candidate => "候选",
            CandidateStatus::InRound => "投票中",
            CandidateStatus::Chosen => "入选",
            CandidateStatus::NotChosen => "未入选",
        }
    }
}

/// Who proposed a project.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ProposerKind {
    /// A resident, through a station's page; their contact stays private.
    #[sea_orm(string_value = "resident")]
    Resident,
    /// A deputy.
    #[sea_orm(string_value = "deputy")]
    Deputy,
    /// Station staff or the district.
    #[sea_orm(string_value = "staff")]
    Staff,
}

impl ProposerKind {
    /// How the public list names the proposer.
    pub fn label_zh(self) -> &'static str {
        match self {
            ProposerKind::Resident => "群众",
            ProposerKind::Deputy => "代表",
            ProposerKind::Staff => "联络站",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn stored_names_are_the_ones_the_rows_already_hold() {
        let rounds: Vec<String> = RoundStatus::iter().map(|s| s.to_value()).collect();
        assert_eq!(rounds, ["open", "closed"]);
        let candidates: Vec<String> = CandidateStatus::iter().map(|s| s.to_value()).collect();
        assert_eq!(
            candidates,
            ["candidate", "in_round", "chosen", "not_chosen"]
        );
        let kinds: Vec<String> = ProposerKind::iter().map(|s| s.to_value()).collect();
        assert_eq!(kinds, ["resident", "deputy", "staff"]);
        // The JSON names are the stored names.
        assert_eq!(
            serde_json::to_value(CandidateStatus::NotChosen).unwrap(),
            "not_chosen"
        );
    }
}
