import { TenancyInitial1764000000000 } from './1764000000000-tenancy-initial';
import { TenancyAuditAndDeletion1764100000000 } from './1764100000000-tenancy-audit-and-deletion';

export const TENANCY_MIGRATIONS = [TenancyInitial1764000000000, TenancyAuditAndDeletion1764100000000];
