import {
  AuthorizationRpc, Caller, CheckRequest, Decision, EffectivePermission, Explanation, Page, SelfCheck, SelfCheckRequest,
  SubjectPermissionsRequest, UserPermissionsRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SubjectDirectory } from '../subjects/subject-directory';
import { TenantMembers } from '../tenants/tenant-members';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { LiveTenants } from '../tenants/live-tenants';
import { DecisionService } from './decision.service';
import { EffectivePermissions } from './effective-permissions';

/** The descriptive decision API (`check` and `batchCheck` are served by DecisionServer). */
@Controller()
export class DecisionHandlers {
  constructor(
    private readonly decisions: DecisionService,
    private readonly effective: EffectivePermissions,
    private readonly subjects: SubjectFactsService,
    private readonly members: TenantMembers,
    private readonly liveTenants: LiveTenants,
    private readonly directory: SubjectDirectory,
  ) {}

  @RpcHandler(AuthorizationRpc.explain)
  explain(@RpcData() request: CheckRequest): Promise<Explanation> {
    return this.effective.explain(request);
  }

  @RpcHandler(AuthorizationRpc.subjectPermissions)
  subjectPermissions(@RpcData() request: SubjectPermissionsRequest): Promise<Page<EffectivePermission>> {
    return this.effective.list(request.subject, { scope: request.scope, tenantId: request.tenantId ?? null, namespace: request.namespace }, request);
  }

  @RpcHandler(AuthorizationRpc.explainSelf)
  explainSelf(
    @RpcCaller() caller: Caller | null,
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: SelfCheck,
  ): Promise<Explanation> {
    if (!caller || caller.type === 'SERVICE') throw ProblemException.forbidden('Only users and service accounts have permissions');
    return this.effective.explain({
      subject: { type: caller.type, id: caller.id },
      scope: tenantId === undefined ? 'INSTANCE' : 'TENANT',
      tenantId: tenantId ?? null,
      permission: request.permission,
      action: request.action,
      ...(request.namespace ? { namespace: request.namespace } : {}),
    });
  }

  @RpcHandler(AuthorizationRpc.checkSelf)
  checkSelf(
    @RpcCaller() caller: Caller | null,
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: SelfCheckRequest,
  ): Promise<Decision[]> {
    if (!caller || caller.type === 'SERVICE') throw ProblemException.forbidden('Only users and service accounts have permissions');
    return this.decisions.checkMany(
      request.checks.map((c) => ({
        subject: { type: caller.type as 'USER' | 'SERVICE_ACCOUNT', id: caller.id },
        scope: tenantId === undefined ? 'INSTANCE' : 'TENANT',
        tenantId: tenantId ?? null,
        permission: c.permission,
        action: c.action,
        ...(c.namespace ? { namespace: c.namespace } : {}),
      })),
    );
  }

  /**
   * A subject's effective permissions in this tenant: a user with access here, or one of the tenant's
   * service accounts (with or without grants); anyone else is not found (isolation).
   */
  @RpcHandler(AuthorizationRpc.userPermissions)
  async userPermissions(
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: UserPermissionsRequest,
  ): Promise<Page<EffectivePermission>> {
    const tenant = tenantId ?? null;
    const notFound = () => ProblemException.notFound(`No user or service account ${request.id} in this tenant`);
    const facts = await this.subjects.get(request.id);
    if (!facts || !this.liveTenants.isLive(tenant)) throw notFound();
    if (!(await this.members.hasAccess(tenant, request.id))) {
      if (facts.type !== 'SERVICE_ACCOUNT') throw notFound();
      await this.directory.assertServiceAccountOf(tenant, request.id);
    }
    return this.effective.list({ type: facts.type, id: facts.id }, { scope: 'TENANT', tenantId: tenant, namespace: request.namespace }, request);
  }
}
