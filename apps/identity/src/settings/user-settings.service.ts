import { AuthorizationRpc, Caller, PutUserSettingsRequest, UserSettingsView } from '@gatehouse/contracts';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { instanceToPlain } from 'class-transformer';
import { DataSource } from 'typeorm';
import { tenantIdOf, tenantKeyOf } from '../common/tenant-key';
import { SERVICE } from '../service-name';

interface SettingsRow {
  settings: Partial<UserSettingsView>;
  updated_at: Date;
}

function toView(tenantKey: string, row: SettingsRow | undefined): UserSettingsView {
  const s = row?.settings ?? {};
  return {
    tenantId: tenantIdOf(tenantKey),
    theme: s.theme ?? null,
    editor: s.editor ?? {},
    timezone: s.timezone ?? null,
    defaultNamespace: s.defaultNamespace ?? null,
    updatedAt: row ? new Date(row.updated_at).toISOString() : null,
  };
}

/**
 * A user's preferences in one tenant (theme, editor, timezone, default namespace); tenant key in the
 * primary key. Only in a tenant the user is in (a Super Admin: any live one), as authorization says.
 */
@Injectable()
export class UserSettingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly rpc: RpcClient,
  ) {}

  async get(caller: Caller, tenantId: string | null | undefined): Promise<UserSettingsView> {
    const tenantKey = tenantKeyOf(tenantId);
    await this.requireMember(caller, tenantKey);
    const [row] = await this.dataSource.query(`SELECT settings, updated_at FROM identity.user_settings WHERE user_id = $1 AND tenant_key = $2`, [
      caller.id,
      tenantKey,
    ]);
    return toView(tenantKey, row);
  }

  /** Replaces the whole document. */
  async put(caller: Caller, tenantId: string | null | undefined, request: PutUserSettingsRequest): Promise<UserSettingsView> {
    const tenantKey = tenantKeyOf(tenantId);
    await this.requireMember(caller, tenantKey);
    const settings = instanceToPlain(request);
    const view = await this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query(
        `SELECT settings, updated_at FROM identity.user_settings WHERE user_id = $1 AND tenant_key = $2 FOR UPDATE`,
        [caller.id, tenantKey],
      );
      const [row] = await manager.query(
        `INSERT INTO identity.user_settings (user_id, tenant_key, settings, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (user_id, tenant_key) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
         RETURNING settings, updated_at`,
        [caller.id, tenantKey, JSON.stringify(settings)],
      );
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: before ? 'UPDATE' : 'CREATE',
        resourceType: 'USER_SETTINGS',
        resourceId: caller.id,
        ...auditDiff(before?.settings ?? null, settings),
      });
      return toView(tenantKey, row);
    });
    void this.outbox.flush();
    return view;
  }

  /** 404 for a tenant that does not exist, 403 (`rule: not-a-member`) for one the user is not in. */
  private requireMember(caller: Caller, tenantKey: string): Promise<void> {
    const subject = { type: 'USER' as const, id: caller.id };
    return this.rpc.internal(SERVICE, AuthorizationRpc.requireTenantMember, { subject, tenantId: tenantIdOf(tenantKey) }, undefined, RETRY_SAFE);
  }
}
