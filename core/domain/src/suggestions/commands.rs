//! What someone asks of a suggestion: one command per step, each with its own typed body. The
//! API reads them from JSON, the pages build them from form fields, the demo directly; all go to
//! [`super::actions::perform`].

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::lifecycle::Action;
use super::{ConsultWay, Evaluation, ReplyClass};
use crate::error::Error;

/// The body of `register`, `supervise`-free steps that carry only a remark; it may be absent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestionNoteBody)]
pub struct NoteBody {
    /// A remark kept with the step (at most 2000 characters).
    pub note: Option<String>,
}

/// The body of `return` and `to_letter`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestionReasonBody)]
pub struct ReasonBody {
    /// Why (1–2000 characters); the deputy reads it.
    pub reason: String,
}

/// The body of `revise`: what changes; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestionReviseBody)]
pub struct ReviseBody {
    /// The new title (1–100 characters).
    pub title: Option<String>,
    /// The new text (10–5000 characters).
    pub body: Option<String>,
    /// A remark kept with the step.
    pub note: Option<String>,
}

/// The body of `assign`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestionAssignBody)]
pub struct AssignBody {
    /// The lead organisation's code (主办).
    pub lead: String,
    /// Co-organisations' codes (协办), at most 10, none of them the lead.
    #[serde(default)]
    pub co_organisations: Vec<String>,
    /// Months to reply instead of the configured limit, 1–6.
    pub reply_months: Option<u32>,
    /// Mark it for key supervision (重点督办) at once; then `supervising_leader` is required.
    #[serde(default)]
    pub key_supervision: bool,
    /// The leader who supervises it (1–50 characters).
    pub supervising_leader: Option<String>,
    /// A remark kept with the step.
    pub note: Option<String>,
}

/// The body of `supervise`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperviseBody {
    /// The leader who supervises it (1–50 characters).
    pub supervising_leader: String,
    /// A remark kept with the step.
    pub note: Option<String>,
}

/// The body of `consult` (面商).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultBody {
    /// The day it was held, `YYYY-MM-DD`, not after today nor before the assignment.
    pub day: NaiveDate,
    /// In person, by phone or in writing.
    pub way: ConsultWay,
    /// Who took part (1–200 characters).
    pub people: String,
    /// What was said (at most 2000 characters).
    pub note: Option<String>,
}

/// The body of `co_opinion`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoOpinionBody {
    /// The co-organisation's opinion to the lead (1–2000 characters).
    pub opinion: String,
}

/// The body of `reply` (答复).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestionReplyBody)]
pub struct ReplyBody {
    /// A, B or C.
    pub class: ReplyClass,
    /// The reply as the public reads it (10–5000 characters).
    pub text: String,
    /// Why it cannot be solved now: required for C (1–2000 characters).
    pub reason: Option<String>,
    /// When a B item is planned to be solved: required for B, after today.
    pub planned_on: Option<NaiveDate>,
}

/// The body of `evaluate` (代表评价).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateBody {
    /// 满意, 基本满意 or 不满意; 不满意 sends it back once.
    pub evaluation: Evaluation,
    /// What the deputy adds (at most 2000 characters).
    pub comment: Option<String>,
}

/// The body of `confirm` (落实确认).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestionConfirmBody)]
pub struct ConfirmBody {
    /// Whether the planned work solved it.
    pub solved: bool,
    /// A remark kept with the step.
    pub note: Option<String>,
}

/// One step on a suggestion with its body.
#[derive(Debug, Clone)]
pub enum Command {
    /// The office accepts it.
    Register(NoteBody),
    /// The office returns it for revision.
    Return(ReasonBody),
    /// The deputy sends it again, revised.
    Revise(ReviseBody),
    /// The office handles it as a letter.
    ToLetter(ReasonBody),
    /// The office assigns it.
    Assign(AssignBody),
    /// The office marks it for key supervision.
    Supervise(SuperviseBody),
    /// The lead records a consultation.
    Consult(ConsultBody),
    /// A co-organisation sends its opinion.
    CoOpinion(CoOpinionBody),
    /// The lead answers.
    Reply(ReplyBody),
    /// The deputy evaluates the reply.
    Evaluate(EvaluateBody),
    /// A followed-up B item is confirmed.
    Confirm(ConfirmBody),
}

impl Command {
    /// The step this command takes.
    pub fn action(&self) -> Action {
        match self {
            Command::Register(_) => Action::Register,
            Command::Return(_) => Action::Return,
            Command::Revise(_) => Action::Revise,
            Command::ToLetter(_) => Action::ToLetter,
            Command::Assign(_) => Action::Assign,
            Command::Supervise(_) => Action::Supervise,
            Command::Consult(_) => Action::Consult,
            Command::CoOpinion(_) => Action::CoOpinion,
            Command::Reply(_) => Action::Reply,
            Command::Evaluate(_) => Action::Evaluate,
            Command::Confirm(_) => Action::Confirm,
        }
    }

    /// Reads `action`'s body from JSON, naming the offending field. An absent body (`null`) is
    /// an empty one for `register` and `revise`.
    pub fn from_json(action: Action, raw: &Value) -> Result<Command, Error> {
        Ok(match action {
            Action::Register => Command::Register(optional(raw)?),
            Action::Return => Command::Return(body(raw)?),
            Action::Revise => Command::Revise(optional(raw)?),
            Action::ToLetter => Command::ToLetter(body(raw)?),
            Action::Assign => Command::Assign(body(raw)?),
            Action::Supervise => Command::Supervise(body(raw)?),
            Action::Consult => Command::Consult(body(raw)?),
            Action::CoOpinion => Command::CoOpinion(body(raw)?),
            Action::Reply => Command::Reply(body(raw)?),
            Action::Evaluate => Command::Evaluate(body(raw)?),
            Action::Confirm => Command::Confirm(body(raw)?),
        })
    }
}

fn body<T: serde::de::DeserializeOwned>(raw: &Value) -> Result<T, Error> {
    crate::json::parse(raw.to_string().as_bytes())
}

fn optional<T: serde::de::DeserializeOwned + Default>(raw: &Value) -> Result<T, Error> {
    if raw.is_null() {
        Ok(T::default())
    } else {
        body(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_step_has_its_command() {
        let bodies = |a: Action| match a {
            Action::Return | Action::ToLetter => json!({ "reason": "x" }),
            Action::Assign => json!({ "lead": "housing" }),
            Action::Supervise => json!({ "supervising_leader": "张区长" }),
            Action::Consult => {
                json!({ "day": "2026-03-01", "way": "in_person", "people": "王惠" })
            }
            Action::CoOpinion => json!({ "opinion": "同意" }),
            Action::Reply => json!({ "class": "A", "text": "已经解决了这个问题" }),
            Action::Evaluate => json!({ "evaluation": "satisfied" }),
            Action::Confirm => json!({ "solved": true }),
            _ => Value::Null,
        };
        for a in Action::ALL {
            let c = Command::from_json(a, &bodies(a)).expect("a valid body");
            assert_eq!(c.action(), a);
        }
    }

    #[test]
    fn a_wrong_body_names_its_field() {
        let e = Command::from_json(Action::Reply, &json!({ "class": "D", "text": "x" }))
            .expect_err("no class D");
        assert!(
            matches!(&e, Error::BadRequest { field: Some(f), .. } if f == "class"),
            "{e:?}"
        );
        let e = Command::from_json(Action::Return, &Value::Null).expect_err("reason required");
        assert!(matches!(&e, Error::BadRequest { .. }), "{e:?}");
    }
}
