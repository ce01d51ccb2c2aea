import {
  AuthorizationRpc, IdentityRpc, SetupRequest, SetupResult, SetupStatus, TenantView,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { TenancyEnv } from '../tenancy.env';
import { TenantsService } from '../tenants/tenants.service';

const SERVICE = 'tenancy';

/**
 * First run: the first user becomes Super Admin and Admin of the first tenant (the default tenant, or
 * the named one when multi-tenancy runs without a default tenant). Closed (409) once a user exists.
 */
@Injectable()
export class SetupService {
  constructor(private readonly rpc: RpcClient, private readonly tenants: TenantsService, private readonly env: TenancyEnv) {}

  async status(): Promise<SetupStatus> {
    const identity = await this.rpc.internal(SERVICE, IdentityRpc.setupStatus, {});
    return {
      setupComplete: identity.userCount > 0,
      multiTenancy: { enabled: this.env.MULTI_TENANCY_ENABLED, defaultTenant: this.defaultTenantEnabled },
      passwordPolicy: identity.passwordPolicy,
    };
  }

  async run(request: SetupRequest): Promise<SetupResult> {
    const needsTenant = this.env.MULTI_TENANCY_ENABLED && !this.env.DEFAULT_TENANT_ENABLED;
    if (needsTenant && !request.tenant) {
      throw ProblemException.validation([
        { field: 'tenant', message: 'tenant is required: multi-tenancy is on without a default tenant' },
      ]);
    }
    if (request.tenant && !this.env.MULTI_TENANCY_ENABLED) {
      throw ProblemException.validation([{ field: 'tenant', message: 'multi-tenancy is disabled; omit tenant' }]);
    }
    const { tenant: tenantId, ...userFields } = request;
    delete userFields.superAdmin;
    const user = await this.rpc.internal(SERVICE, IdentityRpc.createFirstUser, userFields);
    const subject = { type: 'USER' as const, id: user.id };
    let tenant: TenantView | null = null;
    if (this.defaultTenantEnabled) {
      await this.rpc.internal(SERVICE, AuthorizationRpc.provisionDefaultTenant, { admin: subject });
    }
    if (tenantId) {
      tenant = await this.tenants.create({ id: tenantId, name: tenantId }, { ...subject, via: 'internal' });
    }
    return { user: { id: user.id, username: user.username, superAdmin: user.superAdmin }, tenant };
  }

  private get defaultTenantEnabled(): boolean {
    return !this.env.MULTI_TENANCY_ENABLED || this.env.DEFAULT_TENANT_ENABLED;
  }
}
