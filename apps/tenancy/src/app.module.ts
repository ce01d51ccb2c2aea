import { ownedSchema } from '@gatehouse/durable-events';
import { ServiceModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { AuditLogEntity } from './audit/audit-log.entity';
import { AuditModule } from './audit/audit.module';
import { TENANCY_MIGRATIONS } from './migrations';
import { SettingsModule } from './settings/settings.module';
import { SetupModule } from './setup/setup.module';
import { TenancyEnv } from './tenancy.env';
import { TenantEntity } from './tenants/tenant.entity';
import { TenantsModule } from './tenants/tenants.module';
import { SERVICE } from './service-name';

/** Tenancy's tables and its bounded contexts: what the service runs, and what its unit specs wire too. */
export const TENANCY_SCHEMA = { entities: [TenantEntity, AuditLogEntity], migrations: TENANCY_MIGRATIONS };
export const TENANCY_CONTEXTS = [SettingsModule, AuditModule, TenantsModule, SetupModule];

@Module({})
export class TenancyAppModule {
  static register(env: TenancyEnv): DynamicModule {
    return {
      module: TenancyAppModule,
      imports: [
        ServiceModule.forService({
          name: SERVICE,
          envClass: TenancyEnv,
          env,
          database: ownedSchema(TENANCY_SCHEMA),
        }),
        ...TENANCY_CONTEXTS,
      ],
    };
  }
}
