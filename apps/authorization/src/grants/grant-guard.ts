import { Action, Caller, isNamespaced, Permission, PermissionGrid, PERMISSIONS, Scope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { pairsOf } from '../common/permission-grid';
import { DecisionService } from '../decisions/decision.service';
import { DecisionQuery, GrantIndex } from '../decisions/grant-index';
import { GrantLoader } from '../decisions/grant-loader';
import { SubjectFactsService } from '../subjects/subject-facts.service';

/** The rules of DESIGN §3 and docs/access-model.md, named in every refusal (`rule` member of the problem). */
export const RULES = {
  missingPermission: 'missing-permission',
  tenantRequired: 'tenant-permission-required',
  noEscalation: 'no-permission-escalation',
  noSelfElevation: 'no-self-elevation',
  noCredentialEscalation: 'no-credential-escalation',
  tenantBoundary: 'tenant-boundary',
  noSelfImpersonation: 'no-self-impersonation',
  whileImpersonating: 'not-while-impersonating',
  scopeRule: 'tenant-level-permission-in-namespaced-binding',
  auditReadRequired: 'audit-read-required',
  superAdminRequired: 'super-admin-required',
} as const;

/**
 * The rules of the guard's refusals (403), each recorded in the audit trail as ACCESS_REFUSED (RefusalAudit).
 * Not the scope rule: its 422 says a binding cannot have that shape (whoever asks, whatever they hold), a
 * request to correct like a 400, not an attempt beyond one's rights.
 */
const REFUSAL_RULES: ReadonlySet<unknown> = new Set(Object.values(RULES).filter((rule) => rule !== RULES.scopeRule));

/**
 * Whether `error` is a refusal of the guard. Told by its status and rule rather than by the object, since
 * a refusal may be copied on its way out (a bulk grant's names the refused item).
 */
export function isGuardRefusal(error: unknown): error is ProblemException {
  return error instanceof ProblemException && error.problem.status === 403 && REFUSAL_RULES.has(error.problem['rule']);
}

/**
 * Access a change gives: a role's grid (or the part of it that is new), tenant-wide or on namespaces, to
 * the users and service accounts it reaches.
 */
export interface AccessGain {
  /** Where the access comes from, for messages: `role "Admin"`, `group "ops" (role "Admin")`. */
  source: string;
  grid: PermissionGrid;
  /** null = tenant-wide (and always for instance-level grants). */
  namespaces: string[] | null;
  recipients: string[];
  /** Also subjects not known yet, who hold nothing: the default role's future joiners, an invitee. */
  newcomers?: boolean;
}

export interface AccessChange {
  scope: Scope;
  tenantId: string | null;
  /** The path's own permissions, e.g. BINDING:CREATE to bind, GROUP_MEMBERSHIP:CREATE to add members. */
  requires?: ReadonlyArray<readonly [Permission, Action]>;
  gains: AccessGain[];
}

const TRUSTED = 'trusted' as const;
type Actor = { caller: Caller; index: GrantIndex } | typeof TRUSTED;

const refuse = (rule: string, detail: string, extensions: Record<string, unknown> = {}): ProblemException =>
  ProblemException.forbidden(detail, { rule, ...extensions });

const label = (p: Permission, a: Action, ns?: string) => `${p}:${a}${ns ? ` in namespace ${ns}` : ''}`;
const where = (scope: Scope, tenantId: string | null) => (scope === 'INSTANCE' ? 'at instance level' : `in tenant ${tenantId ?? 'default'}`);

/** Namespaces a grant applies on: undefined = everywhere (tenant-wide, or instance level). */
const spotsOf = (scope: Scope, namespaces: string[] | null): Array<string | undefined> =>
  scope === 'INSTANCE' || namespaces === null ? [undefined] : namespaces;

/**
 * The one grant guard (DESIGN §3, docs/access-model.md). Every change able to alter a subject's effective
 * permissions, and every credential minted for another subject, passes here:
 * - an actor may let a subject gain (permission, action, namespace) only if the actor holds it there;
 * - a change that lets anyone gain a permission carrying TENANT or ROLE needs TENANT;
 * - nobody raises their own access with powers that do not come from their own bindings there (an
 *   Instance Admin's governance of a tenant does not make it that tenant's Admin);
 * - to mint or reset a credential for a subject, the actor must hold everything that subject holds;
 * - account actions (mandatory reset) reach a user only while every tenant the user is in is within the
 *   actor's reach.
 * It judges the effective-permission delta: what the actor lacks is refused only if some subject the
 * change reaches does not already hold it. Super Admins and internal services are trusted; the checks
 * read the database, never a cache.
 */
@Injectable()
export class GrantGuard {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly decisions: DecisionService,
    private readonly loader: GrantLoader,
    private readonly subjects: SubjectFactsService,
  ) {}

  /** A path's own permission (BINDING:DELETE to revoke, ...). */
  async assertPathPermission(
    caller: Caller | null, scope: Scope, tenantId: string | null, permission: Permission, action: Action, manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const actor = await this.actor(caller, manager);
    if (actor !== TRUSTED) this.assertHeld(actor.index, scope, tenantId, [[permission, action]]);
  }

  /** Scope rule: a binding limited to namespaces may carry only namespace-level permissions (422). */
  assertScopeRule(source: string, grid: PermissionGrid, namespaces: string[] | null): void {
    if (!namespaces) return;
    const tenantLevel = PERMISSIONS.filter((p) => grid[p]?.length && !isNamespaced(p));
    if (tenantLevel.length === 0) return;
    throw new ProblemException(
      422,
      'scope-rule',
      `${source} carries tenant-level permissions (${tenantLevel.join(', ')}); only a tenant-wide binding can grant them, so it cannot be limited to namespaces`,
      { rule: RULES.scopeRule, permissions: tenantLevel },
    );
  }

  async assertMayChange(caller: Caller | null, change: AccessChange, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const actor = await this.actor(caller, manager);
    if (actor === TRUSTED) return;
    const { scope, tenantId } = change;
    this.assertHeld(actor.index, scope, tenantId, change.requires ?? []);
    const holdings = new Map<string, Promise<GrantIndex | null>>();
    const holdingOf = (id: string) => {
      if (!holdings.has(id)) holdings.set(id, this.decisions.freshIndex(id, manager));
      return holdings.get(id) as Promise<GrantIndex | null>;
    };
    /** Whether some subject the gain reaches does not hold the pair yet (its own bindings, before the change). */
    const anyoneGains = async (gain: AccessGain, permission: Permission, action: Action, namespace: string | undefined) => {
      if (gain.newcomers) return true;
      for (const id of gain.recipients) {
        const held = await holdingOf(id);
        if (!held || !held.holdsDirectly({ scope, tenantId, permission, action, namespace })) return true;
      }
      return false;
    };
    const tenantHolder = actor.index.holdsAny('INSTANCE', null, 'TENANT');
    const self = actor.caller.id;
    for (const check of ['tenant', 'held', 'self'] as const) {
      for (const gain of change.gains) {
        for (const [permission, action] of pairsOf(gain.grid)) {
          for (const namespace of spotsOf(scope, gain.namespaces)) {
            const query: DecisionQuery = { scope, tenantId, permission, action, namespace };
            if (check === 'tenant' && (permission === 'TENANT' || permission === 'ROLE') && !tenantHolder && (await anyoneGains(gain, permission, action, namespace))) {
              throw refuse(RULES.tenantRequired, `Only a holder of the TENANT permission may let anyone gain ${permission}: ${gain.source} carries ${label(permission, action)}`);
            }
            if (check === 'held' && !this.holds(actor.index, query) && (await anyoneGains(gain, permission, action, namespace))) {
              throw refuse(
                RULES.noEscalation,
                `You cannot let anyone gain ${label(permission, action, namespace)} through ${gain.source}: you do not hold it${namespace ? '' : ` on every namespace`} ${where(scope, tenantId)}`,
              );
            }
            if (check === 'self' && scope === 'TENANT' && gain.recipients.includes(self) && !actor.index.holdsDirectly(query)) {
              throw refuse(
                RULES.noSelfElevation,
                `You cannot give yourself ${label(permission, action, namespace)} through ${gain.source} in a tenant where your own bindings do not already grant it`,
              );
            }
          }
        }
      }
    }
  }

  /**
   * To mint or reset a credential for another subject (API token, password, second factors), the actor holds
   * all it holds. `deed` says what, for the refusal: "create an API token".
   */
  async assertMayActFor(caller: Caller | null, subjectId: string, deed: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    // An impersonation stays what it is: short-lived and audited, never a way to a lasting credential.
    if (caller?.impersonator) throw refuse(RULES.whileImpersonating, `You cannot ${deed} while acting as another user`);
    const actor = await this.actor(caller, manager);
    if (actor === TRUSTED || actor.caller.id === subjectId) return;
    const facts = await this.subjects.get(subjectId, manager);
    if (!facts) throw ProblemException.notFound(`Subject ${subjectId} does not exist`);
    if (facts.superAdmin) {
      throw refuse(RULES.noCredentialEscalation, `Only a Super Admin can ${deed} for a Super Admin`);
    }
    for (const source of await this.loader.load(subjectId, manager)) {
      for (const [permission, action] of pairsOf(source.permissions)) {
        // A tenant-level pair of a namespace-limited binding grants nothing (scope rule), so it is not held.
        if (source.scope === 'TENANT' && source.namespaces && !isNamespaced(permission)) continue;
        for (const namespace of spotsOf(source.scope, source.namespaces)) {
          const query: DecisionQuery = { scope: source.scope, tenantId: source.tenantId, permission, action, namespace };
          if (!this.holds(actor.index, query)) {
            throw refuse(
              RULES.noCredentialEscalation,
              `You cannot ${deed} for ${subjectId}: it holds ${label(permission, action, namespace)} ${where(source.scope, source.tenantId)}, which you do not`,
            );
          }
        }
      }
    }
  }

  /**
   * To act as a user of a tenant (impersonation, RFC 8693 token exchange): the actor holds IMPERSONATE:CREATE
   * there, and everything the user holds there and at instance level (what an impersonation token, good in
   * that tenant only, can use). Not oneself, not while impersonating, not a Super Admin unless the actor is
   * one. Super Admins get no pass: impersonating reaches tenant data, which the flag does not give. Whether
   * the user has access to the tenant is the caller's check (the handler's 404).
   */
  async assertMayImpersonate(caller: Caller | null, tenantId: string | null, userId: string): Promise<void> {
    if (!caller) throw ProblemException.unauthorized();
    if (caller.impersonator) throw refuse(RULES.whileImpersonating, 'You cannot impersonate anyone while acting as another user');
    if (caller.type === 'SERVICE') throw refuse(RULES.missingPermission, 'Internal identities do not impersonate');
    if (caller.id === userId) throw refuse(RULES.noSelfImpersonation, 'You cannot impersonate yourself');
    const index = await this.decisions.freshIndex(caller.id);
    if (!index || index.state.disabled) throw refuse(RULES.missingPermission, 'The caller has no permissions');
    this.assertHeld(index, 'TENANT', tenantId, [['IMPERSONATE', 'CREATE']]);
    const facts = await this.subjects.get(userId);
    if (!facts || facts.type !== 'USER') throw ProblemException.notFound(`User ${userId} does not exist`);
    if (facts.superAdmin && !index.state.superAdmin) throw refuse(RULES.noCredentialEscalation, 'Only a Super Admin can impersonate a Super Admin');
    for (const source of await this.loader.load(userId)) {
      if (source.scope === 'TENANT' && source.tenantId !== tenantId) continue;
      for (const [permission, action] of pairsOf(source.permissions)) {
        if (source.scope === 'TENANT' && source.namespaces && !isNamespaced(permission)) continue;
        for (const namespace of spotsOf(source.scope, source.namespaces)) {
          const query: DecisionQuery = { scope: source.scope, tenantId: source.tenantId, permission, action, namespace };
          if (!this.holds(index, query)) {
            throw refuse(
              RULES.noCredentialEscalation,
              `You cannot impersonate ${userId}: it holds ${label(permission, action, namespace)} ${where(source.scope, source.tenantId)}, which you do not`,
            );
          }
        }
      }
    }
  }

  /**
   * A webhook subscription is a standing read of an audit trail: whoever creates, retargets or enables one,
   * and its owner before every delivery, must hold AUDITLOG:READ in the tenant (tenant-wide: a tenant-level
   * permission), or be a Super Admin for the instance-level trail (`tenantId` undefined). Super Admins get
   * no pass in a tenant (its audit trail is tenant data), and an impersonation may not leave a feed behind.
   */
  async assertMayFollowAudit(subject: { type: string; id: string; impersonating?: boolean }, tenantId: string | null | undefined): Promise<void> {
    if (subject.impersonating) throw refuse(RULES.whileImpersonating, 'A webhook cannot be set up while acting as another user');
    const index = subject.type === 'SERVICE' ? null : await this.decisions.freshIndex(subject.id);
    if (!index || index.state.disabled) throw refuse(RULES.missingPermission, `${subject.type === 'SERVICE' ? 'An internal service' : 'The subject'} cannot follow an audit trail`);
    if (tenantId === undefined) {
      if (!index.state.superAdmin) throw refuse(RULES.superAdminRequired, 'Only a Super Admin can follow the instance-level audit trail');
      return;
    }
    if (!index.decide({ scope: 'TENANT', tenantId, permission: 'AUDITLOG', action: 'READ' }).allowed) {
      throw refuse(RULES.auditReadRequired, `Following the audit trail by webhook needs AUDITLOG:READ ${where('TENANT', tenantId)}`, {
        permission: 'AUDITLOG', action: 'READ',
      });
    }
  }

  /**
   * Tenant boundary of account actions: the actor must reach (USER:UPDATE) every tenant each user is in;
   * an instance-level binding puts a user beyond any tenant's reach. Instance-wide USER:UPDATE (Instance
   * Admin) and Super Admins reach everyone.
   */
  async assertAccountsWithinReach(caller: Caller | null, userIds: string[], action: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const actor = await this.actor(caller, manager);
    if (actor === TRUSTED || userIds.length === 0) return;
    if (actor.index.decide({ scope: 'INSTANCE', permission: 'USER', action: 'UPDATE' }).allowed) return;
    const rows: Array<{ user_id: string; scope: Scope; tenant_id: string | null }> = await manager.query(
      `SELECT subject_id AS user_id, scope, tenant_id FROM "authorization".bindings WHERE subject_id = ANY($1::uuid[])
       UNION
       SELECT gm.member_id, 'TENANT', g.tenant_id FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
        WHERE gm.member_id = ANY($1::uuid[])`,
      [userIds],
    );
    const outside = rows.filter((r) =>
      r.scope === 'INSTANCE' || !actor.index.decide({ scope: 'TENANT', tenantId: r.tenant_id, permission: 'USER', action: 'UPDATE' }).allowed,
    );
    if (outside.length === 0) return;
    const users = [...new Set(outside.map((r) => r.user_id))];
    const places = [...new Set(outside.map((r) => (r.scope === 'INSTANCE' ? 'the instance' : `tenant ${r.tenant_id ?? 'default'}`)))];
    throw refuse(
      RULES.tenantBoundary,
      `You cannot ${action} ${users.length === 1 ? `user ${users[0]}` : `${users.length} users`}: they also have access to ${places.join(', ')}, outside your reach`,
      { users },
    );
  }

  /** Defining or changing a role's grid: the actor holds every pair tenant-wide (else it could widen a role it holds). */
  async assertMayDefineRole(caller: Caller | null, tenantId: string | null, grid: PermissionGrid, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const actor = await this.actor(caller, manager);
    if (actor === TRUSTED) return;
    for (const [permission, action] of pairsOf(grid)) {
      if (!this.holds(actor.index, { scope: 'TENANT', tenantId, permission, action })) {
        throw refuse(RULES.noEscalation, `You cannot put ${label(permission, action)} in a role: you do not hold it on every namespace of this tenant`);
      }
    }
  }

  private assertHeld(index: GrantIndex, scope: Scope, tenantId: string | null, required: ReadonlyArray<readonly [Permission, Action]>): void {
    for (const [permission, action] of required) {
      if (!index.decide({ scope, tenantId, permission, action }).allowed) {
        throw refuse(RULES.missingPermission, `This needs ${permission}:${action} ${where(scope, tenantId)}`, { permission, action });
      }
    }
  }

  private holds(index: GrantIndex, query: DecisionQuery): boolean {
    const decision = index.decide(query);
    return decision.allowed && (query.namespace !== undefined || decision.namespaces === null || decision.namespaces === undefined);
  }

  /**
   * Every read goes through `manager`: the caller's transaction when there is one. A second pool connection
   * taken while the transaction holds the first starves the pool under a burst of concurrent grants (each
   * holding one connection, all waiting for another).
   */
  private async actor(caller: Caller | null, manager: EntityManager): Promise<Actor> {
    if (!caller) throw ProblemException.unauthorized();
    if (caller.type === 'SERVICE') return TRUSTED;
    const index = await this.decisions.freshIndex(caller.id, manager);
    if (!index || index.state.disabled) throw refuse(RULES.missingPermission, 'The caller has no permissions');
    return index.state.superAdmin ? TRUSTED : { caller, index };
  }
}
