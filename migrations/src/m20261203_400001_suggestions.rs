//! Deputies' suggestions and motions (代表建议·议案): the congress sessions they are filed in,
//! the suggestions themselves with their handling organisations, co-signers, the residents'
//! cases they were raised from, the face-to-face consultations (面商) and their history.

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

fn index(
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(c);
    }
    if unique {
        i.unique();
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A session (届次 and 会次) of a people's congress: data ops enter, not code.
        m.create_table(
            Table::create()
                .table(CongressSessions::Table)
                .col(big_pk_auto(CongressSessions::Id))
                .col(string_len(CongressSessions::Level, 16))
                .col(integer(CongressSessions::Term))
                .col(integer(CongressSessions::Meeting))
                .col(string_len(CongressSessions::Name, 100))
                .col(date(CongressSessions::OpensOn))
                .col(timestamp_with_time_zone(CongressSessions::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_congress_sessions",
            CongressSessions::Table,
            vec![
                CongressSessions::Level.into_iden(),
                CongressSessions::Term.into_iden(),
                CongressSessions::Meeting.into_iden(),
            ],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Suggestions::Table)
                .col(big_pk_auto(Suggestions::Id))
                .col(big_integer(Suggestions::SessionId))
                .col(string_len(Suggestions::Kind, 16))
                .col(integer(Suggestions::Serial))
                .col(boolean(Suggestions::DuringSession))
                .col(string_len(Suggestions::Title, 100))
                .col(text(Suggestions::Body))
                .col(big_integer(Suggestions::DeputyId))
                .col(big_integer(Suggestions::StationId))
                .col(string_len_null(Suggestions::Delegation, 50))
                .col(string_len(Suggestions::Status, 24))
                .col(big_integer_null(Suggestions::LeadOrgId))
                .col(boolean(Suggestions::KeySupervision).default(false))
                .col(string_len_null(Suggestions::SupervisingLeader, 50))
                .col(date_null(Suggestions::AssignedOn))
                .col(date_null(Suggestions::ReplyDeadline))
                .col(date_null(Suggestions::CoOpinionDeadline))
                .col(date_null(Suggestions::RehandleDeadline))
                .col(date_null(Suggestions::DueOn))
                .col(string_len_null(Suggestions::ReplyClass, 4))
                .col(text_null(Suggestions::ReplyText))
                .col(text_null(Suggestions::ReplyReason))
                .col(date_null(Suggestions::PlannedOn))
                .col(date_null(Suggestions::FirstRepliedOn))
                .col(boolean_null(Suggestions::RepliedOnTime))
                .col(string_len_null(Suggestions::Evaluation, 24))
                .col(boolean(Suggestions::Rehandled).default(false))
                .col(boolean_null(Suggestions::Solved))
                .col(text_null(Suggestions::ReturnReason))
                .col(timestamp_with_time_zone(Suggestions::CreatedAt))
                .col(timestamp_with_time_zone(Suggestions::UpdatedAt))
                .col(timestamp_with_time_zone_null(Suggestions::ClosedAt))
                .foreign_key(&mut fk(
                    (Suggestions::Table, Suggestions::SessionId),
                    (CongressSessions::Table, CongressSessions::Id),
                ))
                .foreign_key(&mut fk(
                    (Suggestions::Table, Suggestions::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .foreign_key(&mut fk(
                    (Suggestions::Table, Suggestions::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (Suggestions::Table, Suggestions::LeadOrgId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_suggestions_serial",
            Suggestions::Table,
            vec![
                Suggestions::SessionId.into_iden(),
                Suggestions::Kind.into_iden(),
                Suggestions::Serial.into_iden(),
            ],
            true,
        ))
        .await?;
        for (name, col) in [
            ("idx_suggestions_station", Suggestions::StationId),
            ("idx_suggestions_lead", Suggestions::LeadOrgId),
            ("idx_suggestions_deputy", Suggestions::DeputyId),
            ("idx_suggestions_status", Suggestions::Status),
        ] {
            m.create_index(index(
                name,
                Suggestions::Table,
                vec![col.into_iden()],
                false,
            ))
            .await?;
        }

        // Co-signers (联名代表) beside the deputy who filed.
        m.create_table(
            Table::create()
                .table(SuggestionCosigners::Table)
                .col(big_integer(SuggestionCosigners::SuggestionId))
                .col(big_integer(SuggestionCosigners::DeputyId))
                .primary_key(
                    Index::create()
                        .col(SuggestionCosigners::SuggestionId)
                        .col(SuggestionCosigners::DeputyId),
                )
                .foreign_key(&mut fk(
                    (
                        SuggestionCosigners::Table,
                        SuggestionCosigners::SuggestionId,
                    ),
                    (Suggestions::Table, Suggestions::Id),
                ))
                .foreign_key(&mut fk(
                    (SuggestionCosigners::Table, SuggestionCosigners::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .to_owned(),
        )
        .await?;

        // The residents' cases a suggestion was raised from; read from the case's side too.
        m.create_table(
            Table::create()
                .table(SuggestionCases::Table)
                .col(big_integer(SuggestionCases::SuggestionId))
                .col(big_integer(SuggestionCases::CaseId))
                .primary_key(
                    Index::create()
                        .col(SuggestionCases::SuggestionId)
                        .col(SuggestionCases::CaseId),
                )
                .foreign_key(&mut fk(
                    (SuggestionCases::Table, SuggestionCases::SuggestionId),
                    (Suggestions::Table, Suggestions::Id),
                ))
                .foreign_key(&mut fk(
                    (SuggestionCases::Table, SuggestionCases::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_suggestion_cases_case",
            SuggestionCases::Table,
            vec![SuggestionCases::CaseId.into_iden()],
            false,
        ))
        .await?;

        // Lead (主办) and co-organisations (协办), with the co-organisations' opinions to the lead.
        m.create_table(
            Table::create()
                .table(SuggestionOrgs::Table)
                .col(big_integer(SuggestionOrgs::SuggestionId))
                .col(big_integer(SuggestionOrgs::OrganisationId))
                .col(string_len(SuggestionOrgs::Part, 8))
                .col(text_null(SuggestionOrgs::Opinion))
                .col(timestamp_with_time_zone_null(SuggestionOrgs::OpinionAt))
                .primary_key(
                    Index::create()
                        .col(SuggestionOrgs::SuggestionId)
                        .col(SuggestionOrgs::OrganisationId),
                )
                .foreign_key(&mut fk(
                    (SuggestionOrgs::Table, SuggestionOrgs::SuggestionId),
                    (Suggestions::Table, Suggestions::Id),
                ))
                .foreign_key(&mut fk(
                    (SuggestionOrgs::Table, SuggestionOrgs::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_suggestion_orgs_org",
            SuggestionOrgs::Table,
            vec![SuggestionOrgs::OrganisationId.into_iden()],
            false,
        ))
        .await?;

        // 面商: the lead's consultations with the deputy, before replying.
        m.create_table(
            Table::create()
                .table(SuggestionConsultations::Table)
                .col(big_pk_auto(SuggestionConsultations::Id))
                .col(big_integer(SuggestionConsultations::SuggestionId))
                .col(date(SuggestionConsultations::Day))
                .col(string_len(SuggestionConsultations::Way, 16))
                .col(string_len(SuggestionConsultations::People, 200))
                .col(text_null(SuggestionConsultations::Note))
                .col(big_integer(SuggestionConsultations::RecordedBy))
                .col(timestamp_with_time_zone(SuggestionConsultations::CreatedAt))
                .foreign_key(&mut fk(
                    (
                        SuggestionConsultations::Table,
                        SuggestionConsultations::SuggestionId,
                    ),
                    (Suggestions::Table, Suggestions::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_suggestion_consultations",
            SuggestionConsultations::Table,
            vec![SuggestionConsultations::SuggestionId.into_iden()],
            false,
        ))
        .await?;

        // The history: one row per step, written in the step's transaction.
        m.create_table(
            Table::create()
                .table(SuggestionEvents::Table)
                .col(big_pk_auto(SuggestionEvents::Id))
                .col(big_integer(SuggestionEvents::SuggestionId))
                .col(string_len(SuggestionEvents::Action, 24))
                .col(string_len(SuggestionEvents::FromStatus, 24))
                .col(string_len(SuggestionEvents::ToStatus, 24))
                .col(string_len(SuggestionEvents::ActorRole, 24))
                .col(big_integer_null(SuggestionEvents::ActorUserId))
                .col(string_len(SuggestionEvents::ActorName, 100))
                .col(text_null(SuggestionEvents::Note))
                .col(boolean(SuggestionEvents::Public).default(false))
                .col(text_null(SuggestionEvents::Data))
                .col(timestamp_with_time_zone(SuggestionEvents::CreatedAt))
                .foreign_key(&mut fk(
                    (SuggestionEvents::Table, SuggestionEvents::SuggestionId),
                    (Suggestions::Table, Suggestions::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_suggestion_events",
            SuggestionEvents::Table,
            vec![SuggestionEvents::SuggestionId.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SuggestionEvents::Table.into_iden(),
            SuggestionConsultations::Table.into_iden(),
            SuggestionOrgs::Table.into_iden(),
            SuggestionCases::Table.into_iden(),
            SuggestionCosigners::Table.into_iden(),
            Suggestions::Table.into_iden(),
            CongressSessions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CongressSessions {
    Table,
    Id,
    Level,
    Term,
    Meeting,
    Name,
    OpensOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Suggestions {
    Table,
    Id,
    SessionId,
    Kind,
    Serial,
    DuringSession,
    Title,
    Body,
    DeputyId,
    StationId,
    Delegation,
    Status,
    LeadOrgId,
    KeySupervision,
    SupervisingLeader,
    AssignedOn,
    ReplyDeadline,
    CoOpinionDeadline,
    RehandleDeadline,
    DueOn,
    ReplyClass,
    ReplyText,
    ReplyReason,
    PlannedOn,
    FirstRepliedOn,
    RepliedOnTime,
    Evaluation,
    Rehandled,
    Solved,
    ReturnReason,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SuggestionCosigners {
    Table,
    SuggestionId,
    DeputyId,
}

#[derive(DeriveIden)]
enum SuggestionCases {
    Table,
    SuggestionId,
    CaseId,
}

#[derive(DeriveIden)]
enum SuggestionOrgs {
    Table,
    SuggestionId,
    OrganisationId,
    Part,
    Opinion,
    OpinionAt,
}

#[derive(DeriveIden)]
enum SuggestionConsultations {
    Table,
    Id,
    SuggestionId,
    Day,
    Way,
    People,
    Note,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SuggestionEvents {
    Table,
    Id,
    SuggestionId,
    Action,
    FromStatus,
    ToStatus,
    ActorRole,
    ActorUserId,
    ActorName,
    Note,
    Public,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deputies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}
