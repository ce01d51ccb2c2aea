import {
  AuthorizationRpc, IdentityRpc, SetupRequest, SetupResult, SetupStatus, TenantView,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { MultiTenancySettingsService } from '../settings/multi-tenancy-settings.service';
import { TenantsService } from '../tenants/tenants.service';
import { SERVICE } from '../service-name';

/**
 * First run: the first user becomes Super Admin and Admin of the first tenant (the default tenant, or
 * the named one when multi-tenancy runs without a default tenant). Closed (409) once a user exists.
 */
@Injectable()
export class SetupService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly tenants: TenantsService,
    private readonly settings: MultiTenancySettingsService,
  ) {}

  async status(): Promise<SetupStatus> {
    const identity = await this.rpc.internal(SERVICE, IdentityRpc.setupStatus, {}, undefined, RETRY_SAFE);
    return {
      setupComplete: identity.hasUsers,
      multiTenancy: this.settings.current,
      passwordPolicy: identity.passwordPolicy,
    };
  }

  async run(request: SetupRequest): Promise<SetupResult> {
    const { enabled, defaultTenant } = this.settings.current;
    const needsTenant = enabled && !defaultTenant;
    if (needsTenant && !request.tenant) {
      throw ProblemException.validation([
        { field: 'tenant', message: 'tenant is required: multi-tenancy is on without a default tenant' },
      ]);
    }
    if (request.tenant && !enabled) {
      throw ProblemException.validation([{ field: 'tenant', message: 'multi-tenancy is disabled; omit tenant' }]);
    }
    const { tenant: tenantId, ...userFields } = request;
    delete userFields.superAdmin;
    const user = await this.rpc.internal(SERVICE, IdentityRpc.createFirstUser, userFields);
    const subject = { type: 'USER' as const, id: user.id };
    let tenant: TenantView | null = null;
    if (defaultTenant) {
      await this.rpc.internal(SERVICE, AuthorizationRpc.provisionDefaultTenant, { admin: subject }, undefined, RETRY_SAFE);
    }
    if (tenantId) {
      tenant = await this.tenants.create({ ...subject, via: 'internal' }, { id: tenantId, name: tenantId });
    }
    return { user: { id: user.id, username: user.username, superAdmin: user.superAdmin }, tenant };
  }
}
