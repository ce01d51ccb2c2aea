import { eventRetentionMigration, idempotencyRecordsMigration } from '@gatehouse/durable-events';
import { TenancyInitial1764000000000 } from './1764000000000-tenancy-initial';
import { TenancyAuditAndDeletion1764100000000 } from './1764100000000-tenancy-audit-and-deletion';
import { TenancyAuditImpersonator1764735000000 } from './1764735000000-tenancy-audit-impersonator';
import { TenancyListIndexes1764880000000 } from './1764880000000-tenancy-list-indexes';
import { TenancyAuditUntenantedOrder1764890000000 } from './1764890000000-tenancy-audit-untenanted-order';
import { TenancyTenantSearch1766700000000 } from './1766700000000-tenancy-tenant-search';

/** Indexes for the hourly prune of old outbox and processed-event rows (see EventRetention). */
const TenancyEventRetention1764300000000 = eventRetentionMigration('tenancy', 'TenancyEventRetention1764300000000');

/** The record of keyed requests (Idempotency-Key), written with the change it describes (see PostgresIdempotencyLedger). */
const TenancyIdempotencyRecords1766500000000 = idempotencyRecordsMigration('tenancy', 'TenancyIdempotencyRecords1766500000000');

export const TENANCY_MIGRATIONS = [TenancyInitial1764000000000, TenancyAuditAndDeletion1764100000000, TenancyEventRetention1764300000000, TenancyAuditImpersonator1764735000000,
  TenancyListIndexes1764880000000,
  TenancyAuditUntenantedOrder1764890000000, TenancyIdempotencyRecords1766500000000, TenancyTenantSearch1766700000000,
];
