import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { SetupHandlers } from './setup.handlers';
import { SetupService } from './setup.service';

@Module({ imports: [TenantsModule], controllers: [SetupHandlers], providers: [SetupService] })
export class SetupModule {}
