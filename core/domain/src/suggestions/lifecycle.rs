//! The state machine of a suggestion or motion, in one place: which step may move it from which
//! state, which part (the filing deputy, the congress office, the lead organisation, a
//! co-organisation) may take it, and where it lands. Pure, like the cases' lifecycle: no
//! database, no clock, so every legal and illegal triple is tested exhaustively.
//!
//! | from | step | to | by |
//! |---|---|---|---|
//! | filed | register (立案) | registered | office |
//! | filed | return for revision (退回修改), with the reason | returned | office |
//! | returned | revise (修改后重新提交) | filed | filer |
//! | filed, registered | turn into a letter (转为来信), with the reason | letter (final) | office |
//! | registered | assign (交办) lead + co-organisations | assigned | office |
//! | registered … following_up | supervise (重点督办) with a leader | same | office |
//! | assigned, rehandling | consult (面商) | same | lead |
//! | assigned, rehandling | co-opinion (协办意见) | same | co-organisation |
//! | assigned, rehandling | reply (答复), after a consultation | replied | lead |
//! | replied | evaluate 满意/基本满意 | closed, or following_up for a B reply | filer |
//! | replied | evaluate 不满意, the first time | rehandling | filer |
//! | replied | evaluate 不满意, after rehandling | closed, or following_up for B | filer |
//! | following_up | confirm solved or not (落实确认) | closed | office, lead |

use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Evaluation, ReplyClass};

/// Where a suggestion stands; stored in `suggestions.status` as snake_case.
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
#[schema(as = SuggestionStatus)]
pub enum Status {
    /// Filed by the deputy, waiting for the congress office.
    #[sea_orm(string_value = "filed")]
    Filed,
    /// Returned to the deputy for revision.
    #[sea_orm(string_value = "returned")]
    Returned,
    /// Turned into a letter for reference (作为来信处理); final.
    #[sea_orm(string_value = "letter")]
    Letter,
    /// Registered (立案), waiting to be assigned.
    #[sea_orm(string_value = "registered")]
    Registered,
    /// Assigned to its organisations, which are handling it.
    #[sea_orm(string_value = "assigned")]
    Assigned,
    /// Answered; waiting for the deputy's evaluation.
    #[sea_orm(string_value = "replied")]
    Replied,
    /// Sent back once after an unsatisfied evaluation, to be answered again.
    #[sea_orm(string_value = "rehandling")]
    Rehandling,
    /// A B reply evaluated: followed up until its planned date, then confirmed.
    #[sea_orm(string_value = "following_up")]
    FollowingUp,
    /// Done (办结).
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl Status {
    /// Every status, in the order of the handling.
    pub const ALL: [Status; 9] = [
        Status::Filed,
        Status::Returned,
        Status::Letter,
        Status::Registered,
        Status::Assigned,
        Status::Replied,
        Status::Rehandling,
        Status::FollowingUp,
        Status::Closed,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Filed => "filed",
            Status::Returned => "returned",
            Status::Letter => "letter",
            Status::Registered => "registered",
            Status::Assigned => "assigned",
            Status::Replied => "replied",
            Status::Rehandling => "rehandling",
            Status::FollowingUp => "following_up",
            Status::Closed => "closed",
        }
    }

    /// The status of a stable name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The status's name on pages, in exports and on the resident's tracking page.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Filed => "已提交",
            Status::Returned => "退回修改",
            Status::Letter => "转为来信",
            Status::Registered => "已立案",
            Status::Assigned => "办理中",
            Status::Replied => "已答复",
            Status::Rehandling => "重新办理",
            Status::FollowingUp => "跟踪落实",
            Status::Closed => "已办结",
        }
    }

    /// Being handled by its organisations (the cockpit's "in handling"): registered, assigned
    /// or sent back for handling again.
    pub fn in_handling(self) -> bool {
        matches!(
            self,
            Status::Registered | Status::Assigned | Status::Rehandling
        )
    }

    /// Shown in the public list: accepted by the office (registered or later), not a letter.
    pub fn is_public(self) -> bool {
        !matches!(self, Status::Filed | Status::Returned | Status::Letter)
    }
}

