//! Dashboards: counters kept up to date as case events happen, the measures read from them, and
//! the live feed the big screen listens to.

pub mod counters;
pub mod figures;
pub mod live;
pub mod measures;
pub mod recount;
pub mod wall;
