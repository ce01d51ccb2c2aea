import { Module } from '@nestjs/common';
import { BindingsHandlers } from '../bindings/bindings.handlers';
import { BindingsService } from '../bindings/bindings.service';
import { CatalogueHandlers } from '../catalogue/catalogue.handlers';
import { TenantJoin } from '../common/tenant-join';
import { DecisionsModule } from '../decisions/decisions.module';
import { AccessGains } from '../grants/access-gains';
import { GrantGuard } from '../grants/grant-guard';
import { GrantsHandlers } from '../grants/grants.handlers';
import { ScopeRuleReport } from '../grants/scope-rule-report';
import { GroupsHandlers } from '../groups/groups.handlers';
import { GroupsService } from '../groups/groups.service';
import { InvitationsHandlers } from '../invitations/invitations.handlers';
import { InvitationsService } from '../invitations/invitations.service';
import { RolesHandlers } from '../roles/roles.handlers';
import { RolesService } from '../roles/roles.service';
import { TenantAccessHandlers } from '../tenant-access/tenant-access.handlers';
import { TenantAccessService } from '../tenant-access/tenant-access.service';

/** The admin API of access control: catalogue, roles, groups, bindings, tenant access and invitations. */
@Module({
  imports: [DecisionsModule],
  controllers: [CatalogueHandlers, RolesHandlers, GroupsHandlers, BindingsHandlers, TenantAccessHandlers, InvitationsHandlers, GrantsHandlers],
  providers: [
    GrantGuard, AccessGains, ScopeRuleReport, TenantJoin, RolesService, GroupsService, BindingsService, TenantAccessService, InvitationsService,
  ],
})
export class AccessModule {}
