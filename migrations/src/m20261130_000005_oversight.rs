//! Oversight: station visits (进站活动), department appraisal (部门工作评议), deputy duty points
//! (代表履职积分) and livelihood projects (民生实事).

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
        // Station visits: who came, when, about what; the deputies who sat in are rows apart.
        m.create_table(
            Table::create()
                .table(Visits::Table)
                .col(big_pk_auto(Visits::Id))
                .col(big_integer(Visits::StationId))
                .col(date(Visits::Day))
                .col(string_len(Visits::Kind, 16))
                .col(big_integer_null(Visits::OrganisationId))
                .col(string_len_null(Visits::LeaderName, 50))
                .col(text(Visits::Topics))
                .col(integer(Visits::OpinionsCount).default(0))
                .col(text_null(Visits::Opinions))
                .col(big_integer(Visits::RecordedBy))
                .col(timestamp_with_time_zone(Visits::CreatedAt))
                .col(timestamp_with_time_zone(Visits::UpdatedAt))
                .foreign_key(&mut fk(
                    (Visits::Table, Visits::StationId),
                    (Stations::Table, Stations::Id),
                ))
                .foreign_key(&mut fk(
                    (Visits::Table, Visits::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_visits_station_day",
            Visits::Table,
            vec![Visits::StationId.into_iden(), Visits::Day.into_iden()],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(VisitDeputies::Table)
                .col(big_integer(VisitDeputies::VisitId))
                .col(big_integer(VisitDeputies::DeputyId))
                .primary_key(
                    Index::create()
                        .col(VisitDeputies::VisitId)
                        .col(VisitDeputies::DeputyId),
                )
                .foreign_key(&mut fk(
                    (VisitDeputies::Table, VisitDeputies::VisitId),
                    (Visits::Table, Visits::Id),
                ))
                .foreign_key(&mut fk(
                    (VisitDeputies::Table, VisitDeputies::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .to_owned(),
        )
        .await?;

        // Appraisal: one row of settings per year, the appraisers' scores, the poll's votes and
        // the residents' opinions.
        m.create_table(
            Table::create()
                .table(AppraisalYears::Table)
                .col(integer(AppraisalYears::Year).primary_key())
                .col(integer(AppraisalYears::WCommittee))
                .col(integer(AppraisalYears::WGovReport))
                .col(integer(AppraisalYears::WDecisions))
                .col(integer(AppraisalYears::WLivelihood))
                .col(integer(AppraisalYears::WProposals))
                .col(integer(AppraisalYears::WGrassroots))
                .col(integer(AppraisalYears::WLawful))
                .col(integer(AppraisalYears::MinSample))
                .col(integer(AppraisalYears::VisitTarget))
                .col(boolean(AppraisalYears::Published).default(false))
                .col(timestamp_with_time_zone_null(AppraisalYears::PublishedAt))
                .col(timestamp_with_time_zone(AppraisalYears::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AppraisalScores::Table)
                .col(big_pk_auto(AppraisalScores::Id))
                .col(integer(AppraisalScores::Year))
                .col(big_integer(AppraisalScores::OrganisationId))
                .col(string_len(AppraisalScores::Item, 24))
                .col(big_integer(AppraisalScores::UserId))
                .col(integer(AppraisalScores::Score))
                .col(timestamp_with_time_zone(AppraisalScores::CreatedAt))
                .foreign_key(&mut fk(
                    (AppraisalScores::Table, AppraisalScores::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_appraisal_scores",
            AppraisalScores::Table,
            vec![
                AppraisalScores::Year.into_iden(),
                AppraisalScores::OrganisationId.into_iden(),
                AppraisalScores::Item.into_iden(),
                AppraisalScores::UserId.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(AppraisalVotes::Table)
                .col(big_pk_auto(AppraisalVotes::Id))
                .col(integer(AppraisalVotes::Year))
                .col(big_integer(AppraisalVotes::OrganisationId))
                .col(string_len(AppraisalVotes::Item, 24))
                .col(big_integer(AppraisalVotes::UserId))
                .col(string_len(AppraisalVotes::Vote, 24))
                .col(timestamp_with_time_zone(AppraisalVotes::CreatedAt))
                .foreign_key(&mut fk(
                    (AppraisalVotes::Table, AppraisalVotes::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_appraisal_votes",
            AppraisalVotes::Table,
            vec![
                AppraisalVotes::Year.into_iden(),
                AppraisalVotes::OrganisationId.into_iden(),
                AppraisalVotes::Item.into_iden(),
                AppraisalVotes::UserId.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(AppraisalOpinions::Table)
                .col(big_pk_auto(AppraisalOpinions::Id))
                .col(integer(AppraisalOpinions::Year))
                .col(big_integer(AppraisalOpinions::OrganisationId))
                .col(text(AppraisalOpinions::Body))
                .col(string_len_null(AppraisalOpinions::ContactName, 50))
                .col(string_len_null(AppraisalOpinions::ContactPhone, 20))
                .col(timestamp_with_time_zone(AppraisalOpinions::CreatedAt))
                .foreign_key(&mut fk(
                    (AppraisalOpinions::Table, AppraisalOpinions::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;

        // Duty points: the rules per year, and the ledger derived from the recorded events.
        m.create_table(
            Table::create()
                .table(PointRules::Table)
                .col(integer(PointRules::Year))
                .col(string_len(PointRules::Rule, 16))
                .col(integer(PointRules::Points))
                .col(integer_null(PointRules::Cap))
                .primary_key(Index::create().col(PointRules::Year).col(PointRules::Rule))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PointEntries::Table)
                .col(big_pk_auto(PointEntries::Id))
                .col(big_integer(PointEntries::DeputyId))
                .col(integer(PointEntries::Year))
                .col(string_len(PointEntries::Rule, 16))
                .col(string_len(PointEntries::SourceKind, 16))
                .col(big_integer(PointEntries::SourceId))
                .col(integer(PointEntries::Points))
                .col(timestamp_with_time_zone(PointEntries::At))
                .foreign_key(&mut fk(
                    (PointEntries::Table, PointEntries::DeputyId),
                    (Deputies::Table, Deputies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_point_entries_source",
            PointEntries::Table,
            vec![
                PointEntries::SourceKind.into_iden(),
                PointEntries::SourceId.into_iden(),
                PointEntries::DeputyId.into_iden(),
                PointEntries::Rule.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "idx_point_entries_year_deputy",
            PointEntries::Table,
            vec![
                PointEntries::Year.into_iden(),
                PointEntries::DeputyId.into_iden(),
            ],
            false,
        ))
        .await?;

        // Livelihood projects: candidates, vote rounds, ballots, milestones.
        m.create_table(
            Table::create()
                .table(ProjectRounds::Table)
                .col(big_pk_auto(ProjectRounds::Id))
                .col(integer(ProjectRounds::Year))
                .col(string_len(ProjectRounds::Title, 100))
                .col(integer(ProjectRounds::Places))
                .col(string_len(ProjectRounds::Status, 16))
                .col(integer(ProjectRounds::Voters).default(0))
                .col(timestamp_with_time_zone(ProjectRounds::OpenedAt))
                .col(timestamp_with_time_zone_null(ProjectRounds::ClosedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectCandidates::Table)
                .col(big_pk_auto(ProjectCandidates::Id))
                .col(integer(ProjectCandidates::Year))
                .col(string_len(ProjectCandidates::Title, 100))
                .col(text(ProjectCandidates::Description))
                .col(string_len(ProjectCandidates::ProposerKind, 16))
                .col(big_integer_null(ProjectCandidates::StationId))
                .col(big_integer_null(ProjectCandidates::DeputyId))
                .col(string_len_null(ProjectCandidates::ContactName, 50))
                .col(string_len_null(ProjectCandidates::ContactPhone, 20))
                .col(string_len(ProjectCandidates::Status, 16))
                .col(big_integer_null(ProjectCandidates::RoundId))
                .col(integer(ProjectCandidates::Votes).default(0))
                .col(integer(ProjectCandidates::Progress).default(0))
                .col(timestamp_with_time_zone(ProjectCandidates::CreatedAt))
                .foreign_key(&mut fk(
                    (ProjectCandidates::Table, ProjectCandidates::RoundId),
                    (ProjectRounds::Table, ProjectRounds::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectBallots::Table)
                .col(big_integer(ProjectBallots::RoundId))
                .col(big_integer(ProjectBallots::DeputyId))
                .col(big_integer(ProjectBallots::CandidateId))
                .col(timestamp_with_time_zone(ProjectBallots::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(ProjectBallots::RoundId)
                        .col(ProjectBallots::DeputyId)
                        .col(ProjectBallots::CandidateId),
                )
                .foreign_key(&mut fk(
                    (ProjectBallots::Table, ProjectBallots::RoundId),
                    (ProjectRounds::Table, ProjectRounds::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectMilestones::Table)
                .col(big_pk_auto(ProjectMilestones::Id))
                .col(big_integer(ProjectMilestones::ProjectId))
                .col(string_len(ProjectMilestones::Title, 100))
                .col(date_null(ProjectMilestones::Due))
                .col(boolean(ProjectMilestones::Done).default(false))
                .col(timestamp_with_time_zone_null(ProjectMilestones::DoneAt))
                .foreign_key(&mut fk(
                    (ProjectMilestones::Table, ProjectMilestones::ProjectId),
                    (ProjectCandidates::Table, ProjectCandidates::Id),
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ProjectMilestones::Table.into_iden(),
            ProjectBallots::Table.into_iden(),
            ProjectCandidates::Table.into_iden(),
            ProjectRounds::Table.into_iden(),
            PointEntries::Table.into_iden(),
            PointRules::Table.into_iden(),
            AppraisalOpinions::Table.into_iden(),
            AppraisalVotes::Table.into_iden(),
            AppraisalScores::Table.into_iden(),
            AppraisalYears::Table.into_iden(),
            VisitDeputies::Table.into_iden(),
            Visits::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    StationId,
    Day,
    Kind,
    OrganisationId,
    LeaderName,
    Topics,
    OpinionsCount,
    Opinions,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VisitDeputies {
    Table,
    VisitId,
    DeputyId,
}

#[derive(DeriveIden)]
enum AppraisalYears {
    Table,
    Year,
    WCommittee,
    WGovReport,
    WDecisions,
    WLivelihood,
    WProposals,
    WGrassroots,
    WLawful,
    MinSample,
    VisitTarget,
    Published,
    PublishedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppraisalScores {
    Table,
    Id,
    Year,
    OrganisationId,
    Item,
    UserId,
    Score,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppraisalVotes {
    Table,
    Id,
    Year,
    OrganisationId,
    Item,
    UserId,
    Vote,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppraisalOpinions {
    Table,
    Id,
    Year,
    OrganisationId,
    Body,
    ContactName,
    ContactPhone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PointRules {
    Table,
    Year,
    Rule,
    Points,
    Cap,
}

#[derive(DeriveIden)]
enum PointEntries {
    Table,
    Id,
    DeputyId,
    Year,
    Rule,
    SourceKind,
    SourceId,
    Points,
    At,
}

#[derive(DeriveIden)]
enum ProjectRounds {
    Table,
    Id,
    Year,
    Title,
    Places,
    Status,
    Voters,
    OpenedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum ProjectCandidates {
    Table,
    Id,
    Year,
    Title,
    Description,
    ProposerKind,
    StationId,
    DeputyId,
    ContactName,
    ContactPhone,
    Status,
    RoundId,
    Votes,
    Progress,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectBallots {
    Table,
    RoundId,
    DeputyId,
    CandidateId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectMilestones {
    Table,
    Id,
    ProjectId,
    Title,
    Due,
    Done,
    DoneAt,
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
enum Deputies {
    Table,
    Id,
}
