import { Module } from '@nestjs/common';
import { MultiTenancySettingsService } from './multi-tenancy-settings.service';
import { SettingsHandlers } from './settings.handlers';

@Module({ controllers: [SettingsHandlers], providers: [MultiTenancySettingsService], exports: [MultiTenancySettingsService] })
export class SettingsModule {}
