import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { ProvisioningHandlers } from './provisioning.handlers';
import { ProvisioningService } from './provisioning.service';

@Module({ imports: [DecisionsModule], controllers: [ProvisioningHandlers], providers: [ProvisioningService] })
export class ProvisioningModule {}
