//! joint-inspection: 金清镇 一站五室 群防共治 督查小组, the joint-governance inspections of
//! Jinqing's liaison station.
//!
//! Groups of deputies inspect the town's villages one by one against a checklist (环境卫生,
//! 污水治理, 乱堆乱放, 占道经营, 车辆乱停 …). Staff plan a round, record what the group found in
//! each village, and publish the round; a finding with a rectification deadline is filed as a
//! case of the station with the town's (or the village's) office suggested to handle it. A
//! re-inspection marks the finding fixed, or escalates its case. Residents see the published
//! rounds, what was found in each village and whether it was fixed, and the village ranking.
//!
//! - views: `results` (residents and staff), `rounds`, `findings`, `ranking` (staff);
//! - actions: `plan-round`, `record-finding`, `reinspect`, `publish-round` (staff);
//! - events: `submit` (a resident's opinion naming a village is a lead for the next round),
//!   `reply`, `resolve`, `close` (a finding's case was answered: it awaits re-inspection).
//!
//! Storage layout: see [`model`].

use liaison_sdk::prelude::*;

pub mod actions;
pub mod events;
pub mod model;
pub mod views;

#[cfg(test)]
mod tests;

/// The brand.
pub struct JointInspection;

impl Brand for JointInspection {
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "results" => views::results(ctx),
            "rounds" => views::rounds(ctx),
            "findings" => views::findings(ctx),
            "ranking" => views::ranking_view(ctx),
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "plan-round" => actions::plan_round(ctx, input),
            "record-finding" => actions::record_finding(ctx, input),
            "reinspect" => actions::reinspect(ctx, input),
            "publish-round" => actions::publish_round(ctx, input),
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }

    fn on_case_event(event: &CaseEvent) -> Result<(), Error> {
        events::handle(event)
    }
}

liaison_sdk::export_brand!(JointInspection);
