//! What a resident's brand form answered, kept under the one-time token the form carried: the
//! answer is shown after a redirect (so a reload does not send the form again) and a form sent
//! twice (going back and sending again, a double tap) runs once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BrandResults::Table)
                .if_not_exists()
                .col(string_len(BrandResults::Token, 64).primary_key())
                .col(string_len(BrandResults::PluginId, 64))
                .col(big_integer(BrandResults::StationId))
                .col(boolean(BrandResults::Done))
                .col(text_null(BrandResults::Message))
                .col(text_null(BrandResults::View))
                .col(big_integer_null(BrandResults::CaseId))
                .col(timestamp_with_time_zone(BrandResults::CreatedAt))
                .to_owned(),
        )
        .await?;
        // Old answers are forgotten by age.
        m.create_index(
            Index::create()
                .name("idx_brand_results_created")
                .table(BrandResults::Table)
                .col(BrandResults::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BrandResults::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum BrandResults {
    Table,
    Token,
    PluginId,
    StationId,
    Done,
    Message,
    View,
    CaseId,
    CreatedAt,
}
