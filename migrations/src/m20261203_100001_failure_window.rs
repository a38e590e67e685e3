//! A plugin's failures at a station are counted over a window, not in a row: one success (a
//! scheduled run, say) used to reset the count, so a plugin failing every other call was never
//! suspended. `consecutive_failures` now counts the failures since `failure_window_from`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(StationPlugins::Table)
                .add_column(timestamp_with_time_zone_null(
                    StationPlugins::FailureWindowFrom,
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(StationPlugins::Table)
                .drop_column(StationPlugins::FailureWindowFrom)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum StationPlugins {
    Table,
    FailureWindowFrom,
}
