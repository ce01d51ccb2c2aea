import { NAMESPACED_PERMISSIONS } from '@gatehouse/contracts';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface ScopeRuleViolation {
  bindingId: string;
  tenantId: string | null;
  roleName: string;
  namespaces: string[];
  tenantLevelPermissions: string[];
}

/**
 * Bindings made before the scope rule that break it (limited to namespaces, with a role carrying
 * tenant-level permissions) are reported when the service starts, never changed behind the operator's
 * back; the decision engine already grants their tenant-level permissions nowhere.
 */
@Injectable()
export class ScopeRuleReport implements OnApplicationBootstrap {
  private readonly logger = new Logger('ScopeRule');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    const violations = await this.violations();
    if (violations.length === 0) return;
    this.logger.warn(
      { violations: violations.slice(0, 100), count: violations.length },
      `${violations.length} namespace-limited binding(s) carry tenant-level permissions, which they do not grant (scope rule, docs/access-model.md): replace each with a tenant-wide binding or a role of namespace-level permissions`,
    );
  }

  async violations(): Promise<ScopeRuleViolation[]> {
    const rows: Array<{ id: string; tenant_id: string | null; name: string; namespaces: string[]; tenant_level: string[] }> = await this.dataSource.query(
      `SELECT b.id, b.tenant_id, r.name, b.namespaces,
              ARRAY(SELECT p FROM jsonb_object_keys(r.permissions) p
                     WHERE p <> ALL($1::text[]) AND jsonb_array_length(r.permissions -> p) > 0 ORDER BY p) AS tenant_level
         FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id
        WHERE b.scope = 'TENANT' AND b.namespaces IS NOT NULL`,
      [NAMESPACED_PERMISSIONS],
    );
    return rows
      .filter((r) => r.tenant_level.length > 0)
      .map((r) => ({ bindingId: r.id, tenantId: r.tenant_id, roleName: r.name, namespaces: r.namespaces, tenantLevelPermissions: r.tenant_level }));
  }
}
