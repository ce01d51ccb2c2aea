import { MultiTenancySettings } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { TenancyEnv } from '../tenancy.env';

/**
 * The effective multi-tenancy settings. With multi-tenancy off, only the default tenant exists (and is
 * always enabled); with it on, the default tenant exists while DEFAULT_TENANT_ENABLED is true.
 */
@Injectable()
export class MultiTenancySettingsService {
  constructor(private readonly env: TenancyEnv) {}

  get current(): MultiTenancySettings {
    return {
      enabled: this.env.MULTI_TENANCY_ENABLED,
      defaultTenant: !this.env.MULTI_TENANCY_ENABLED || this.env.DEFAULT_TENANT_ENABLED,
    };
  }
}
