//! Every schema change of Liaison is a migration here; SQLite and PostgreSQL run the same ones.

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

mod m20261127_000001_foundation;
mod m20261128_000002_plugins;
mod m20261129_000003_case_photos;
mod m20261130_000004_counters;
mod m20261130_000005_oversight;
mod m20261202_100001_station_coordinates;
mod m20261202_200001_note_audience;
mod m20261202_200002_intake_digest;
mod m20261202_300001_overdue_index;
mod m20261203_100001_failure_window;
mod m20261203_300001_brand_results;
mod m20261203_400001_suggestions;
mod m20261203_400002_legislation;
mod m20261204_100001_notifications;
mod m20261204_300001_photo_data;
mod m20261204_300002_job_leases;
mod m20261204_400001_organisation_english_names;
mod m20261204_500001_station_photos;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261128_000002_plugins::Migration),
            Box::new(m20261129_000003_case_photos::Migration),
            Box::new(m20261130_000004_counters::Migration),
            Box::new(m20261130_000005_oversight::Migration),
            Box::new(m20261202_100001_station_coordinates::Migration),
            Box::new(m20261202_200001_note_audience::Migration),
            Box::new(m20261202_200002_intake_digest::Migration),
            Box::new(m20261202_300001_overdue_index::Migration),
            Box::new(m20261203_100001_failure_window::Migration),
            Box::new(m20261203_300001_brand_results::Migration),
            Box::new(m20261203_400001_suggestions::Migration),
            Box::new(m20261203_400002_legislation::Migration),
            Box::new(m20261204_100001_notifications::Migration),
            Box::new(m20261204_300001_photo_data::Migration),
            Box::new(m20261204_300002_job_leases::Migration),
            Box::new(m20261204_400001_organisation_english_names::Migration),
            Box::new(m20261204_500001_station_photos::Migration),
        ]
    }
}
