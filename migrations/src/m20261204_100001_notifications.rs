//! Notifications: one row per recipient written with the event that causes it, one delivery
//! per (notification, channel) that the dispatcher retries and parks, each person's in-app
//! inbox and preferences, and the resident's consent to be texted (with its opt-out token).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .if_not_exists()
                .col(big_pk_auto(Notifications::Id))
                .col(string_len(Notifications::Kind, 64))
                .col(big_integer_null(Notifications::UserId))
                .col(big_integer_null(Notifications::CaseId))
                .col(boolean(Notifications::Resident))
                .col(text(Notifications::Data))
                .col(boolean(Notifications::Urgent))
                // Makes a rule that may fire on several nodes (the digest, overdue) write once.
                .col(string_len_null(Notifications::DedupeKey, 160).unique_key())
                .col(boolean(Notifications::FannedOut))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notifications_fan_out")
                .table(Notifications::Table)
                .col(Notifications::FannedOut)
                .col(Notifications::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NotificationDeliveries::Table)
                .if_not_exists()
                .col(big_pk_auto(NotificationDeliveries::Id))
                .col(big_integer(NotificationDeliveries::NotificationId))
                // `u:{user id}` or `r:{case id}` (the resident): messages to one recipient on
                // one channel are gathered into a digest.
                .col(string_len(NotificationDeliveries::Recipient, 40))
                .col(string_len(NotificationDeliveries::Channel, 64))
                .col(string_len(NotificationDeliveries::State, 16))
                .col(integer(NotificationDeliveries::Attempts))
                .col(timestamp_with_time_zone(
                    NotificationDeliveries::NextAttemptAt,
                ))
                .col(text_null(NotificationDeliveries::LastError))
                .col(string_len(NotificationDeliveries::IdempotencyKey, 100).unique_key())
                .col(timestamp_with_time_zone(NotificationDeliveries::CreatedAt))
                .col(timestamp_with_time_zone(NotificationDeliveries::UpdatedAt))
                .col(timestamp_with_time_zone_null(
                    NotificationDeliveries::SentAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notification_deliveries_due")
                .table(NotificationDeliveries::Table)
                .col(NotificationDeliveries::State)
                .col(NotificationDeliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notification_deliveries_notification")
                .table(NotificationDeliveries::Table)
                .col(NotificationDeliveries::NotificationId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NotificationInbox::Table)
                .if_not_exists()
                .col(big_pk_auto(NotificationInbox::Id))
                .col(big_integer(NotificationInbox::UserId))
                .col(string_len(NotificationInbox::IdempotencyKey, 100).unique_key())
                .col(string_len(NotificationInbox::Kind, 64))
                .col(string_len(NotificationInbox::Subject, 200))
                .col(text(NotificationInbox::Body))
                .col(string_len_null(NotificationInbox::Link, 300))
                .col(boolean(NotificationInbox::Urgent))
                .col(timestamp_with_time_zone(NotificationInbox::CreatedAt))
                .col(timestamp_with_time_zone_null(NotificationInbox::ReadAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_inbox_user")
                .table(NotificationInbox::Table)
                .col(NotificationInbox::UserId)
                .col(NotificationInbox::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NotificationPreferences::Table)
                .if_not_exists()
                .col(big_integer(NotificationPreferences::UserId).primary_key())
                .col(string_len(NotificationPreferences::Lang, 8))
                .col(string_len_null(NotificationPreferences::Email, 254))
                .col(string_len_null(NotificationPreferences::Phone, 20))
                .col(text(NotificationPreferences::Channels))
                .col(boolean(NotificationPreferences::QuietHours))
                .col(string_len(NotificationPreferences::QuietFrom, 5))
                .col(string_len(NotificationPreferences::QuietTo, 5))
                .col(timestamp_with_time_zone(NotificationPreferences::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ResidentConsents::Table)
                .if_not_exists()
                .col(big_integer(ResidentConsents::CaseId).primary_key())
                .col(string_len(ResidentConsents::Token, 64).unique_key())
                .col(timestamp_with_time_zone_null(ResidentConsents::OptedOutAt))
                .col(timestamp_with_time_zone(ResidentConsents::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ResidentConsents::Table.into_iden(),
            NotificationPreferences::Table.into_iden(),
            NotificationInbox::Table.into_iden(),
            NotificationDeliveries::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    Kind,
    UserId,
    CaseId,
    Resident,
    Data,
    Urgent,
    DedupeKey,
    FannedOut,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
    NotificationId,
    Recipient,
    Channel,
    State,
    Attempts,
    NextAttemptAt,
    LastError,
    IdempotencyKey,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum NotificationInbox {
    Table,
    Id,
    UserId,
    IdempotencyKey,
    Kind,
    Subject,
    Body,
    Link,
    Urgent,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    UserId,
    Lang,
    Email,
    Phone,
    Channels,
    QuietHours,
    QuietFrom,
    QuietTo,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ResidentConsents {
    Table,
    CaseId,
    Token,
    OptedOutAt,
    CreatedAt,
}
