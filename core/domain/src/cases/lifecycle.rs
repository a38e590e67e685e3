//! The case state machine of DESIGN.md, in one place: which action may move a case from which
//! state, who may take it, and where it lands. Pure: no database, no clock, so every legal and
//! illegal pair can be tested exhaustively.

use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;

/// Where a case stands in its handling (受理 → 交办 → 办理 → 答复 → 反馈 → 评价 → 办结); stored in `cases.status` as snake_case.
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
pub enum Status {
    /// Sent by a resident (or recorded by staff), not yet looked at by the station.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// Registered (登记受理) by the station: accepted, waiting to be assigned or resolved in the station.
    #[sea_orm(string_value = "registered")]
    Registered,
    /// Refused (不予受理) with a reason the resident sees; final.
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// Assigned (交办) to a handling organisation, waiting for it to acknowledge (签收).
    #[sea_orm(string_value = "assigned")]
    Assigned,
    /// Acknowledged by the handling organisation, which is working on its reply.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Answered, by the handling organisation (答复) or by the station itself (站内解决); waiting for the deputy's or station's feedback.
    #[sea_orm(string_value = "replied")]
    Replied,
    /// The answer was relayed to the resident (代表反馈); waiting for the rating.
    #[sea_orm(string_value = "feedback_given")]
    FeedbackGiven,
    /// Sent back for rework (重办) after an unsatisfied rating, or reopened by staff; to be assigned again.
    #[sea_orm(string_value = "reopened")]
    Reopened,
    /// Done (办结): rated satisfied or basically satisfied, closed by staff, or closed unrated after the rating window.
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl Status {
    /// Every status, in the order of the handling.
    pub const ALL: [Status; 9] = [
        Status::Submitted,
        Status::Registered,
        Status::Rejected,
        Status::Assigned,
        Status::InProgress,
        Status::Replied,
        Status::FeedbackGiven,
        Status::Reopened,
        Status::Closed,
    ];

    /// The stable snake_case name, as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Registered => "registered",
            Status::Rejected => "rejected",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::Replied => "replied",
            Status::FeedbackGiven => "feedback_given",
            Status::Reopened => "reopened",
            Status::Closed => "closed",
        }
    }

    /// The status of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What residents read on the tracking page.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Submitted => "已提交",
            Status::Registered => "已受理",
            Status::Rejected => "不予受理",
            Status::Assigned => "已交办",
            Status::InProgress => "办理中",
            Status::Replied => "已答复",
            Status::FeedbackGiven => "代表已反馈",
            Status::Reopened => "重新办理",
            Status::Closed => "已办结",
        }
    }

    /// Neither rejected nor closed: still somebody's work.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Rejected | Status::Closed)
    }
}

/// A step that moves (or escalates) a case; each one writes a `case_events` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 登记受理: the station accepts and records the case.
    Register,
    /// 不予受理: the station refuses the case, with a reason the resident sees.
    Reject,
    /// 交办: send the case to a lead handling organisation (and co-handlers) with deadlines.
    Assign,
    /// 签收: the lead handling organisation signs for the case, within the sign-for limit.
    Acknowledge,
    /// 退回: the handling organisation sends a wrongly assigned case back to the station, with a reason.
    Return,
    /// The handler asks for more time.
    Extend,
    /// Station staff grant or refuse the asked extension.
    GrantExtension,
    /// 答复: the handling organisation's answer.
    Reply,
    /// 站内解决: the station (or a deputy) answers without a department.
    Resolve,
    /// 代表反馈: the deputy (or staff) relays the answer to the resident.
    Feedback,
    /// 满意度评价: the resident rates the answer; unsatisfied reopens the case.
    Rate,
    /// 重新办理: staff reopen a closed case for rework.
    Reopen,
    /// 催办: remind the handler, the first rung of the supervision ladder.
    Remind,
    /// 督办: supervise, the second rung.
    Supervise,
    /// Public notice (通报), the top of the supervision ladder.
    Notice,
    /// 办结: close the case without (or instead of) the resident's rating.
    Close,
}

