//! What someone asks of a case: one command per action, each with its own typed body.
//!
//! The faces build a `Command` (the API from JSON, the pages from form fields, the demo and the
//! sweeper directly) and hand it to `actions::perform`, so no rule reads loose JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Urgency;
use super::lifecycle::{Action, Rating};
use crate::error::Error;

/// Who reads a note kept with a step: the resident on the tracking page (群众可见), or only the
/// people working the case. Every note has one. Where the person writing chooses, internal is
/// the default; some steps fix it (a rejection's reason and the answer are for the resident, a
/// return's or an extension's reason is not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteAudience {
    /// Shown to the resident on the tracking page with the step.
    Public,
    /// Only for the station, the handlers and ops.
    #[default]
    Internal,
}

impl NoteAudience {
    /// Whether the resident reads it.
    pub fn is_public(self) -> bool {
        self == NoteAudience::Public
    }
}

// The bodies, one per action. Unknown fields are refused so a typo is not silently ignored.

/// The body of `register`; every field is optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Correct the category chosen by the resident.
    pub category: Option<String>,
    /// Correct the title the resident gave.
    pub title: Option<String>,
    /// Mark the case urgent (or not).
    pub urgency: Option<Urgency>,
    /// Complex cases get the longer reply limit.
    pub complex: Option<bool>,
    /// Link to an earlier case on the same matter.
    pub duplicate_of: Option<i64>,
    /// A note kept with the step.
    pub note: Option<String>,
    /// Who reads the note: `internal` (the default) or `public` (shown on the tracking page).
    #[serde(default)]
    pub note_audience: NoteAudience,
}

/// The body of `reject`, `return` and `reopen`. A rejection's reason is for the resident; a
/// return's and a reopening's are internal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Required: the resident or the station reads it.
    pub reason: String,
}

/// The body of `acknowledge`, `remind`, `supervise`, `notice` and `close`; it may be absent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// A note kept with the step.
    pub note: Option<String>,
    /// Who reads the note: `internal` (the default) or `public` (shown on the tracking page).
    #[serde(default)]
    pub note_audience: NoteAudience,
}

/// The body of `assign`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Lead organisation code (主办).
    pub lead: String,
    /// Co-handler organisation codes (协办).
    #[serde(default)]
    pub co_handlers: Vec<String>,
    /// Complex cases get the longer reply limit; absent keeps what the case says.
    pub complex: Option<bool>,
    /// Working days to reply, instead of the configured limit.
    pub reply_days: Option<u32>,
    /// A note kept with the step.
    pub note: Option<String>,
    /// Who reads the note: `internal` (the default) or `public` (shown on the tracking page).
    #[serde(default)]
    pub note_audience: NoteAudience,
}

/// The body of `extend`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    /// Why more time is needed; the station reads it (internal).
    pub reason: String,
    /// Extra working days asked for.
    pub days: u32,
}

/// The body of `grant_extension`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantExtensionBody {
    /// Grant (true) or refuse (false) the extension asked for.
    pub approve: bool,
    /// Grant fewer days than asked.
    pub days: Option<u32>,
    /// A note kept with the step.
    pub note: Option<String>,
    /// Who reads the note: `internal` (the default) or `public` (shown on the tracking page).
    #[serde(default)]
    pub note_audience: NoteAudience,
}

/// The body of `reply` and `resolve`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// The answer the resident will read (public).
    pub answer: String,
}

/// The body of `feedback`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// How and what the deputy relayed to the resident (public).
    pub note: String,
}

/// The body of `rate`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// How satisfied the resident is; unsatisfied sends the case back for rework.
    pub rating: Rating,
    /// What the resident adds (public, as the resident wrote it for the tracking page).
    pub comment: Option<String>,
    /// Required when not signed in: proves the rater holds the receipt.
    pub receipt_code: Option<String>,
}

/// One action on a case with its body.
#[derive(Debug, Clone)]
pub enum Command {
    /// Station staff take the opinion in, correcting it if need be.
    Register(RegisterBody),
    /// Station staff decline the opinion, saying why.
    Reject(ReasonBody),
    /// Station staff hand the case to a lead organisation and co-handlers.
    Assign(AssignBody),
    /// The lead organisation signs for the case.
    Acknowledge(NoteBody),
    /// The lead organisation hands the case back to the station, saying why.
    Return(ReasonBody),
    /// The lead organisation asks for more time.
    Extend(ExtendBody),
    /// Station staff grant or refuse the asked extension.
    GrantExtension(GrantExtensionBody),
    /// The lead organisation answers.
    Reply(AnswerBody),
    /// The station or its deputy answers without an organisation.
    Resolve(AnswerBody),
    /// A deputy tells the resident the answer.
    Feedback(FeedbackBody),
    /// The resident rates the answer.
    Rate(RateBody),
    /// A closed or answered case is opened again, saying why.
    Reopen(ReasonBody),
    /// A reminder to the handler (the first rung of supervision).
    Remind(NoteBody),
    /// Supervision (督办), the second rung.
    Supervise(NoteBody),
    /// Public notice (通报), the top rung.
    Notice(NoteBody),
    /// The case closes without a rating.
    Close(NoteBody),
}

