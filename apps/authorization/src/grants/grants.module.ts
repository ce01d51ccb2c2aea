import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AccessGains } from './access-gains';
import { GrantGuard } from './grant-guard';
import { GrantsHandlers } from './grants.handlers';
import { RefusalAudit } from './refusal-audit';
import { ScopeRuleReport } from './scope-rule-report';

/**
 * The one grant guard (docs/access-model.md) and what a change gives, below every context that grants access;
 * its refusals recorded in the audit trail around every handler of the service (RefusalAudit, see service.ts).
 */
@Module({
  imports: [DecisionsModule, SubjectsModule, TenantsModule],
  controllers: [GrantsHandlers],
  providers: [GrantGuard, AccessGains, ScopeRuleReport, RefusalAudit],
  exports: [GrantGuard, AccessGains],
})
export class GrantsModule {}
