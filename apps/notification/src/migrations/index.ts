import { eventRetentionMigration, idempotencyRecordsMigration } from '@gatehouse/durable-events';
import { NotificationInitial1764000000000 } from './1764000000000-notification-initial';
import { NotificationDeliveryQueue1764200000000 } from './1764200000000-notification-delivery-queue';
import { NotificationForgottenPasswordTemplate1764600000000 } from './1764600000000-notification-forgotten-password-template';
import { NotificationWebhooks1765200000000 } from './1765200000000-notification-webhooks';
import { NotificationDeliveryLogRetention1767000000000 } from './1767000000000-notification-delivery-log-retention';

/** Indexes for the hourly prune of old outbox and processed-event rows (see EventRetention). */
const NotificationEventRetention1764300000000 = eventRetentionMigration('notification', 'NotificationEventRetention1764300000000');

/** The record of keyed requests (Idempotency-Key), written with the change it describes (see PostgresIdempotencyLedger). */
const NotificationIdempotencyRecords1766500000000 = idempotencyRecordsMigration('notification', 'NotificationIdempotencyRecords1766500000000');

export const NOTIFICATION_MIGRATIONS = [
  NotificationInitial1764000000000, NotificationDeliveryQueue1764200000000, NotificationEventRetention1764300000000,
  NotificationForgottenPasswordTemplate1764600000000, NotificationWebhooks1765200000000,
  NotificationIdempotencyRecords1766500000000, NotificationDeliveryLogRetention1767000000000,
];
