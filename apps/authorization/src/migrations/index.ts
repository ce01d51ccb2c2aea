import { eventRetentionMigration, idempotencyRecordsMigration } from '@gatehouse/durable-events';
import { AuthorizationInitial1764000000000 } from './1764000000000-authorization-initial';
import { AuthorizationAccess1764100000000 } from './1764100000000-authorization-access';
import { AuthorizationTenantWriteGuard1764500000000 } from './1764500000000-authorization-tenant-write-guard';
import { AuthorizationScimGroups1764860000000 } from './1764860000000-authorization-scim-groups';
import { AuthorizationListIndexes1764880000000 } from './1764880000000-authorization-list-indexes';
import { AuthorizationSubjectNames1766600000000 } from './1766600000000-authorization-subject-names';
import { AuthorizationTenantSubjectsIndexOnly1766700000000 } from './1766700000000-authorization-tenant-subjects-index-only';
import { AuthorizationSubjectNamesPending1767200000000 } from './1767200000000-authorization-subject-names-pending';

/** Indexes for the hourly prune of old outbox and processed-event rows (see EventRetention). */
const AuthorizationEventRetention1764300000000 = eventRetentionMigration('authorization', 'AuthorizationEventRetention1764300000000');

/** The record of keyed requests (Idempotency-Key), written with the change it describes (see PostgresIdempotencyLedger). */
const AuthorizationIdempotencyRecords1766500000000 = idempotencyRecordsMigration('authorization', 'AuthorizationIdempotencyRecords1766500000000');

export const AUTHORIZATION_MIGRATIONS = [
  AuthorizationInitial1764000000000, AuthorizationAccess1764100000000, AuthorizationEventRetention1764300000000,
  AuthorizationTenantWriteGuard1764500000000, AuthorizationScimGroups1764860000000, AuthorizationListIndexes1764880000000,
  AuthorizationIdempotencyRecords1766500000000, AuthorizationSubjectNames1766600000000, AuthorizationTenantSubjectsIndexOnly1766700000000,
  AuthorizationSubjectNamesPending1767200000000,
];