/// Who someone is to one suggestion; the policy says which part an actor plays
/// ([`crate::policy::suggestion_part`]), this table which steps each part takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SuggestionPart)]
pub enum Part {
    /// The deputy who filed it (领衔代表).
    Filer,
    /// The congress office (人大代表工作机构): district ops.
    Office,
    /// A handler of its lead organisation (主办单位).
    Lead,
    /// A handler of one of its co-organisations (协办单位).
    CoOrganisation,
    /// Someone who may see it and takes no step (a co-signer, station staff, a viewer).
    Onlooker,
}

impl Part {
    /// The stable name, for refusals.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Filer => "the filing deputy",
            Part::Office => "the congress office",
            Part::Lead => "the lead organisation",
            Part::CoOrganisation => "a co-organisation",
            Part::Onlooker => "an onlooker",
        }
    }
}

/// A step on a suggestion; each writes a `suggestion_events` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SuggestionAction)]
pub enum Action {
    /// 立案: the office accepts it.
    Register,
    /// 退回修改: the office returns it for revision, saying why.
    Return,
    /// 修改后重新提交: the deputy sends it again, revised.
    Revise,
    /// 转为来信: the office handles it as a letter for reference, saying why.
    ToLetter,
    /// 交办: the office assigns it to a lead and co-organisations.
    Assign,
    /// 重点督办: the office marks it for key supervision by a named leader.
    Supervise,
    /// 面商: the lead records a consultation with the deputy.
    Consult,
    /// 协办意见: a co-organisation sends its opinion to the lead.
    CoOpinion,
    /// 答复: the lead answers, with the class.
    Reply,
    /// 代表评价: the deputy evaluates the reply.
    Evaluate,
    /// 落实确认: a followed-up B item is confirmed solved or not.
    Confirm,
}

impl Action {
    /// Every step.
    pub const ALL: [Action; 11] = [
        Action::Register,
        Action::Return,
        Action::Revise,
        Action::ToLetter,
        Action::Assign,
        Action::Supervise,
        Action::Consult,
        Action::CoOpinion,
        Action::Reply,
        Action::Evaluate,
        Action::Confirm,
    ];

    /// The stable snake_case name, as stored in the history and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Return => "return",
            Action::Revise => "revise",
            Action::ToLetter => "to_letter",
            Action::Assign => "assign",
            Action::Supervise => "supervise",
            Action::Consult => "consult",
            Action::CoOpinion => "co_opinion",
            Action::Reply => "reply",
            Action::Evaluate => "evaluate",
            Action::Confirm => "confirm",
        }
    }

    /// The step of a stable name.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The step's name on pages and in the history.
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Register => "立案",
            Action::Return => "退回修改",
            Action::Revise => "修改后重新提交",
            Action::ToLetter => "转为来信",
            Action::Assign => "交办",
            Action::Supervise => "重点督办",
            Action::Consult => "面商",
            Action::CoOpinion => "协办意见",
            Action::Reply => "答复",
            Action::Evaluate => "代表评价",
            Action::Confirm => "落实确认",
        }
    }

    /// The parts that may take the step at all.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Action::Register
            | Action::Return
            | Action::ToLetter
            | Action::Assign
            | Action::Supervise => &[Part::Office],
            Action::Revise | Action::Evaluate => &[Part::Filer],
            Action::Consult | Action::Reply => &[Part::Lead],
            Action::CoOpinion => &[Part::CoOrganisation],
            Action::Confirm => &[Part::Office, Part::Lead],
        }
    }

    /// The states the step may start from.
    pub fn from_states(self) -> &'static [Status] {
        use Status::*;
        match self {
            Action::Register | Action::Return => &[Filed],
            Action::Revise => &[Returned],
            Action::ToLetter => &[Filed, Registered],
            Action::Assign => &[Registered],
            Action::Supervise => &[Registered, Assigned, Replied, Rehandling, FollowingUp],
            Action::Consult | Action::CoOpinion | Action::Reply => &[Assigned, Rehandling],
            Action::Evaluate => &[Replied],
            Action::Confirm => &[FollowingUp],
        }
    }
}