impl Command {
    /// The action this command performs.
    pub fn action(&self) -> Action {
        match self {
            Command::Register(_) => Action::Register,
            Command::Reject(_) => Action::Reject,
            Command::Assign(_) => Action::Assign,
            Command::Acknowledge(_) => Action::Acknowledge,
            Command::Return(_) => Action::Return,
            Command::Extend(_) => Action::Extend,
            Command::GrantExtension(_) => Action::GrantExtension,
            Command::Reply(_) => Action::Reply,
            Command::Resolve(_) => Action::Resolve,
            Command::Feedback(_) => Action::Feedback,
            Command::Rate(_) => Action::Rate,
            Command::Reopen(_) => Action::Reopen,
            Command::Remind(_) => Action::Remind,
            Command::Supervise(_) => Action::Supervise,
            Command::Notice(_) => Action::Notice,
            Command::Close(_) => Action::Close,
        }
    }

    /// Reads `action`'s body from JSON, naming the offending field when it is wrong. An absent
    /// body (`null`) is an empty one for the actions whose body is optional: register,
    /// acknowledge, remind, supervise, notice and close.
    pub fn from_json(action: Action, raw: &Value) -> Result<Command, Error> {
        Ok(match action {
            Action::Register => Command::Register(optional(raw)?),
            Action::Reject => Command::Reject(body(raw)?),
            Action::Assign => Command::Assign(body(raw)?),
            Action::Acknowledge => Command::Acknowledge(optional(raw)?),
            Action::Return => Command::Return(body(raw)?),
            Action::Extend => Command::Extend(body(raw)?),
            Action::GrantExtension => Command::GrantExtension(body(raw)?),
            Action::Reply => Command::Reply(body(raw)?),
            Action::Resolve => Command::Resolve(body(raw)?),
            Action::Feedback => Command::Feedback(body(raw)?),
            Action::Rate => Command::Rate(body(raw)?),
            Action::Reopen => Command::Reopen(body(raw)?),
            Action::Remind => Command::Remind(optional(raw)?),
            Action::Supervise => Command::Supervise(optional(raw)?),
            Action::Notice => Command::Notice(optional(raw)?),
            Action::Close => Command::Close(optional(raw)?),
        })
    }
}

/// A body read through `json::parse`, so the refusal names the field.
fn body<T: serde::de::DeserializeOwned>(raw: &Value) -> Result<T, Error> {
    crate::json::parse(raw.to_string().as_bytes())
}

/// A body that may be absent altogether.
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
    fn every_action_has_its_command() {
        let bodies = |a: Action| match a {
            Action::Reject | Action::Return | Action::Reopen => json!({ "reason": "x" }),
            Action::Assign => json!({ "lead": "housing" }),
            Action::Extend => json!({ "reason": "x", "days": 3 }),
            Action::GrantExtension => json!({ "approve": true }),
            Action::Reply | Action::Resolve => json!({ "answer": "xx" }),
            Action::Feedback => json!({ "note": "xx" }),
            Action::Rate => json!({ "rating": "satisfied" }),
            _ => Value::Null,
        };
        for a in Action::ALL {
            let c = Command::from_json(a, &bodies(a)).expect("a valid body");
            assert_eq!(c.action(), a);
        }
    }

    #[test]
    fn an_absent_body_is_empty_only_where_it_may_be() {
        assert!(Command::from_json(Action::Close, &Value::Null).is_ok());
        assert!(Command::from_json(Action::Register, &Value::Null).is_ok());
        assert!(Command::from_json(Action::Reject, &Value::Null).is_err());
    }

    #[test]
    fn a_wrong_body_names_its_field() {
        let e = Command::from_json(
            Action::Assign,
            &json!({ "lead": "x", "reply_days": "many" }),
        )
        .expect_err("a string is not a number");
        assert!(
            matches!(&e, Error::BadRequest { field: Some(f), .. } if f == "reply_days"),
            "{e:?}"
        );
        let e = Command::from_json(Action::Reject, &json!({})).expect_err("reason is required");
        assert!(
            matches!(&e, Error::BadRequest { field: Some(f), .. } if f == "reason"),
            "{e:?}"
        );
    }
}
