import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module';
import { TenantsModule } from '../tenants/tenants.module';
import { SetupHandlers } from './setup.handlers';
import { SetupService } from './setup.service';
import { SyncAccessService } from './sync-access.service';

@Module({ imports: [TenantsModule, SettingsModule], controllers: [SetupHandlers], providers: [SetupService, SyncAccessService] })
export class SetupModule {}
