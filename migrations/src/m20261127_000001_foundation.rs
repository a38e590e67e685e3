//! The platform's ground: who (stations, deputies, organisations, users), what (cases and their
//! append-only events, contacts kept apart), and when (the working-day calendar, duty shifts).

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
                .table(Stations::Table)
                .col(big_pk_auto(Stations::Id))
                .col(string_len_uniq(Stations::Code, 32))
                .col(string(Stations::Name))
                .col(string(Stations::NameEn))
                .col(string_len(Stations::Kind, 16))
                .col(string_null(Stations::Address))
                .col(timestamp_with_time_zone(Stations::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Deputies::Table)
                .col(big_pk_auto(Deputies::Id))
                .col(string_len_uniq(Deputies::Code, 32))
                .col(string(Deputies::Name))
                .col(string_len(Deputies::Level, 16))
                .col(big_integer(Deputies::StationId))
                .col(text_null(Deputies::Profile))
                .col(boolean(Deputies::Active).default(true))
                .col(timestamp_with_time_zone(Deputies::CreatedAt))
                .foreign_key(&mut fk(
                    (Deputies::Table, Deputies::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .to_owned(),
        )
        .await?;

        // A deputy may serve at more than one station; `deputies.station_id` is their home one.
        m.create_table(
            Table::create()
                .table(DeputyStations::Table)
                .col(big_integer(DeputyStations::DeputyId))
                .col(big_integer(DeputyStations::StationId))
                .primary_key(
                    Index::create()
                        .col(DeputyStations::DeputyId)
                        .col(DeputyStations::StationId),
                )
                .foreign_key(&mut fk(
                    (DeputyStations::Table, DeputyStations::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .foreign_key(&mut fk(
                    (DeputyStations::Table, DeputyStations::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(big_pk_auto(Organisations::Id))
                .col(string_len_uniq(Organisations::Code, 32))
                .col(string(Organisations::Name))
                .col(string_len(Organisations::Kind, 16))
                .col(timestamp_with_time_zone(Organisations::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Categories::Table)
                .col(big_pk_auto(Categories::Id))
                .col(string_len_uniq(Categories::Code, 32))
                .col(string(Categories::Name))
                .col(string(Categories::NameEn))
                .col(integer(Categories::Sort).default(0))
                .col(boolean(Categories::Active).default(true))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(string_len_uniq(Users::Username, 64))
                .col(string(Users::PasswordHash))
                .col(string(Users::DisplayName))
                .col(string_len(Users::Role, 16))
                .col(big_integer_null(Users::StationId))
                .col(big_integer_null(Users::OrganisationId))
                .col(big_integer_null(Users::DeputyId))
                .col(boolean(Users::Active).default(true))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .foreign_key(&mut fk(
                    (Users::Table, Users::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (Users::Table, Users::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .foreign_key(&mut fk(
                    (Users::Table, Users::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .to_owned(),
        )
        .await?;

        // Only the token's digest is stored, so a leaked database does not leak live sessions.
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(big_pk_auto(Sessions::Id))
                .col(string_len_uniq(Sessions::TokenHash, 64))
                .col(big_integer(Sessions::UserId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .foreign_key(&mut fk(
                    (Sessions::Table, Sessions::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Cases::Table)
                .col(big_pk_auto(Cases::Id))
                .col(string_len_uniq(Cases::ReceiptCode, 16))
                .col(big_integer(Cases::StationId))
                .col(big_integer_null(Cases::DeputyId))
                .col(big_integer(Cases::CategoryId))
                .col(string_len(Cases::Channel, 16))
                .col(string(Cases::Title))
                .col(text(Cases::Description))
                .col(string_len(Cases::Urgency, 16))
                .col(boolean(Cases::Complex).default(false))
                .col(double_null(Cases::Lat))
                .col(double_null(Cases::Lng))
                .col(string_null(Cases::Address))
                .col(boolean(Cases::Anonymous).default(false))
                .col(string_len(Cases::Status, 16))
                .col(integer(Cases::SupervisionLevel).default(0))
                .col(big_integer_null(Cases::LeadOrgId))
                .col(date_null(Cases::SignDeadline))
                .col(date_null(Cases::ReplyDeadline))
                .col(date_null(Cases::FeedbackDeadline))
                .col(date_null(Cases::RatingDeadline))
                .col(date_null(Cases::DueOn))
                .col(integer(Cases::ExtensionCount).default(0))
                .col(integer_null(Cases::PendingExtensionDays))
                .col(integer(Cases::ReworkCount).default(0))
                .col(string_len_null(Cases::Rating, 24))
                .col(boolean(Cases::Unrated).default(false))
                .col(big_integer_null(Cases::DuplicateOf))
                .col(string_len_null(Cases::IntakeKey, 64))
                .col(timestamp_with_time_zone(Cases::CreatedAt))
                .col(timestamp_with_time_zone(Cases::UpdatedAt))
                .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                .foreign_key(&mut fk(
                    (Cases::Table, Cases::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (Cases::Table, Cases::CategoryId),
                    (Categories::Table, Categories::Id),
                ))
                .foreign_key(&mut fk(
                    (Cases::Table, Cases::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .foreign_key(&mut fk(
                    (Cases::Table, Cases::LeadOrgId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "idx_cases_station_status",
                vec![Cases::StationId, Cases::Status],
            ),
            ("idx_cases_status_due", vec![Cases::Status, Cases::DueOn]),
            ("idx_cases_lead_org", vec![Cases::LeadOrgId]),
            ("idx_cases_created", vec![Cases::CreatedAt]),
        ] {
            let mut idx = Index::create().name(name).table(Cases::Table).to_owned();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }
        // A resent intake form carries the same key; the unique index makes the second one a no-op.
        m.create_index(
            Index::create()
                .name("idx_cases_intake_key")
                .table(Cases::Table)
                .col(Cases::IntakeKey)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseHandlers::Table)
                .col(big_integer(CaseHandlers::CaseId))
                .col(big_integer(CaseHandlers::OrganisationId))
                .col(string_len(CaseHandlers::Role, 8))
                .primary_key(
                    Index::create()
                        .col(CaseHandlers::CaseId)
                        .col(CaseHandlers::OrganisationId),
                )
                .foreign_key(&mut fk(
                    (CaseHandlers::Table, CaseHandlers::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .foreign_key(&mut fk(
                    (CaseHandlers::Table, CaseHandlers::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_handlers_org")
                .table(CaseHandlers::Table)
                .col(CaseHandlers::OrganisationId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseEvents::Table)
                .col(big_pk_auto(CaseEvents::Id))
                .col(big_integer(CaseEvents::CaseId))
                .col(string_len(CaseEvents::Action, 24))
                .col(string_len(CaseEvents::FromStatus, 16))
                .col(string_len(CaseEvents::ToStatus, 16))
                .col(string_len(CaseEvents::ActorRole, 16))
                .col(big_integer_null(CaseEvents::ActorUserId))
                .col(string(CaseEvents::ActorName))
                .col(text_null(CaseEvents::Note))
                .col(boolean(CaseEvents::Public))
                .col(text_null(CaseEvents::Data))
                .col(timestamp_with_time_zone(CaseEvents::CreatedAt))
                .foreign_key(&mut fk(
                    (CaseEvents::Table, CaseEvents::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_events_case")
                .table(CaseEvents::Table)
                .col(CaseEvents::CaseId)
                .to_owned(),
        )
        .await?;

        // Contacts live apart from cases so that no query over cases can carry them by accident.
        m.create_table(
            Table::create()
                .table(ReporterContacts::Table)
                .col(big_integer(ReporterContacts::CaseId).primary_key())
                .col(string_null(ReporterContacts::Name))
                .col(string_len_null(ReporterContacts::Phone, 32))
                .col(timestamp_with_time_zone(ReporterContacts::CreatedAt))
                .foreign_key(&mut fk(
                    (ReporterContacts::Table, ReporterContacts::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .to_owned(),
        )
        .await?;

        // Only the exceptions are rows: a holiday on a weekday, a make-up working day on a weekend.
        m.create_table(
            Table::create()
                .table(CalendarDays::Table)
                .col(date(CalendarDays::Day).primary_key())
                .col(string_len(CalendarDays::Kind, 16))
                .col(string(CalendarDays::Name))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DutyShifts::Table)
                .col(big_pk_auto(DutyShifts::Id))
                .col(big_integer(DutyShifts::StationId))
                .col(big_integer(DutyShifts::DeputyId))
                .col(date(DutyShifts::Day))
                .col(string_len(DutyShifts::Half, 4))
                .col(string_null(DutyShifts::Note))
                .col(timestamp_with_time_zone(DutyShifts::CreatedAt))
                .foreign_key(&mut fk(
                    (DutyShifts::Table, DutyShifts::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (DutyShifts::Table, DutyShifts::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_duty_shifts_unique")
                .table(DutyShifts::Table)
                .col(DutyShifts::StationId)
                .col(DutyShifts::Day)
                .col(DutyShifts::Half)
                .col(DutyShifts::DeputyId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Receptions::Table)
                .col(big_pk_auto(Receptions::Id))
                .col(big_integer(Receptions::StationId))
                .col(big_integer_null(Receptions::DeputyId))
                .col(big_integer(Receptions::RecordedBy))
                .col(string_null(Receptions::VisitorName))
                .col(string_len_null(Receptions::VisitorPhone, 32))
                .col(text(Receptions::Summary))
                .col(big_integer_null(Receptions::CategoryId))
                .col(timestamp_with_time_zone(Receptions::ReceivedAt))
                .col(big_integer_null(Receptions::CaseId))
                .foreign_key(&mut fk(
                    (Receptions::Table, Receptions::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (Receptions::Table, Receptions::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .foreign_key(&mut fk(
                    (Receptions::Table, Receptions::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Receptions::Table.into_iden(),
            DutyShifts::Table.into_iden(),
            CalendarDays::Table.into_iden(),
            ReporterContacts::Table.into_iden(),
            CaseEvents::Table.into_iden(),
            CaseHandlers::Table.into_iden(),
            Cases::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Categories::Table.into_iden(),
            Organisations::Table.into_iden(),
            DeputyStations::Table.into_iden(),
            Deputies::Table.into_iden(),
            Stations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Stations {
    Table,
    Id,
    Code,
    Name,
    NameEn,
    Kind,
    Address,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Deputies {
    Table,
    Id,
    Code,
    Name,
    Level,
    StationId,
    Profile,
    Active,
    CreatedAt,
}
#[derive(DeriveIden)]
enum DeputyStations {
    Table,
    DeputyId,
    StationId,
}
#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Code,
    Name,
    Kind,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Code,
    Name,
    NameEn,
    Sort,
    Active,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    DisplayName,
    Role,
    StationId,
    OrganisationId,
    DeputyId,
    Active,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    Id,
    ReceiptCode,
    StationId,
    DeputyId,
    CategoryId,
    Channel,
    Title,
    Description,
    Urgency,
    Complex,
    Lat,
    Lng,
    Address,
    Anonymous,
    Status,
    SupervisionLevel,
    LeadOrgId,
    SignDeadline,
    ReplyDeadline,
    FeedbackDeadline,
    RatingDeadline,
    DueOn,
    ExtensionCount,
    PendingExtensionDays,
    ReworkCount,
    Rating,
    Unrated,
    DuplicateOf,
    IntakeKey,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}
#[derive(DeriveIden)]
enum CaseHandlers {
    Table,
    CaseId,
    OrganisationId,
    Role,
}
#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    CaseId,
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
enum ReporterContacts {
    Table,
    CaseId,
    Name,
    Phone,
    CreatedAt,
}
#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    Day,
    Kind,
    Name,
}
#[derive(DeriveIden)]
enum DutyShifts {
    Table,
    Id,
    StationId,
    DeputyId,
    Day,
    Half,
    Note,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Receptions {
    Table,
    Id,
    StationId,
    DeputyId,
    RecordedBy,
    VisitorName,
    VisitorPhone,
    Summary,
    CategoryId,
    ReceivedAt,
    CaseId,
}
