//! Leases of the jobs that must run on one node at a time across a cluster (the sweeper, the
//! plugin outbox, plugin schedules, digests): one row per job name, naming the node that holds
//! it and until when. See `jobs` in the domain.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(JobLeases::Table)
                .col(string_len(JobLeases::Name, 64).primary_key())
                .col(string_len(JobLeases::Holder, 128))
                .col(timestamp_with_time_zone(JobLeases::ExpiresAt))
                .col(timestamp_with_time_zone(JobLeases::AcquiredAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(JobLeases::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    ExpiresAt,
    AcquiredAt,
}
