//! A station's banner photo, set by ops in the console: at most one per station, re-encoded as a
//! JPEG and kept in the database like case photos (every node serves it, a backup holds it).
//! Apart from `stations` so that listing stations never reads the picture.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StationPhotos::Table)
                .col(big_integer(StationPhotos::StationId).primary_key())
                .col(string_len(StationPhotos::Version, 32))
                .col(string_len(StationPhotos::ContentType, 32))
                .col(integer(StationPhotos::Width))
                .col(integer(StationPhotos::Height))
                .col(blob(StationPhotos::Photo))
                .col(timestamp_with_time_zone(StationPhotos::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(StationPhotos::Table, StationPhotos::StationId)
                        .to(Stations::Table, Stations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StationPhotos::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StationPhotos {
    Table,
    StationId,
    Version,
    ContentType,
    Width,
    Height,
    Photo,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Stations {
    Table,
    Id,
}
