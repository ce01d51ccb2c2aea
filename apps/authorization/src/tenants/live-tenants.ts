import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidationBus, TenantChange } from '../decisions/invalidation-bus';

/** '' stands for the default (null) tenant in the table and in memory. */
export const tenantKey = (tenantId: string | null | undefined): string => tenantId ?? '';

/**
 * The set of live tenants, in memory on every instance: a check in a deleted or never-created tenant
 * is denied with one Set look-up. Fed by provisioning and tenancy's created/deleted events; changes are
 * broadcast so every instance applies them at once, and read again after a lost NATS connection comes back.
 */
@Injectable()
export class LiveTenants implements OnModuleInit {
  private live = new Set<string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly invalidation: InvalidationBus) {}

  async onModuleInit(): Promise<void> {
    this.invalidation.onTenantsChanged((changes) => this.applyChanges(changes));
    this.invalidation.onResync(() => this.reload());
    await this.reload();
  }

  async reload(): Promise<void> {
    const rows: Array<{ tenant_key: string }> = await this.dataSource.query(
      `SELECT tenant_key FROM "authorization".live_tenants WHERE live`,
    );
    this.live = new Set(rows.map((r) => r.tenant_key));
  }

  isLive(tenantId: string | null | undefined): boolean {
    return this.live.has(tenantKey(tenantId));
  }

  /** Records the change in the caller's transaction; publish the returned change after the commit. */
  async mark(manager: EntityManager, tenantId: string | null, live: boolean): Promise<TenantChange> {
    await manager.query(
      `INSERT INTO "authorization".live_tenants (tenant_key, live, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (tenant_key) DO UPDATE SET live = EXCLUDED.live, updated_at = now()`,
      [tenantKey(tenantId), live],
    );
    return { tenantId, live };
  }

  applyChanges(changes: TenantChange[]): void {
    for (const change of changes) {
      if (change.live) this.live.add(tenantKey(change.tenantId));
      else this.live.delete(tenantKey(change.tenantId));
    }
  }
}
