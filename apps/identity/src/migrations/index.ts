import { eventRetentionMigration, idempotencyRecordsMigration } from '@gatehouse/durable-events';
import { IdentityInitial1764000000000 } from './1764000000000-identity-initial';
import { IdentityAccounts1764100000000 } from './1764100000000-identity-accounts';
import { IdentityTenantWriteGuard1764500000000 } from './1764500000000-identity-tenant-write-guard';
import { IdentityForgottenPasswordReason1764600000000 } from './1764600000000-identity-forgotten-password-reason';
import { IdentityOAuthClients1764710000000 } from './1764710000000-identity-oauth-clients';
import { IdentityOidcPayloads1764720000000 } from './1764720000000-identity-oidc-payloads';
import { IdentityTokenExchangeGrant1764735000000 } from './1764735000000-identity-token-exchange-grant';
import { IdentitySessionDevices1764800000000 } from './1764800000000-identity-session-devices';
import { IdentityEmailVerification1764810000000 } from './1764810000000-identity-email-verification';
import { IdentityFactors1764820000000 } from './1764820000000-identity-factors';
import { IdentityPasskeys1764830000000 } from './1764830000000-identity-passkeys';
import { IdentityOAuthClientBackchannelLogout1764845000000 } from './1764845000000-identity-oauth-client-backchannel-logout';
import { IdentityMfaPolicies1764846000000 } from './1764846000000-identity-mfa-policies';
import { IdentityStepUp1764850000000 } from './1764850000000-identity-step-up';
import { IdentityMfaPolicyTenantGuard1764860000000 } from './1764860000000-identity-mfa-policy-tenant-guard';
import { IdentityProvisioning1764870000000 } from './1764870000000-identity-provisioning';
import { IdentityFederation1765400000000 } from './1765400000000-identity-federation';
import { IdentityListIndexes1765500000000 } from './1765500000000-identity-list-indexes';
import { IdentityFederationSignIns1766510000000 } from './1766510000000-identity-federation-sign-ins';
import { IdentityFederatedSessions1766520000000 } from './1766520000000-identity-federated-sessions';
import { IdentitySamlSignIns1766530000000 } from './1766530000000-identity-saml-sign-ins';
import { IdentityOidcBearerIds1767100000000 } from './1767100000000-identity-oidc-bearer-ids';

/** Indexes for the hourly prune of old outbox and processed-event rows (see EventRetention). */
const IdentityEventRetention1764300000000 = eventRetentionMigration('identity', 'IdentityEventRetention1764300000000');

/** The record of keyed requests (Idempotency-Key), written with the change it describes (see PostgresIdempotencyLedger). */
const IdentityIdempotencyRecords1766500000000 = idempotencyRecordsMigration('identity', 'IdentityIdempotencyRecords1766500000000');

export const IDENTITY_MIGRATIONS = [
  IdentityInitial1764000000000, IdentityAccounts1764100000000, IdentityEventRetention1764300000000, IdentityTenantWriteGuard1764500000000,
  IdentityForgottenPasswordReason1764600000000, IdentityOAuthClients1764710000000, IdentityOidcPayloads1764720000000,
  IdentityTokenExchangeGrant1764735000000, IdentitySessionDevices1764800000000, IdentityEmailVerification1764810000000,
  IdentityFactors1764820000000, IdentityPasskeys1764830000000, IdentityOAuthClientBackchannelLogout1764845000000,
  IdentityMfaPolicies1764846000000, IdentityStepUp1764850000000, IdentityMfaPolicyTenantGuard1764860000000,
  IdentityProvisioning1764870000000, IdentityFederation1765400000000, IdentityListIndexes1765500000000,
  IdentityIdempotencyRecords1766500000000, IdentityFederationSignIns1766510000000, IdentityFederatedSessions1766520000000, IdentitySamlSignIns1766530000000,
  IdentityOidcBearerIds1767100000000,
];
