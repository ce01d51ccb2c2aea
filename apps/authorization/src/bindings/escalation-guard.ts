import { Action, Caller, Permission, PermissionGrid, Scope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { pairsOf } from '../common/permission-grid';
import { DecisionService } from '../decisions/decision.service';
import { GrantIndex } from '../decisions/grant-index';

/** The rules of DESIGN §3, named in every refusal (`rule` member of the 403 problem). */
export const RULES = {
  missingPermission: 'missing-permission',
  tenantRequired: 'tenant-permission-required',
  noEscalation: 'no-permission-escalation',
  noSelfElevation: 'no-self-elevation',
} as const;

export interface GrantAttempt {
  scope: Scope;
  tenantId: string | null;
  role: { name: string; permissions: PermissionGrid };
  subject: { type: 'USER' | 'SERVICE_ACCOUNT' | 'GROUP'; id: string };
  /** null = tenant-wide. */
  namespaces: string[] | null;
}

const refuse = (rule: string, detail: string): ProblemException => ProblemException.forbidden(detail, { rule });

const label = (p: Permission, a: Action, ns?: string) => `${p}:${a}${ns ? ` in namespace ${ns}` : ''}`;

/**
 * Enforces who may grant what, in the authorization service itself (the gateway's check only says the
 * caller may touch bindings at all):
 * - the caller needs BINDING (CREATE to grant, DELETE to revoke) where the binding lives;
 * - only a holder of TENANT (Instance Admin, Super Admin) grants a role that contains TENANT or ROLE;
 * - nobody grants a permission they lack: every pair of the role's grid must be held by the caller in
 *   that tenant, on every namespace of the binding (tenant-wide bindings need tenant-wide grants);
 * - nobody raises their own access (or a group's they are in) with powers that do not come from their
 *   own bindings there: an Instance Admin cannot make itself Admin of a tenant it does not administer.
 * Super Admins manage bindings everywhere; internal services (provisioning) are trusted.
 */
@Injectable()
export class EscalationGuard {
  constructor(private readonly decisions: DecisionService) {}

  async granterIndex(caller: Caller | null): Promise<GrantIndex | 'trusted'> {
    if (!caller) throw ProblemException.unauthorized();
    if (caller.type === 'SERVICE') return 'trusted';
    const index = await this.decisions.freshIndex(caller.id);
    if (!index || index.state.disabled) throw refuse(RULES.missingPermission, 'The caller has no permissions');
    return index;
  }

  async assertMayGrant(manager: EntityManager, caller: Caller | null, attempt: GrantAttempt): Promise<void> {
    const index = await this.granterIndex(caller);
    if (index === 'trusted' || index.state.superAdmin) return;
    const { scope, tenantId } = attempt;
    if (!index.decide({ scope, tenantId, permission: 'BINDING', action: 'CREATE' }).allowed) {
      throw refuse(RULES.missingPermission, 'Granting a role needs BINDING:CREATE here');
    }
    const grid = attempt.role.permissions;
    if ((grid.TENANT?.length || grid.ROLE?.length) && !index.holdsAny('INSTANCE', null, 'TENANT')) {
      throw refuse(
        RULES.tenantRequired,
        `Only a holder of the TENANT permission may grant role "${attempt.role.name}", which contains ${grid.TENANT?.length ? 'TENANT' : 'ROLE'}`,
      );
    }
    const self = await this.includesCaller(manager, caller as Caller, attempt.subject);
    for (const [permission, action] of pairsOf(grid)) {
      const spots: Array<string | undefined> = scope === 'INSTANCE' || attempt.namespaces === null ? [undefined] : attempt.namespaces;
      for (const namespace of spots) {
        const query = { scope, tenantId, permission, action, namespace };
        const held = namespace === undefined ? this.heldEverywhere(index, query) : index.decide(query).allowed;
        if (!held) {
          throw refuse(RULES.noEscalation, `You cannot grant ${label(permission, action, namespace)}: you do not hold it${namespace ? '' : ' on every namespace'}`);
        }
        if (self && scope === 'TENANT' && !index.holdsDirectly(query)) {
          throw refuse(
            RULES.noSelfElevation,
            `You cannot grant yourself (or a group you are in) ${label(permission, action, namespace)} in a tenant where your own bindings do not already grant it`,
          );
        }
      }
    }
  }

  /** Revoking needs BINDING:DELETE (checked at the gateway too); Super Admins and services always may. */
  async assertMayRevoke(caller: Caller | null, scope: Scope, tenantId: string | null): Promise<void> {
    const index = await this.granterIndex(caller);
    if (index === 'trusted' || index.state.superAdmin) return;
    if (!index.decide({ scope, tenantId, permission: 'BINDING', action: 'DELETE' }).allowed) {
      throw refuse(RULES.missingPermission, 'Revoking a role needs BINDING:DELETE here');
    }
  }

  /** Defining or changing a role's grid: the caller must hold every pair tenant-wide (else they could widen a role they hold). */
  async assertMayDefineRole(caller: Caller | null, tenantId: string | null, grid: PermissionGrid): Promise<void> {
    const index = await this.granterIndex(caller);
    if (index === 'trusted' || index.state.superAdmin) return;
    for (const [permission, action] of pairsOf(grid)) {
      if (!this.heldEverywhere(index, { scope: 'TENANT', tenantId, permission, action })) {
        throw refuse(RULES.noEscalation, `You cannot put ${label(permission, action)} in a role: you do not hold it on every namespace of this tenant`);
      }
    }
  }

  private heldEverywhere(index: GrantIndex, query: { scope: Scope; tenantId: string | null; permission: Permission; action: Action }): boolean {
    const decision = index.decide(query);
    return decision.allowed && (decision.namespaces === null || decision.namespaces === undefined);
  }

  private async includesCaller(manager: EntityManager, caller: Caller, subject: GrantAttempt['subject']): Promise<boolean> {
    if (subject.type !== 'GROUP') return subject.id === caller.id;
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM "authorization".group_members WHERE group_id = $1 AND member_id = $2`,
      [subject.id, caller.id],
    );
    return rows.length > 0;
  }
}
