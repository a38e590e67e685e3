//! Deputies' suggestions and motions (代表建议·议案): filed by a deputy in or between the
//! sessions of the congress (届次 and 会次 are data), written from scratch or raised from
//! residents' cases at the deputy's station; registered, returned for revision or turned into
//! a letter by the congress office (ops); assigned to a lead organisation and co-organisations
//! with a reply limit in months; consulted face to face (面商) and answered with a class
//! (A solved, B planned with a date, C not now with the reason); evaluated by the deputy
//! (不满意 sends it back once); B items followed up until confirmed solved or not.
//!
//! - `lifecycle`: the state machine, pure, with its refusal type;
//! - `commands`: one typed command per step; `actions`: each step written with its event in
//!   one transaction;
//! - `filing`: a deputy files (or revises) a suggestion; `sessions`: the congress sessions;
//! - `queries`: lists narrowed by the policy's reach, one item with its history, the public
//!   list, the cockpit's counts, the resident's link from a case, the exports;
//! - `measures`: what the appraisal item 议案建议办理 is computed from;
//! - `opinions`: the co-organisations' opinion deadline, due soon and overdue.
//!
//! Who may take which step is the policy's answer ([`crate::policy::suggestion_part`]); which
//! part may take which step from which state is the lifecycle's table.

pub mod actions;
pub mod commands;
pub(crate) mod entity;
pub mod filing;
pub mod lifecycle;
pub mod measures;
pub mod opinions;
pub mod queries;
pub mod sessions;

#[cfg(test)]
mod tests;

use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use entity::consultations::Model as Consultation;
pub use entity::events::Model as SuggestionEvent;
pub use entity::sessions::Model as CongressSession;
pub use entity::suggestions::Model as Suggestion;
pub use lifecycle::{Action, Refusal, Status};

/// Most characters of a title.
pub const MAX_TITLE: usize = 100;
/// Most characters of the text of a suggestion.
pub const MAX_BODY: usize = 5000;
/// Most characters of a reason, an opinion, a reply or a note.
pub const MAX_NOTE: usize = 2000;
/// Most characters of a public reply.
pub const MAX_REPLY: usize = 5000;
/// Most co-signers one suggestion lists.
pub const MAX_COSIGNERS: usize = 100;
/// Most residents' cases one suggestion is raised from.
pub const MAX_CASES: usize = 20;
/// Most co-organisations one suggestion is assigned to.
pub const MAX_CO_ORGANISATIONS: usize = 10;
/// A motion (议案) needs a delegation or at least this many deputies, the filer included.
pub const MOTION_MIN_DEPUTIES: usize = 10;
/// Most months a reply limit may be set to (practice: three, six at most).
pub const MAX_REPLY_MONTHS: u32 = 6;

/// What kind of item a deputy files.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
#[schema(as = SuggestionKind)]
pub enum Kind {
    /// 建议: a suggestion, criticism or opinion, filed by one deputy (co-signers optional).
    #[sea_orm(string_value = "suggestion")]
    Suggestion,
    /// 议案: a motion, which needs a delegation or at least ten deputies.
    #[sea_orm(string_value = "motion")]
    Motion,
}

impl Kind {
    /// Both kinds.
    pub const ALL: [Kind; 2] = [Kind::Suggestion, Kind::Motion];

    /// The stable snake_case name, as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Suggestion => "suggestion",
            Kind::Motion => "motion",
        }
    }

    /// The kind of a stable name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind's name on pages and in exports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Suggestion => "建议",
            Kind::Motion => "议案",
        }
    }
}

/// The standard class of a reply (答复类别).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ReplyClass {
    /// A 类: solved, or being solved.
    #[sea_orm(string_value = "A")]
    A,
    /// B 类: put into a plan, with the date it is planned for.
    #[sea_orm(string_value = "B")]
    B,
    /// C 类: cannot be solved now, with the reason.
    #[sea_orm(string_value = "C")]
    C,
}

impl ReplyClass {
    /// The three classes.
    pub const ALL: [ReplyClass; 3] = [ReplyClass::A, ReplyClass::B, ReplyClass::C];

    /// The stable name, as stored and as the API spells it (`A`, `B`, `C`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyClass::A => "A",
            ReplyClass::B => "B",
            ReplyClass::C => "C",
        }
    }

    /// The class of a stable name.
    pub fn parse(s: &str) -> Option<ReplyClass> {
        ReplyClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The class's name on pages and in exports.
    pub fn label_zh(self) -> &'static str {
        match self {
            ReplyClass::A => "A类（已解决或正在解决）",
            ReplyClass::B => "B类（列入计划解决）",
            ReplyClass::C => "C类（因条件限制暂不能解决）",
        }
    }
}

/// The deputy's evaluation of the reply (代表评价).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Evaluation {
    /// 满意.
    #[sea_orm(string_value = "satisfied")]
    Satisfied,
    /// 基本满意: counts as satisfied in the satisfaction rate, 0.6 in the appraisal.
    #[sea_orm(string_value = "basically_satisfied")]
    BasicallySatisfied,
    /// 不满意: sends the item back for handling once more.
    #[sea_orm(string_value = "unsatisfied")]
    Unsatisfied,
}

impl Evaluation {
    /// The three levels.
    pub const ALL: [Evaluation; 3] = [
        Evaluation::Satisfied,
        Evaluation::BasicallySatisfied,
        Evaluation::Unsatisfied,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Evaluation::Satisfied => "satisfied",
            Evaluation::BasicallySatisfied => "basically_satisfied",
            Evaluation::Unsatisfied => "unsatisfied",
        }
    }

    /// The level of a stable name.
    pub fn parse(s: &str) -> Option<Evaluation> {
        Evaluation::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The level's name on pages and in exports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Evaluation::Satisfied => "满意",
            Evaluation::BasicallySatisfied => "基本满意",
            Evaluation::Unsatisfied => "不满意",
        }
    }
}

/// How a consultation with the deputy (面商) was held.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ConsultWay {
    /// 当面: in person, what the appraisal's face-to-face rate counts.
    #[sea_orm(string_value = "in_person")]
    InPerson,
    /// 电话: by telephone.
    #[sea_orm(string_value = "phone")]
    Phone,
    /// 书面: in writing.
    #[sea_orm(string_value = "written")]
    Written,
}

impl ConsultWay {
    /// The three ways.
    pub const ALL: [ConsultWay; 3] = [ConsultWay::InPerson, ConsultWay::Phone, ConsultWay::Written];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsultWay::InPerson => "in_person",
            ConsultWay::Phone => "phone",
            ConsultWay::Written => "written",
        }
    }

    /// The way of a stable name.
    pub fn parse(s: &str) -> Option<ConsultWay> {
        ConsultWay::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// The way's name on pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            ConsultWay::InPerson => "当面",
            ConsultWay::Phone => "电话",
            ConsultWay::Written => "书面",
        }
    }
}
