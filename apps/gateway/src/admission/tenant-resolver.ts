import { DEFAULT_TENANT_SEGMENT, MultiTenancySettings, TenancyRpc, TENANT_ID_PATTERN } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { LastGoodValue, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger } from '@nestjs/common';
import { GATEWAY } from '../gateway-service';
import { andThen, MaybePromise } from '../request/maybe-async';

const SETTINGS_TTL_MS = 10_000;
const REFRESH_AHEAD_MS = 2_000;

/**
 * Maps a path's tenant segment to the tenant id a request addresses (null = the default tenant) under
 * the instance's multi-tenancy settings (owned by tenancy, cached briefly): with multi-tenancy off only
 * the default tenant exists; with the default tenant disabled, its paths are unreachable (404), its data
 * untouched.
 */
@Injectable()
export class TenantResolver {
  private readonly logger = new Logger('TenantResolver');
  // Refreshed ahead of expiry, so requests never queue behind the settings call; a failed refresh (a
  // broker outage) serves the last good settings, so requests do not fail together when NATS is back.
  private readonly settings = new LastGoodValue(() => this.rpc.internal(GATEWAY, TenancyRpc.settings, {}, undefined, RETRY_SAFE), {
    ttlMs: SETTINGS_TTL_MS,
    attempts: 2,
    refreshAheadMs: REFRESH_AHEAD_MS,
    onStale: (error) => this.logger.warn({ err: error }, 'Could not refresh the multi-tenancy settings; serving the last ones'),
  });

  constructor(private readonly rpc: RpcClient) {}

  resolve(segment: string | undefined): MaybePromise<string | null | undefined> {
    if (segment === undefined) return undefined;
    return andThen(this.current(), (settings) => this.tenantOf(segment, settings));
  }

  private tenantOf(segment: string, settings: MultiTenancySettings): string | null {
    if (segment === DEFAULT_TENANT_SEGMENT) {
      if (settings.enabled && !settings.defaultTenant) throw ProblemException.notFound('The default tenant is disabled on this instance');
      return null;
    }
    // No tenant can have such an id; routes any signed-in subject may call (own settings) must not store under it.
    if (!TENANT_ID_PATTERN.test(segment)) throw ProblemException.notFound(`Tenant "${segment.slice(0, 63)}" does not exist`);
    if (!settings.enabled) {
      throw ProblemException.notFound(`Tenant "${segment}" does not exist: multi-tenancy is disabled, use /api/v1/${DEFAULT_TENANT_SEGMENT}/...`);
    }
    return segment;
  }

  private current(): MaybePromise<MultiTenancySettings> {
    return this.settings.get();
  }
}
