//! Photos residents send with an opinion: the files live under the configured photo folder,
//! named by a random id; a row here says which case a file belongs to and what it is.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CasePhotos::Table)
                .col(big_pk_auto(CasePhotos::Id))
                .col(big_integer(CasePhotos::CaseId))
                .col(string_len(CasePhotos::FileName, 64).unique_key())
                .col(string_len(CasePhotos::ContentType, 32))
                .col(big_integer(CasePhotos::Bytes))
                .col(integer(CasePhotos::Width))
                .col(integer(CasePhotos::Height))
                .col(timestamp_with_time_zone(CasePhotos::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CasePhotos::Table, CasePhotos::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_photos_case")
                .table(CasePhotos::Table)
                .col(CasePhotos::CaseId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CasePhotos::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CasePhotos {
    Table,
    Id,
    CaseId,
    FileName,
    ContentType,
    Bytes,
    Width,
    Height,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}
