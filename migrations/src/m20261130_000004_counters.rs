//! Counters the dashboards read, kept up to date as case events happen.
//!
//! One row per (dimension, station, key, month, metric). Station 0 holds the district-wide sum
//! so the big screen is one read; `dim` is `all`, `category`, `channel` or `org`; `key` is the
//! category id, channel name or organisation id (empty for `all`); `month` is `yyyymm`, or 0
//! for the all-time rows. The primary key leads with the dimension, the station and the month:
//! every dashboard query is a prefix of it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DashboardCounters::Table)
                .col(string_len(DashboardCounters::Dim, 16))
                .col(big_integer(DashboardCounters::StationId))
                .col(string_len(DashboardCounters::Key, 32))
                .col(integer(DashboardCounters::Month))
                .col(string_len(DashboardCounters::Metric, 32))
                .col(big_integer(DashboardCounters::Value))
                .primary_key(
                    Index::create()
                        .col(DashboardCounters::Dim)
                        .col(DashboardCounters::StationId)
                        .col(DashboardCounters::Month)
                        .col(DashboardCounters::Key)
                        .col(DashboardCounters::Metric),
                )
                .to_owned(),
        )
        .await?;
        // "Overdue" moves with the clock, not with events, so it is counted live; this index
        // makes that count read only the cases with a deadline before today, never every case.
        m.create_index(
            Index::create()
                .name("idx_cases_due_station_org")
                .table(Cases::Table)
                .col(Cases::DueOn)
                .col(Cases::StationId)
                .col(Cases::LeadOrgId)
                .to_owned(),
        )
        .await?;
        // A station's latest cases, newest first, without sorting all of the station's cases.
        m.create_index(
            Index::create()
                .name("idx_cases_station_id")
                .table(Cases::Table)
                .col(Cases::StationId)
                .col(Cases::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_cases_station_id")
                .table(Cases::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_cases_due_station_org")
                .table(Cases::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(DashboardCounters::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DashboardCounters {
    Table,
    Dim,
    StationId,
    Key,
    Month,
    Metric,
    Value,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    DueOn,
    StationId,
    LeadOrgId,
}
