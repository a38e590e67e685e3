//! A case filed with an idempotency key keeps the digest of what it said, so that a replay of
//! the key with other content (another station, text or contact) is refused instead of being
//! answered with the first resident's case and receipt code.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .add_column(string_len_null(Cases::IntakeDigest, 64))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .drop_column(Cases::IntakeDigest)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    IntakeDigest,
}
