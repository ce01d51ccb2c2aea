import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { TenantLifecycle } from './tenant-lifecycle';
import { TenantsHandlers } from './tenants.handlers';

@Module({ imports: [DecisionsModule], controllers: [TenantsHandlers], providers: [TenantLifecycle] })
export class TenantsModule {}
