import { Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { RevocationModule } from '../revocation/revocation.module';
import { UsersModule } from '../users/users.module';
import { IntegrationsHandlers } from './integrations.handlers';
import { IntegrationsService } from './integrations.service';
import { ScimGroupsEndpoint } from './scim-groups.endpoint';
import { ScimHandlers } from './scim.handlers';
import { ScimUsersService } from './scim-users.service';

/**
 * Provisioning (docs/scim.md): a tenant's integrations and the SCIM 2.0 service provider each serves.
 * Users are identity's; groups and memberships are authorization's, reached over NATS.
 */
@Module({
  imports: [UsersModule, RevocationModule],
  controllers: [IntegrationsHandlers, ScimHandlers],
  providers: [IntegrationsService, ScimUsersService, ScimGroupsEndpoint, GrantGuardClient],
})
export class ProvisioningModule {}