impl Action {
    /// Every action, in the order of the handling.
    pub const ALL: [Action; 16] = [
        Action::Register,
        Action::Reject,
        Action::Assign,
        Action::Acknowledge,
        Action::Return,
        Action::Extend,
        Action::GrantExtension,
        Action::Reply,
        Action::Resolve,
        Action::Feedback,
        Action::Rate,
        Action::Reopen,
        Action::Remind,
        Action::Supervise,
        Action::Notice,
        Action::Close,
    ];

    /// The stable snake_case name, as stored in `case_events.action` and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Reject => "reject",
            Action::Assign => "assign",
            Action::Acknowledge => "acknowledge",
            Action::Return => "return",
            Action::Extend => "extend",
            Action::GrantExtension => "grant_extension",
            Action::Reply => "reply",
            Action::Resolve => "resolve",
            Action::Feedback => "feedback",
            Action::Rate => "rate",
            Action::Reopen => "reopen",
            Action::Remind => "remind",
            Action::Supervise => "supervise",
            Action::Notice => "notice",
            Action::Close => "close",
        }
    }

    /// The action of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The action's name on the pages and in the case history (Chinese).
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Register => "登记受理",
            Action::Reject => "不予受理",
            Action::Assign => "交办",
            Action::Acknowledge => "签收",
            Action::Return => "退回",
            Action::Extend => "申请延期",
            Action::GrantExtension => "延期审批",
            Action::Reply => "答复",
            Action::Resolve => "站内解决",
            Action::Feedback => "代表反馈",
            Action::Rate => "满意度评价",
            Action::Reopen => "重新办理",
            Action::Remind => "催办",
            Action::Supervise => "督办",
            Action::Notice => "通报",
            Action::Close => "办结",
        }
    }

    /// Who may take the action at all, whatever the state.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::Register | Action::Reject | Action::Assign | Action::GrantExtension => {
                &[StationStaff, Ops]
            }
            Action::Reopen | Action::Remind | Action::Supervise => &[StationStaff, Ops],
            Action::Notice => &[Ops],
            Action::Resolve => &[StationStaff, Deputy, Ops],
            Action::Acknowledge | Action::Return | Action::Extend | Action::Reply => &[Handler],
            Action::Feedback => &[Deputy, StationStaff, Ops],
            Action::Rate => &[Resident],
            Action::Close => &[StationStaff, Ops, System],
        }
    }

    /// Whether someone of `role` may take the action in some state: whether a page offers it.
    pub fn open_to(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// The states the action may start from.
    pub fn from_states(self) -> &'static [Status] {
        use Status::*;
        match self {
            Action::Register => &[Submitted],
            Action::Reject => &[Submitted, Registered],
            Action::Assign => &[Registered, Reopened],
            Action::Resolve => &[Registered],
            Action::Acknowledge => &[Assigned],
            Action::Return => &[Assigned, InProgress],
            Action::Extend | Action::GrantExtension | Action::Reply => &[InProgress],
            Action::Feedback => &[Replied],
            Action::Rate | Action::Close => &[FeedbackGiven],
            Action::Reopen => &[Closed],
            Action::Remind | Action::Supervise | Action::Notice => {
                &[Registered, Assigned, InProgress, Replied, Reopened]
            }
        }
    }
}

/// The resident's satisfaction (满意度), the three levels used in practice.
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
pub enum Rating {
    /// 满意.
    #[sea_orm(string_value = "satisfied")]
    Satisfied,
    /// 基本满意: counts as satisfied in the satisfaction rate.
    #[sea_orm(string_value = "basically_satisfied")]
    BasicallySatisfied,
    /// 不满意: sends the case back for rework (重办).
    #[sea_orm(string_value = "unsatisfied")]
    Unsatisfied,
}

