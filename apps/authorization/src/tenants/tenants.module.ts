import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { TenantLifecycle } from './tenant-lifecycle';

@Module({ imports: [DecisionsModule], providers: [TenantLifecycle] })
export class TenantsModule {}
