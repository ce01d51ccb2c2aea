import {
  AuthorizationRpc, Caller, DEFAULT_TENANT_SEGMENT, MfaPolicy, MfaPolicyView, MfaSubjectFacts, SetMfaPolicyRequest,
} from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IdentityEnv } from '../identity.env';
import { SERVICE } from '../service-name';
import { UserEntity } from '../users/user.entity';

const keyOf = (tenantId: string | null) => tenantId ?? DEFAULT_TENANT_SEGMENT;

/** A tenant's policy on record (`tenant_key`: the tenant's id, or the default tenant's segment). */
export interface MfaPolicyRow {
  tenant_key: string;
  policy: MfaPolicy;
}

/** Every policy on record as one JSON array (MfaPolicyRow[]), a scalar subquery for a statement that reads it with other things. */
export const MFA_POLICIES_SQL = `(SELECT coalesce(json_agg(json_build_object('tenant_key', tenant_key, 'policy', policy)), '[]'::json) FROM identity.mfa_policies)`;

/**
 * MFA policies (docs/mfa.md): the instance's default (MFA_POLICY) and a tenant's override. A user must have
 * a second factor when any policy that reaches them says so: the instance's, and that of every tenant they
 * are in (`required`, or `required-for-admins` for an Admin there, an Instance Admin or a Super Admin). Such a
 * user without a factor gets an enrolment-only session at sign-in (SessionsService).
 */
@Injectable()
export class MfaPolicyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: IdentityEnv,
    private readonly rpc: RpcClient,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
  ) {}

  async view(tenantId: string | null): Promise<MfaPolicyView> {
    const [row]: Array<{ policy: MfaPolicy }> = await this.dataSource.query(`SELECT policy FROM identity.mfa_policies WHERE tenant_key = $1`, [keyOf(tenantId)]);
    return {
      policy: row?.policy ?? this.env.MFA_POLICY,
      source: row ? 'tenant' : 'instance',
      tenantPolicy: row?.policy ?? null,
      instanceDefault: this.env.MFA_POLICY,
    };
  }

  /**
   * Sets (null: clears) the tenant's policy. Its Admin or a holder of TENANT (an Instance Admin) or a Super
   * Admin: a tenant's other USER:UPDATE holders may not loosen who needs a second factor.
   */
  async set(caller: Caller | null, tenantId: string | null | undefined, request: SetMfaPolicyRequest): Promise<MfaPolicyView> {
    if (tenantId === undefined) throw ProblemException.validation([{ field: 'tenant', message: 'A policy is set for one tenant' }]);
    if (request.policy === undefined) throw ProblemException.validation([{ field: 'policy', message: 'policy must be optional, required, required-for-admins or null' }]);
    await this.assertMaySet(caller, tenantId);
    await this.dataSource.transaction(async (manager) => {
      if (request.policy === null) {
        await manager.query(`DELETE FROM identity.mfa_policies WHERE tenant_key = $1`, [keyOf(tenantId)]);
      } else {
        await manager.query(
          `INSERT INTO identity.mfa_policies (tenant_key, policy, updated_by) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_key) DO UPDATE SET policy = $2, updated_by = $3, updated_at = now()`,
          [keyOf(tenantId), request.policy, caller?.type === 'USER' ? caller.id : null],
        );
      }
      await this.audit.record(manager, caller, {
        tenantId,
        type: 'UPDATE',
        resourceType: 'TENANT',
        resourceId: keyOf(tenantId),
        details: { action: 'mfa-policy-set', policy: request.policy },
      });
    });
    void this.outbox.flush();
    return this.view(tenantId);
  }

  /**
   * Whether a policy requires this user to have a second factor. In each tenant the user is in, the tenant's
   * policy (else the instance's); the instance's also for instance-level admins (Instance Admin, Super Admin)
   * and for a user in no tenant. `required-for-admins` reaches an Admin of that tenant and instance-level admins.
   * `policies`: the policies on record when the caller has just read them (MFA_POLICIES_SQL), else read here.
   */
  async mustHaveFactor(user: UserEntity, policies?: MfaPolicyRow[]): Promise<boolean> {
    const rows: MfaPolicyRow[] = policies ?? (await this.dataSource.query(`SELECT ${MFA_POLICIES_SQL} AS policies`))[0].policies;
    const fallback = this.env.MFA_POLICY;
    if (fallback === 'optional' && rows.every((r) => r.policy === 'optional')) return false;
    if (fallback === 'required' && rows.length === 0) return true;
    const facts = await this.factsOf(user.id);
    const instanceAdmin = user.superAdmin || facts.instanceAdmin;
    const reaches = (policy: MfaPolicy, admin: boolean) => policy === 'required' || (policy === 'required-for-admins' && admin);
    if (instanceAdmin && reaches(fallback, true)) return true;
    if (facts.tenants.length === 0) return reaches(fallback, instanceAdmin);
    const byTenant = new Map(rows.map((r) => [r.tenant_key, r.policy]));
    return facts.tenants.some((t) => reaches(byTenant.get(keyOf(t.tenantId)) ?? fallback, t.admin || instanceAdmin));
  }

  private factsOf(userId: string): Promise<MfaSubjectFacts> {
    return this.rpc.internal(SERVICE, AuthorizationRpc.mfaSubjectFacts, { userId });
  }

  private async assertMaySet(caller: Caller | null, tenantId: string | null): Promise<void> {
    if (caller?.type === 'SERVICE') return;
    if (caller?.type !== 'USER' || caller.impersonator) throw ProblemException.forbidden('Only a tenant Admin, an Instance Admin or a Super Admin sets the MFA policy', { rule: 'admin-required' });
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: caller.id });
    if (user?.superAdmin) return;
    const facts = await this.factsOf(caller.id);
    if (facts.instanceAdmin || facts.tenants.some((t) => t.tenantId === tenantId && t.admin)) return;
    throw ProblemException.forbidden('Only an Admin of this tenant, an Instance Admin or a Super Admin sets its MFA policy', { rule: 'admin-required' });
  }
}
