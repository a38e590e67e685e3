//! Station brands as plugins: installed packages and their versions, per-station grants (with
//! their audit trail), each plugin's own storage per station, tags plugins put on cases, and
//! the durable outbox that carries case events to plugins after the core transaction commits.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Plugins::Table)
                .col(string_len(Plugins::Id, 64).primary_key())
                .col(string(Plugins::NameZh))
                .col(string(Plugins::NameEn))
                .col(big_integer_null(Plugins::CurrentVersionId))
                .col(timestamp_with_time_zone(Plugins::CreatedAt))
                .to_owned(),
        )
        .await?;

        // The component itself is kept in the database so that every node can load it.
        m.create_table(
            Table::create()
                .table(PluginVersions::Table)
                .col(big_pk_auto(PluginVersions::Id))
                .col(string_len(PluginVersions::PluginId, 64))
                .col(string_len(PluginVersions::Version, 32))
                .col(string_len(PluginVersions::WitVersion, 32))
                .col(string_len_uniq(PluginVersions::Digest, 64))
                .col(text(PluginVersions::Manifest))
                .col(blob(PluginVersions::Component))
                .col(big_integer_null(PluginVersions::InstalledBy))
                .col(timestamp_with_time_zone(PluginVersions::InstalledAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PluginVersions::Table, PluginVersions::PluginId)
                        .to(Plugins::Table, Plugins::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_plugin_versions_version")
                .table(PluginVersions::Table)
                .col(PluginVersions::PluginId)
                .col(PluginVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StationPlugins::Table)
                .col(big_pk_auto(StationPlugins::Id))
                .col(big_integer(StationPlugins::StationId))
                .col(string_len(StationPlugins::PluginId, 64))
                .col(big_integer(StationPlugins::VersionId))
                // What ops granted, as a JSON list; effective = requested ∩ granted.
                .col(text(StationPlugins::Granted))
                // The digest the grant was given for: a new version asking for more needs a new grant.
                .col(string_len(StationPlugins::GrantedDigest, 64))
                .col(text(StationPlugins::Settings))
                .col(boolean(StationPlugins::Enabled))
                .col(string_null(StationPlugins::DisabledReason))
                .col(integer(StationPlugins::ConsecutiveFailures).default(0))
                .col(timestamp_with_time_zone_null(StationPlugins::SuspendedAt))
                .col(big_integer_null(StationPlugins::GrantedBy))
                .col(timestamp_with_time_zone(StationPlugins::GrantedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(StationPlugins::Table, StationPlugins::StationId)
                        .to(Stations::Table, Stations::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(StationPlugins::Table, StationPlugins::PluginId)
                        .to(Plugins::Table, Plugins::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_station_plugins_unique")
                .table(StationPlugins::Table)
                .col(StationPlugins::StationId)
                .col(StationPlugins::PluginId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PluginGrantLog::Table)
                .col(big_pk_auto(PluginGrantLog::Id))
                .col(big_integer(PluginGrantLog::StationId))
                .col(string_len(PluginGrantLog::PluginId, 64))
                .col(string_len(PluginGrantLog::Action, 16))
                .col(string_len(PluginGrantLog::Digest, 64))
                .col(text(PluginGrantLog::Granted))
                .col(big_integer_null(PluginGrantLog::UserId))
                .col(timestamp_with_time_zone(PluginGrantLog::At))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PluginStorage::Table)
                .col(string_len(PluginStorage::PluginId, 64))
                .col(big_integer(PluginStorage::StationId))
                .col(string_len(PluginStorage::Key, 200))
                .col(blob(PluginStorage::Value))
                .primary_key(
                    Index::create()
                        .col(PluginStorage::PluginId)
                        .col(PluginStorage::StationId)
                        .col(PluginStorage::Key),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseTags::Table)
                .col(big_integer(CaseTags::CaseId))
                .col(string_len(CaseTags::Tag, 64))
                .col(string_len(CaseTags::PluginId, 64))
                .col(timestamp_with_time_zone(CaseTags::CreatedAt))
                .primary_key(Index::create().col(CaseTags::CaseId).col(CaseTags::Tag))
                .to_owned(),
        )
        .await?;

        // Written in the same transaction as the case event; dispatched after commit.
        m.create_table(
            Table::create()
                .table(CaseOutbox::Table)
                .col(big_pk_auto(CaseOutbox::Id))
                .col(big_integer(CaseOutbox::EventId))
                .col(big_integer(CaseOutbox::CaseId))
                .col(big_integer(CaseOutbox::StationId))
                .col(string_len(CaseOutbox::Action, 24))
                .col(boolean(CaseOutbox::Dispatched).default(false))
                .col(timestamp_with_time_zone(CaseOutbox::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_outbox_pending")
                .table(CaseOutbox::Table)
                .col(CaseOutbox::Dispatched)
                .col(CaseOutbox::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PluginDeliveries::Table)
                .col(big_pk_auto(PluginDeliveries::Id))
                .col(big_integer(PluginDeliveries::OutboxId))
                .col(string_len(PluginDeliveries::PluginId, 64))
                .col(big_integer(PluginDeliveries::StationId))
                .col(string_len(PluginDeliveries::Status, 16))
                .col(integer(PluginDeliveries::Attempts).default(0))
                .col(timestamp_with_time_zone(PluginDeliveries::NextAttemptAt))
                .col(text_null(PluginDeliveries::LastError))
                .col(timestamp_with_time_zone(PluginDeliveries::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_plugin_deliveries_unique")
                .table(PluginDeliveries::Table)
                .col(PluginDeliveries::OutboxId)
                .col(PluginDeliveries::PluginId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_plugin_deliveries_due")
                .table(PluginDeliveries::Table)
                .col(PluginDeliveries::Status)
                .col(PluginDeliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PluginDeliveries::Table.into_iden(),
            CaseOutbox::Table.into_iden(),
            CaseTags::Table.into_iden(),
            PluginStorage::Table.into_iden(),
            PluginGrantLog::Table.into_iden(),
            StationPlugins::Table.into_iden(),
            PluginVersions::Table.into_iden(),
            Plugins::Table.into_iden(),
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
}
#[derive(DeriveIden)]
enum Plugins {
    Table,
    Id,
    NameZh,
    NameEn,
    CurrentVersionId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum PluginVersions {
    Table,
    Id,
    PluginId,
    Version,
    WitVersion,
    Digest,
    Manifest,
    Component,
    InstalledBy,
    InstalledAt,
}
#[derive(DeriveIden)]
enum StationPlugins {
    Table,
    Id,
    StationId,
    PluginId,
    VersionId,
    Granted,
    GrantedDigest,
    Settings,
    Enabled,
    DisabledReason,
    ConsecutiveFailures,
    SuspendedAt,
    GrantedBy,
    GrantedAt,
}
#[derive(DeriveIden)]
enum PluginGrantLog {
    Table,
    Id,
    StationId,
    PluginId,
    Action,
    Digest,
    Granted,
    UserId,
    At,
}
#[derive(DeriveIden)]
enum PluginStorage {
    Table,
    PluginId,
    StationId,
    Key,
    Value,
}
#[derive(DeriveIden)]
enum CaseTags {
    Table,
    CaseId,
    Tag,
    PluginId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum CaseOutbox {
    Table,
    Id,
    EventId,
    CaseId,
    StationId,
    Action,
    Dispatched,
    CreatedAt,
}
#[derive(DeriveIden)]
enum PluginDeliveries {
    Table,
    Id,
    OutboxId,
    PluginId,
    StationId,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    UpdatedAt,
}
