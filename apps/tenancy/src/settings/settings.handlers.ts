import { MultiTenancySettings, TenancyRpc } from '@gatehouse/contracts';
import { RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { MultiTenancySettingsService } from './multi-tenancy-settings.service';

@Controller()
export class SettingsHandlers {
  constructor(private readonly settings: MultiTenancySettingsService) {}

  @RpcHandler(TenancyRpc.settings)
  get(): MultiTenancySettings {
    return this.settings.current;
  }
}
