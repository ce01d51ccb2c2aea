import { Module } from '@nestjs/common';
import { TenantsHandlers } from './tenants.handlers';
import { TenantsService } from './tenants.service';

@Module({ controllers: [TenantsHandlers], providers: [TenantsService], exports: [TenantsService] })
export class TenantsModule {}