impl Rating {
    /// The stable snake_case name, as stored in `cases.rating`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Unsatisfied => "unsatisfied",
        }
    }

    /// The rating of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<Rating> {
        [
            Rating::Satisfied,
            Rating::BasicallySatisfied,
            Rating::Unsatisfied,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// The rating's name on the pages (Chinese).
    pub fn label_zh(self) -> &'static str {
        match self {
            Rating::Satisfied => "满意",
            Rating::BasicallySatisfied => "基本满意",
            Rating::Unsatisfied => "不满意",
        }
    }
}

/// Why [`next`] refuses a step; the faces turn it into a conflict (409) or a forbidden (403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The case is not in a state the action may start from.
    #[error("cannot {action} a case that is {status}: {action} needs a case that is {expected}", status = .status.as_str(), action = .action.as_str())]
    WrongState {
        /// The case's current status.
        status: Status,
        /// The action refused.
        action: Action,
        /// The states the action could start from, joined with " or ", for the message.
        expected: String,
    },
    /// The role may never take this action, whatever the case's state.
    #[error("role {role} may not {action} a case", role = .role.as_str(), action = .action.as_str())]
    WrongRole {
        /// The caller's role.
        role: Role,
        /// The action refused.
        action: Action,
    },
}

/// Where `action` by `role` takes a case that is `status`. `rating` matters only for `Rate`.
/// The role is checked first: telling a role what state would have worked leaks nothing, but a
/// stable 403 for a role that can never act is clearer than a 409 that changes with the case.
pub fn next(
    status: Status,
    action: Action,
    role: Role,
    rating: Option<Rating>,
) -> Result<Status, Refusal> {
    if !action.roles().contains(&role) {
        return Err(Refusal::WrongRole { role, action });
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
        Action::Reject => Status::Rejected,
        Action::Assign => Status::Assigned,
        Action::Acknowledge => Status::InProgress,
        Action::Return => Status::Registered,
        Action::Extend | Action::GrantExtension => Status::InProgress,
        Action::Reply | Action::Resolve => Status::Replied,
        Action::Feedback => Status::FeedbackGiven,
        Action::Rate => match rating {
            Some(Rating::Unsatisfied) => Status::Reopened,
            _ => Status::Closed,
        },
        Action::Close => Status::Closed,
        Action::Reopen => Status::Reopened,
        Action::Remind | Action::Supervise | Action::Notice => status,
    })
}

