import { ServiceAccountView, SubjectFacts } from '@gatehouse/contracts';
import { tenantIdOf } from '../common/tenant-key';
import { ServiceAccountEntity } from './service-account.entity';

export function toServiceAccountView(account: ServiceAccountEntity): ServiceAccountView {
  return {
    id: account.id,
    tenantId: tenantIdOf(account.tenantKey),
    name: account.name,
    description: account.description,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

export function toServiceAccountFacts(account: ServiceAccountEntity, deleted = false): SubjectFacts {
  return {
    id: account.id,
    type: 'SERVICE_ACCOUNT',
    superAdmin: false,
    disabled: deleted,
    version: deleted ? account.version + 1 : account.version,
  };
}