/// What the table needs to know besides the state: only some steps read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// A consultation (面商) is on record since the item was last sent to be handled.
    pub consulted: bool,
    /// The class of the reply being evaluated.
    pub class: Option<ReplyClass>,
    /// The evaluation given (for `evaluate`).
    pub evaluation: Option<Evaluation>,
    /// It was already sent back once after an unsatisfied evaluation.
    pub rehandled: bool,
}

/// Why [`next`] refuses a step; the faces turn it into a forbidden (403) or a conflict (409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The item is not in a state the step may start from.
    #[error("cannot {action} a suggestion that is {status}: {action} needs one that is {expected}", status = .status.as_str(), action = .action.as_str())]
    WrongState {
        /// Its current status.
        status: Status,
        /// The step refused.
        action: Action,
        /// The states the step could start from, joined with " or ".
        expected: String,
    },
    /// The caller's part never takes this step.
    #[error("{part} may not {action} a suggestion", part = .part.as_str(), action = .action.as_str())]
    WrongPart {
        /// Who the caller is to the item.
        part: Part,
        /// The step refused.
        action: Action,
    },
    /// The lead replies only after consulting the deputy (面商).
    #[error("cannot reply to a suggestion that is {status} before a consultation (面商) with the deputy is recorded", status = .status.as_str())]
    ConsultFirst {
        /// Its current status.
        status: Status,
    },
}

