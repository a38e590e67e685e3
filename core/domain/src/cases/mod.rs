//! Cases (民情民意): intake, the lifecycle, deadlines, scope, and their routes.
//!
//! - `lifecycle`: the state machine, pure.
//! - `intake`: a resident's opinion becomes a case, with its contact kept apart.
//! - `actions`: every transition, validated and written with its event in one transaction.
//! - `commands`: what someone asks of a case, one typed `Command` per action with its body.
//! - `transitions`: what each action does to the case row, one function per action.
//! - `queries`: lists, details and the public tracking view, always through `scope`.

pub mod actions;
pub mod commands;
pub mod contact;
pub mod deadlines;
pub mod entity;
pub mod intake;
pub mod lifecycle;
pub mod photos;
pub mod queries;
pub mod receipt;
pub mod reference;
pub mod scope;
pub mod sweeper;
mod transitions;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use lifecycle::{Action, Rating, Status};

/// How a case reached Liaison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    StationQr,
    DeputyQr,
    Reception,
    Web,
    Plugin,
    Open311,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::StationQr => "station_qr",
            Channel::DeputyQr => "deputy_qr",
            Channel::Reception => "reception",
            Channel::Web => "web",
            Channel::Plugin => "plugin",
            Channel::Open311 => "open311",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    Normal,
    Urgent,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        }
    }
}
