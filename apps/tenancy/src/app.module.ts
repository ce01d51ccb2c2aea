import { GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { DurableEventsModule } from '@gatehouse/durable-events';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { AuditLogEntity } from './audit/audit-log.entity';
import { AuditModule } from './audit/audit.module';
import { TENANCY_MIGRATIONS } from './migrations';
import { SettingsModule } from './settings/multi-tenancy.settings';
import { SetupModule } from './setup/setup.module';
import { TenancyEnv } from './tenancy.env';
import { TenantEntity } from './tenants/tenant.entity';
import { TenantsModule } from './tenants/tenants.module';

export const SERVICE = 'tenancy';

@Module({})
export class TenancyAppModule {
  static register(env: TenancyEnv): DynamicModule {
    return {
      module: TenancyAppModule,
      imports: [
        GatehouseConfigModule.forRoot(TenancyEnv, env),
        LoggingModule.forRoot({ service: SERVICE, level: env.LOG_LEVEL }),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: SERVICE,
          poolSize: env.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          entities: [TenantEntity, AuditLogEntity],
          migrations: TENANCY_MIGRATIONS,
        }),
        MessagingModule.forRoot({ service: SERVICE, settings: env }),
        DurableEventsModule.forRoot({ service: SERVICE, schema: SERVICE, outboxRetentionHours: env.OUTBOX_RETENTION_HOURS }),
        HealthModule.forRoot({ database: true }),
        SettingsModule,
        AuditModule,
        TenantsModule,
        SetupModule,
      ],
    };
  }
}
