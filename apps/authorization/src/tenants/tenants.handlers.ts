import {
  AuthorizationRpc, Caller, DEFAULT_TENANT_SEGMENT, MfaSubjectFacts, MfaSubjectFactsRequest, NOT_A_MEMBER_RULE, RetireTenantRequest, SubjectTenantClaims,
  TenantMemberRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { TenantMembers } from './tenant-members';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { LiveTenants } from './live-tenants';

@Controller()
export class TenantsHandlers {
  constructor(
    private readonly liveTenants: LiveTenants,
    private readonly members: TenantMembers,
    private readonly subjects: SubjectFactsService,
  ) {}

  @RpcHandler(AuthorizationRpc.retireTenant)
  retire(@RpcCaller() caller: Caller | null, @RpcData() request: RetireTenantRequest): Promise<void> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('Tenants are retired by the tenancy service only');
    return this.liveTenants.retireNow(request.tenantId);
  }

  @RpcHandler(AuthorizationRpc.tenantClaims)
  async claims(@RpcCaller() caller: Caller | null, @RpcData() request: TenantMemberRequest): Promise<SubjectTenantClaims> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden("A subject's roles and groups are asked by identity's OpenID Connect provider only");
    const tenantId = request.tenantId ?? null;
    if (!this.liveTenants.isLive(tenantId)) return { roles: [], groups: [] };
    return this.members.claims(tenantId, request.subject.id);
  }

  @RpcHandler(AuthorizationRpc.mfaSubjectFacts)
  async mfaFacts(@RpcCaller() caller: Caller | null, @RpcData() request: MfaSubjectFactsRequest): Promise<MfaSubjectFacts> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden("A user's MFA facts are asked by identity only");
    const facts = await this.members.mfaFacts(request.userId);
    return { ...facts, tenants: facts.tenants.filter((t) => this.liveTenants.isLive(t.tenantId)) };
  }

  @RpcHandler(AuthorizationRpc.administrators)
  async administrators(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined): Promise<{ userIds: string[] }> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden("A tenant's administrators are asked by internal services only");
    return { userIds: tenantId === undefined ? await this.members.superAdminIds() : await this.members.adminUserIds(tenantId) };
  }

  @RpcHandler(AuthorizationRpc.requireTenantMember)
  async requireMember(@RpcData() request: TenantMemberRequest): Promise<void> {
    const tenantId = request.tenantId ?? null;
    const named = tenantId ?? DEFAULT_TENANT_SEGMENT;
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.notFound(`Tenant "${named}" does not exist`);
    const facts = await this.subjects.get(request.subject.id);
    if (facts?.superAdmin && !facts.disabled) return;
    if (await this.members.hasAccess(tenantId, request.subject.id)) return;
    throw ProblemException.forbidden(`You are not in tenant "${named}" (no binding or group membership there)`, { rule: NOT_A_MEMBER_RULE });
  }
}
