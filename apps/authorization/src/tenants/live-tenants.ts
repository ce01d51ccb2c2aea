import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthorizationEnv } from '../authorization.env';
import { InvalidationBus, TenantChange } from '../invalidation/invalidation-bus';

/** '' stands for the default (null) tenant in the table and in memory. */
export const tenantKey = (tenantId: string | null | undefined): string => tenantId ?? '';

/**
 * The set of live tenants, in memory on every instance: a check in a deleted or never-created tenant
 * is denied with one Set look-up. Fed by provisioning and tenancy's created/deleted events; changes are
 * broadcast so every instance applies them at once; read again after a lost NATS connection comes back,
 * and every LIVE_TENANTS_RELOAD_SECONDS in case a broadcast died with the instance that committed it.
 */
@Injectable()
export class LiveTenants implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LiveTenants');
  private live = new Set<string>();
  /** Changes applied while a reload's query runs: its snapshot may predate them. */
  private readonly reloadsInFlight = new Set<TenantChange[]>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invalidation: InvalidationBus,
    private readonly env: AuthorizationEnv,
  ) {}

  async onModuleInit(): Promise<void> {
    this.invalidation.onTenantsChanged((changes) => this.applyChanges(changes));
    this.invalidation.onResync(() => this.reload());
    await this.reload();
    if (this.env.LIVE_TENANTS_RELOAD_SECONDS > 0) {
      this.timer = setInterval(() => {
        this.reload().catch((error: unknown) => this.logger.warn({ err: error }, 'Could not reload the live tenants'));
      }, this.env.LIVE_TENANTS_RELOAD_SECONDS * 1000);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    const appliedMeanwhile: TenantChange[] = [];
    this.reloadsInFlight.add(appliedMeanwhile);
    try {
      const rows: Array<{ tenant_key: string }> = await this.dataSource.query(
        `SELECT tenant_key FROM "authorization".live_tenants WHERE live`,
      );
      const live = new Set(rows.map((r) => r.tenant_key));
      applyTo(live, appliedMeanwhile);
      this.live = live;
    } finally {
      this.reloadsInFlight.delete(appliedMeanwhile);
    }
  }

  isLive(tenantId: string | null | undefined): boolean {
    return this.live.has(tenantKey(tenantId));
  }

  /**
   * Records the change in the caller's transaction; publish the returned change after the commit.
   * A retired tenant never comes back (tenant ids are never reused), so a replayed creation cannot
   * revive it. Retiring waits for the writes in flight in that tenant (they hold its row FOR SHARE, see
   * the tenant write guard migration); retiring it again takes no lock.
   */
  async mark(manager: EntityManager, tenantId: string | null, live: boolean): Promise<TenantChange> {
    const key = tenantKey(tenantId);
    if (!live && (await this.retire(manager, key))) return { tenantId, live };
    await manager.query(
      `INSERT INTO "authorization".live_tenants (tenant_key, live, updated_at) VALUES ($1, $2, now()) ON CONFLICT (tenant_key) DO NOTHING`,
      [key, live],
    );
    const [row]: Array<{ live: boolean }> = await manager.query(`SELECT live FROM "authorization".live_tenants WHERE tenant_key = $1`, [key]);
    return { tenantId, live: row.live };
  }

  /** Whether a live row was retired (false: already retired, or never seen). */
  private async retire(manager: EntityManager, key: string): Promise<boolean> {
    const [, retired] = (await manager.query(
      `UPDATE "authorization".live_tenants SET live = false, updated_at = now() WHERE tenant_key = $1 AND live`,
      [key],
    )) as [unknown, number];
    return retired > 0;
  }

  /**
   * Retires the tenant in a transaction of its own and tells every instance at once: from the commit on,
   * no write there is accepted by any instance. Tenancy's deletion saga calls it before answering, the
   * tenant.deleted consumer before purging.
   */
  async retireNow(tenantId: string): Promise<void> {
    const change = await this.dataSource.transaction((manager) => this.mark(manager, tenantId, false));
    await this.invalidation.publishAll([change]);
  }

  applyChanges(changes: TenantChange[]): void {
    applyTo(this.live, changes);
    for (const meanwhile of this.reloadsInFlight) meanwhile.push(...changes);
  }
}

function applyTo(live: Set<string>, changes: TenantChange[]): void {
  for (const change of changes) {
    if (change.live) live.add(tenantKey(change.tenantId));
    else live.delete(tenantKey(change.tenantId));
  }
}
