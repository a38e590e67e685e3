//! Stations carry where they are (WGS 84 latitude and longitude, degrees), so the district big
//! screen can place each on its map. Optional: a station without them is listed, not placed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for col in [Stations::Lat, Stations::Lng] {
            m.alter_table(
                Table::alter()
                    .table(Stations::Table)
                    .add_column(double_null(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [Stations::Lat, Stations::Lng] {
            m.alter_table(
                Table::alter()
                    .table(Stations::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Stations {
    Table,
    Lat,
    Lng,
}