/// Where `action` by `part` takes an item that is `status`. The part is checked first, as the
/// cases' lifecycle checks the role first: a stable 403 for whoever can never act.
pub fn next(status: Status, action: Action, part: Part, facts: Facts) -> Result<Status, Refusal> {
    if !action.parts().contains(&part) {
        return Err(Refusal::WrongPart { part, action });
    }
    if !action.from_states().contains(&status) {
        let expected = action
            .from_states()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(Refusal::WrongState {
            status,
            action,
            expected,
        });
    }
    Ok(match action {
        Action::Register => Status::Registered,
        Action::Return => Status::Returned,
        Action::Revise => Status::Filed,
        Action::ToLetter => Status::Letter,
        Action::Assign => Status::Assigned,
        Action::Supervise | Action::Consult | Action::CoOpinion => status,
        Action::Reply if !facts.consulted => return Err(Refusal::ConsultFirst { status }),
        Action::Reply => Status::Replied,
        Action::Evaluate => match (facts.evaluation, facts.rehandled, facts.class) {
            (Some(Evaluation::Unsatisfied), false, _) => Status::Rehandling,
            (_, _, Some(ReplyClass::B)) => Status::FollowingUp,
            _ => Status::Closed,
        },
        Action::Confirm => Status::Closed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTS: [Part; 5] = [
        Part::Filer,
        Part::Office,
        Part::Lead,
        Part::CoOrganisation,
        Part::Onlooker,
    ];

    /// The module's table, written out by hand so that a change to the code changes it too.
    fn expected(status: Status, action: Action, part: Part, f: Facts) -> Option<Status> {
        use Action as A;
        use Part as P;
        use Status as S;
        let supervisable = matches!(
            status,
            S::Registered | S::Assigned | S::Replied | S::Rehandling | S::FollowingUp
        );
        let handling = matches!(status, S::Assigned | S::Rehandling);
        match (status, action, part) {
            (S::Filed, A::Register, P::Office) => Some(S::Registered),
            (S::Filed, A::Return, P::Office) => Some(S::Returned),
            (S::Returned, A::Revise, P::Filer) => Some(S::Filed),
            (S::Filed | S::Registered, A::ToLetter, P::Office) => Some(S::Letter),
            (S::Registered, A::Assign, P::Office) => Some(S::Assigned),
            (_, A::Supervise, P::Office) if supervisable => Some(status),
            (_, A::Consult, P::Lead) if handling => Some(status),
            (_, A::CoOpinion, P::CoOrganisation) if handling => Some(status),
            (_, A::Reply, P::Lead) if handling && f.consulted => Some(S::Replied),
            (S::Replied, A::Evaluate, P::Filer) => Some(
                if f.evaluation == Some(Evaluation::Unsatisfied) && !f.rehandled {
                    S::Rehandling
                } else if f.class == Some(ReplyClass::B) {
                    S::FollowingUp
                } else {
                    S::Closed
                },
            ),
            (S::FollowingUp, A::Confirm, P::Office | P::Lead) => Some(S::Closed),
            _ => None,
        }
    }

    #[test]
    fn every_triple_matches_the_table() {
        let mut legal = 0;
        for consulted in [false, true] {
            for rehandled in [false, true] {
                for class in [None, Some(ReplyClass::A), Some(ReplyClass::B)] {
                    for evaluation in [Some(Evaluation::Satisfied), Some(Evaluation::Unsatisfied)] {
                        let f = Facts {
                            consulted,
                            class,
                            evaluation,
                            rehandled,
                        };
                        for status in Status::ALL {
                            for action in Action::ALL {
                                for part in PARTS {
                                    let got = next(status, action, part, f).ok();
                                    assert_eq!(
                                        got,
                                        expected(status, action, part, f),
                                        "{status:?} {action:?} by {part:?} with {f:?}"
                                    );
                                    legal += got.is_some() as usize;
                                }
                            }
                        }
                    }
                }
            }
        }
        // Per facts: 1+1+1+2+1 + 5 supervise + 2 consult + 2 co-opinion + 1 evaluate + 2
        // confirm = 18, plus 2 replies when consulted; 24 combinations of facts, half consulted.
        assert_eq!(legal, 18 * 24 + 2 * 12);
    }

    #[test]
    fn unsatisfied_goes_back_once_and_b_is_followed_up() {
        let f = |evaluation, rehandled, class| Facts {
            consulted: true,
            class: Some(class),
            evaluation: Some(evaluation),
            rehandled,
        };
        let ev = |facts| next(Status::Replied, Action::Evaluate, Part::Filer, facts);
        use Evaluation::*;
        assert_eq!(
            ev(f(Unsatisfied, false, ReplyClass::A)),
            Ok(Status::Rehandling)
        );
        assert_eq!(ev(f(Unsatisfied, true, ReplyClass::A)), Ok(Status::Closed));
        assert_eq!(
            ev(f(Unsatisfied, true, ReplyClass::B)),
            Ok(Status::FollowingUp)
        );
        assert_eq!(
            ev(f(Satisfied, false, ReplyClass::B)),
            Ok(Status::FollowingUp)
        );
        assert_eq!(
            ev(f(BasicallySatisfied, false, ReplyClass::C)),
            Ok(Status::Closed)
        );
    }

    #[test]
    fn refusals_name_the_state_and_the_step() {
        let e = next(
            Status::Closed,
            Action::Assign,
            Part::Office,
            Facts::default(),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("closed") && msg.contains("assign"), "{msg}");
        let e = next(
            Status::Assigned,
            Action::Reply,
            Part::Lead,
            Facts::default(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            Refusal::ConsultFirst {
                status: Status::Assigned
            }
        );
        assert!(e.to_string().contains("assigned"));
        let e = next(
            Status::Filed,
            Action::Register,
            Part::Lead,
            Facts::default(),
        )
        .unwrap_err();
        assert!(matches!(e, Refusal::WrongPart { .. }));
    }

    #[test]
    fn stored_names_agree_with_the_wire_names() {
        use sea_orm::{ActiveEnum, Iterable};
        for s in Status::iter() {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for k in super::super::Kind::iter() {
            assert_eq!(k.to_value(), k.as_str());
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for c in ReplyClass::iter() {
            assert_eq!(c.to_value(), c.as_str());
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for e in Evaluation::iter() {
            assert_eq!(e.to_value(), e.as_str());
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
        for w in super::super::ConsultWay::iter() {
            assert_eq!(w.to_value(), w.as_str());
            assert_eq!(serde_json::to_value(w).unwrap(), w.as_str());
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }
}
