//! Oversight beyond single cases: department appraisal, deputy duty points, station visits and
//! livelihood projects, with their exports.
//!
//! - `visits`: station visits (进站活动) and inspection rounds, with the deputies who attended;
//! - `scoring`: the pure appraisal rule; `appraisal`: the year's settings, the appraisers'
//!   scores and poll, the ranking, its publication and the residents' opinions;
//! - `points`: the deputies' points ledger derived from recorded events;
//! - `projects`: livelihood projects (民生实事): candidates, the deputies' vote, milestones;
//! - `exports`: CSV and Excel of every table.

pub mod appraisal;
pub(crate) mod entity;
pub mod exports;
pub mod points;
pub mod points_table;
pub mod project_states;
pub mod projects;
pub mod scoring;
pub mod visits;
