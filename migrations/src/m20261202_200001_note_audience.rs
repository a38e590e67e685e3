//! Every note kept with a case's step has an audience: the resident on the tracking page
//! (群众可见) or only the people working the case. Before this, a public step showed its note
//! to the public whatever it said, so staff remarks at registration or assignment reached the
//! tracking page. Existing notes become public only where the step's note was always meant for
//! the resident: a rejection's reason, the answer, the deputy's feedback, the resident's own
//! comment with a rating.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(CaseEvents::Table)
                .add_column(
                    ColumnDef::new(CaseEvents::NotePublic)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(CaseEvents::Table)
                .value(CaseEvents::NotePublic, true)
                .and_where(Expr::col(CaseEvents::Public).eq(true))
                .and_where(
                    Expr::col(CaseEvents::Action)
                        .is_in(["reject", "reply", "resolve", "feedback", "rate"]),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(CaseEvents::Table)
                .drop_column(CaseEvents::NotePublic)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Action,
    Public,
    NotePublic,
}
