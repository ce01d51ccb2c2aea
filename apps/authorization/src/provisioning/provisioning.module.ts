import { Module } from '@nestjs/common';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { TenantsModule } from '../tenants/tenants.module';
import { ProvisioningHandlers } from './provisioning.handlers';
import { ProvisioningService } from './provisioning.service';

@Module({ imports: [InvalidationModule, TenantsModule], controllers: [ProvisioningHandlers], providers: [ProvisioningService] })
export class ProvisioningModule {}
