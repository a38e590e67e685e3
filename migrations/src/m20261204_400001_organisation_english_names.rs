//! Organisations get an English name, as stations and categories have: the pages in English
//! show it. Empty for the organisations already there, which the pages then show by their
//! Chinese name until ops give one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Organisations::Table)
                .add_column(string(Organisations::NameEn).default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Organisations::Table)
                .drop_column(Organisations::NameEn)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    NameEn,
}
