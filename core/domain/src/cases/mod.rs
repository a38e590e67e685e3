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
    /// Scanned the station's printed QR code (联络站码), leaving no particular deputy.
    StationQr,
    /// Scanned a deputy's own QR code (代表码); the case reaches that deputy.
    DeputyQr,
    /// Recorded by staff at the duty desk from a walk-in (接待).
    Reception,
    /// Submitted on the public web page without a code.
    Web,
    /// Raised through a station-brand plugin (一站一品) form.
    Plugin,
    /// Received through the Open311 GeoReport API.
    Open311,
}

impl Channel {
    /// The value stored in `cases.channel` and used on the wire.
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

/// How fast a case must move: decided at registration or triage (研判分类), and used to pick
/// shorter time limits and to order work lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    /// The usual time limits apply.
    Normal,
    /// Safety or livelihood matters that cannot wait; handled first with shorter limits.
    Urgent,
}

impl Urgency {
    /// The value stored in `cases.urgency` and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        }
    }
}
