//! The legislative contact point (立法联系点): drafts of laws and regulations put to residents
//! article by article, the comments collected (online and at offline forums, 座谈会) and what
//! was decided about each, for the feedback report to the body that asked.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Drafts::Table)
                .col(big_pk_auto(Drafts::Id))
                .col(string_len(Drafts::Title, 200))
                .col(string_len(Drafts::Level, 16))
                .col(string_len(Drafts::AskedBy, 100))
                .col(date(Drafts::ClosesOn))
                .col(big_integer(Drafts::CreatedBy))
                .col(timestamp_with_time_zone(Drafts::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DraftArticles::Table)
                .col(big_pk_auto(DraftArticles::Id))
                .col(big_integer(DraftArticles::DraftId))
                .col(integer(DraftArticles::Number))
                .col(text(DraftArticles::Body))
                .foreign_key(&mut fk(
                    (DraftArticles::Table, DraftArticles::DraftId),
                    (Drafts::Table, Drafts::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_draft_articles")
                .table(DraftArticles::Table)
                .col(DraftArticles::DraftId)
                .col(DraftArticles::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DraftForums::Table)
                .col(big_pk_auto(DraftForums::Id))
                .col(big_integer(DraftForums::DraftId))
                .col(big_integer(DraftForums::StationId))
                .col(date(DraftForums::Day))
                .col(string_len(DraftForums::Place, 100))
                .col(string_len(DraftForums::People, 200))
                .col(big_integer(DraftForums::RecordedBy))
                .col(timestamp_with_time_zone(DraftForums::CreatedAt))
                .foreign_key(&mut fk(
                    (DraftForums::Table, DraftForums::DraftId),
                    (Drafts::Table, Drafts::Id),
                ))
                .foreign_key(&mut fk(
                    (DraftForums::Table, DraftForums::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DraftComments::Table)
                .col(big_pk_auto(DraftComments::Id))
                .col(big_integer(DraftComments::DraftId))
                .col(big_integer_null(DraftComments::ArticleId))
                .col(big_integer(DraftComments::StationId))
                .col(string_len(DraftComments::Channel, 16))
                .col(string_len(DraftComments::Commenter, 16))
                .col(big_integer_null(DraftComments::ForumId))
                .col(text(DraftComments::Body))
                .col(string_len_null(DraftComments::ContactName, 50))
                .col(string_len_null(DraftComments::ContactPhone, 20))
                .col(string_len_null(DraftComments::Decision, 16))
                .col(timestamp_with_time_zone_null(DraftComments::DecidedAt))
                .col(timestamp_with_time_zone(DraftComments::CreatedAt))
                .foreign_key(&mut fk(
                    (DraftComments::Table, DraftComments::DraftId),
                    (Drafts::Table, Drafts::Id),
                ))
                .foreign_key(&mut fk(
                    (DraftComments::Table, DraftComments::ArticleId),
                    (DraftArticles::Table, DraftArticles::Id),
                ))
                .foreign_key(&mut fk(
                    (DraftComments::Table, DraftComments::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (DraftComments::Table, DraftComments::ForumId),
                    (DraftForums::Table, DraftForums::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_draft_comments_draft")
                .table(DraftComments::Table)
                .col(DraftComments::DraftId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            DraftComments::Table.into_iden(),
            DraftForums::Table.into_iden(),
            DraftArticles::Table.into_iden(),
            Drafts::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    Id,
    Title,
    Level,
    AskedBy,
    ClosesOn,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DraftArticles {
    Table,
    Id,
    DraftId,
    Number,
    Body,
}

#[derive(DeriveIden)]
enum DraftForums {
    Table,
    Id,
    DraftId,
    StationId,
    Day,
    Place,
    People,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DraftComments {
    Table,
    Id,
    DraftId,
    ArticleId,
    StationId,
    Channel,
    Commenter,
    ForumId,
    Body,
    ContactName,
    ContactPhone,
    Decision,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Stations {
    Table,
    Id,
}
