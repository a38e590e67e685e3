//! Photos move into the database: one row per photo holding the stored photo and its JPEG
//! thumbnail, beside its `case_photos` row. Files under the old photo folder are copied in by
//! the server when it starts (see `cases::photos` in the domain), so this migration only makes
//! the table: it cannot know where that folder was.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CasePhotoData::Table)
                .col(string_len(CasePhotoData::FileName, 64).primary_key())
                .col(blob(CasePhotoData::Photo))
                .col(blob(CasePhotoData::Thumb))
                .foreign_key(
                    ForeignKey::create()
                        .from(CasePhotoData::Table, CasePhotoData::FileName)
                        .to(CasePhotos::Table, CasePhotos::FileName)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CasePhotoData::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CasePhotoData {
    Table,
    FileName,
    Photo,
    Thumb,
}

#[derive(DeriveIden)]
enum CasePhotos {
    Table,
    FileName,
}