/// The supervision level an escalation leaves the case at: 1 催办, 2 督办, 3 通报. Levels never go down.
pub fn supervision_after(action: Action, current: i32) -> i32 {
    match action {
        Action::Remind => current.max(1),
        Action::Supervise => current.max(2),
        Action::Notice => current.max(3),
        _ => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored name (the database derive), the API's name (serde) and `as_str` are spelled
    /// in three places; they must never drift apart, or rows written earlier stop reading back.
    #[test]
    fn stored_names_agree_with_the_wire_names() {
        use sea_orm::{ActiveEnum, Iterable};
        fn agree<T: ActiveEnum<Value = String> + Iterable + Serialize + Copy>(
            name: fn(T) -> &'static str,
        ) {
            for v in T::iter() {
                assert_eq!(v.to_value(), name(v));
                assert_eq!(serde_json::to_value(v).unwrap(), name(v));
            }
        }
        agree::<Status>(Status::as_str);
        agree::<Rating>(Rating::as_str);
        agree::<crate::cases::Channel>(crate::cases::Channel::as_str);
        agree::<crate::cases::Urgency>(crate::cases::Urgency::as_str);
        assert_eq!(Status::iter().count(), Status::ALL.len());
    }

    const ROLES: [Role; 7] = [
        Role::Resident,
        Role::Deputy,
        Role::StationStaff,
        Role::Handler,
        Role::Ops,
        Role::Viewer,
        Role::System,
    ];

    /// The table of DESIGN.md, written out by hand so that a change to the code has to change it too.
    fn expected(status: Status, action: Action, role: Role) -> Option<Status> {
        use Action as A;
        use Role as R;
        use Status as S;
        let staff = matches!(role, R::StationStaff | R::Ops);
        let open_supervisable = matches!(
            status,
            S::Registered | S::Assigned | S::InProgress | S::Replied | S::Reopened
        );
        match (status, action) {
            (S::Submitted, A::Register) if staff => Some(S::Registered),
            (S::Submitted | S::Registered, A::Reject) if staff => Some(S::Rejected),
            (S::Registered | S::Reopened, A::Assign) if staff => Some(S::Assigned),
            (S::Registered, A::Resolve) if staff || role == R::Deputy => Some(S::Replied),
            (S::Assigned, A::Acknowledge) if role == R::Handler => Some(S::InProgress),
            (S::Assigned | S::InProgress, A::Return) if role == R::Handler => Some(S::Registered),
            (S::InProgress, A::Extend) if role == R::Handler => Some(S::InProgress),
            (S::InProgress, A::GrantExtension) if staff => Some(S::InProgress),
            (S::InProgress, A::Reply) if role == R::Handler => Some(S::Replied),
            (S::Replied, A::Feedback) if staff || role == R::Deputy => Some(S::FeedbackGiven),
            (S::FeedbackGiven, A::Rate) if role == R::Resident => Some(S::Closed),
            (S::FeedbackGiven, A::Close) if staff || role == R::System => Some(S::Closed),
            (S::Closed, A::Reopen) if staff => Some(S::Reopened),
            (_, A::Remind | A::Supervise) if staff && open_supervisable => Some(status),
            (_, A::Notice) if role == R::Ops && open_supervisable => Some(status),
            _ => None,
        }
    }

    #[test]
    fn every_state_action_role_triple_matches_the_table() {
        let mut legal = 0;
        for status in Status::ALL {
            for action in Action::ALL {
                for role in ROLES {
                    let got = next(status, action, role, Some(Rating::Satisfied)).ok();
                    assert_eq!(
                        got,
                        expected(status, action, role),
                        "{status:?} {action:?} by {role:?}"
                    );
                    legal += got.is_some() as usize;
                }
            }
        }
        // Counted by hand from the table; guards against the table and the code drifting together.
        assert_eq!(legal, 54);
    }

    #[test]
    fn unsatisfied_rating_reopens_and_others_close() {
        let r = Role::Resident;
        assert_eq!(
            next(
                Status::FeedbackGiven,
                Action::Rate,
                r,
                Some(Rating::Unsatisfied)
            ),
            Ok(Status::Reopened)
        );
        assert_eq!(
            next(
                Status::FeedbackGiven,
                Action::Rate,
                r,
                Some(Rating::BasicallySatisfied)
            ),
            Ok(Status::Closed)
        );
        assert_eq!(
            next(
                Status::FeedbackGiven,
                Action::Rate,
                r,
                Some(Rating::Satisfied)
            ),
            Ok(Status::Closed)
        );
    }

    #[test]
    fn refusals_name_the_state_and_the_action() {
        let err = next(Status::Closed, Action::Assign, Role::StationStaff, None).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("closed") && msg.contains("assign"), "{msg}");
        assert!(matches!(err, Refusal::WrongState { .. }));
        let err = next(Status::Assigned, Action::Acknowledge, Role::Viewer, None).unwrap_err();
        assert_eq!(
            err,
            Refusal::WrongRole {
                role: Role::Viewer,
                action: Action::Acknowledge
            }
        );
        assert!(err.to_string().contains("viewer"));
    }

    #[test]
    fn viewers_never_act() {
        for status in Status::ALL {
            for action in Action::ALL {
                assert!(next(status, action, Role::Viewer, None).is_err());
            }
        }
    }

    #[test]
    fn supervision_only_climbs() {
        assert_eq!(supervision_after(Action::Remind, 0), 1);
        assert_eq!(supervision_after(Action::Remind, 2), 2);
        assert_eq!(supervision_after(Action::Supervise, 1), 2);
        assert_eq!(supervision_after(Action::Notice, 0), 3);
        assert_eq!(supervision_after(Action::Supervise, 3), 3);
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
    }
}
