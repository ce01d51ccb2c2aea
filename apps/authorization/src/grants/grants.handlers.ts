import { AccountReachRequest, ActForRequest, AuditFeedRequest, AuthorizationRpc, Caller, ImpersonateRequest } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { TenantMembers } from '../tenants/tenant-members';
import { GrantGuard } from './grant-guard';

const CREDENTIAL_DEEDS = { API_TOKEN: 'create an API token', PASSWORD: 'set a password', OAUTH_CLIENT: 'create an OAuth client (or its secret)', IDENTITY_LINK: 'link an identity provider account' } as const;
const ACCOUNT_ACTION_NAMES = { LIST_SESSIONS: 'see the sessions of', END_SESSIONS: 'end the sessions of', RESET_FACTORS: 'reset the second factors of', PROVISION: 'change through provisioning the account of', AUTHENTICATION: 'change the authentication method of' } as const;

@Controller()
export class GrantsHandlers {
  constructor(
    private readonly guard: GrantGuard,
    private readonly members: TenantMembers,
  ) {}

  /** In a tenant (the envelope's tenant), the subject must also have access there unless the request says not: a tenant's Admin acts for its own users only. */
  @RpcHandler(AuthorizationRpc.assertMayActFor)
  async actFor(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ActForRequest): Promise<void> {
    await this.assertInTenant(tenantId, request);
    await this.guard.assertMayActFor(caller, request.subjectId, CREDENTIAL_DEEDS[request.credential]);
  }

  /** The tenant boundary of an account action (identity's sessions of another user); in a tenant, a user there. */
  @RpcHandler(AuthorizationRpc.assertAccountWithinReach)
  async accountWithinReach(
    @RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: AccountReachRequest,
  ): Promise<void> {
    await this.assertInTenant(tenantId, request);
    await this.guard.assertAccountsWithinReach(caller, [request.subjectId], ACCOUNT_ACTION_NAMES[request.action]);
    // Without its factors an account is one password away from being taken: the actor must hold all it holds,
    // as for setting its password (a tenant's Admin cannot strip an Instance Admin who is only in that tenant).
    if (request.action === 'RESET_FACTORS') await this.guard.assertMayActFor(caller, request.subjectId, 'reset the second factors');
  }

  /** Impersonation in the envelope's tenant (a tenant route: never instance level); the user must have access there. */
  @RpcHandler(AuthorizationRpc.assertMayImpersonate)
  async impersonate(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ImpersonateRequest): Promise<void> {
    if (tenantId === undefined) throw ProblemException.validation([{ field: 'tenant', message: 'Impersonation is always in one tenant' }]);
    if (!(await this.members.hasAccess(tenantId, request.userId))) throw ProblemException.notFound(`User ${request.userId} has no access to this tenant`);
    await this.guard.assertMayImpersonate(caller, tenantId, request.userId);
  }

  /** A webhook's feed of the envelope's tenant's audit trail (instance level when undefined): the caller, or the owner an internal service names. */
  @RpcHandler(AuthorizationRpc.assertMayFollowAudit)
  async followAudit(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: AuditFeedRequest): Promise<void> {
    if (!caller) throw ProblemException.unauthorized();
    if (caller.type === 'SERVICE' && !request.subject) return;
    const subject = caller.type === 'SERVICE' && request.subject ? request.subject : { type: caller.type, id: caller.id, impersonating: !!caller.impersonator };
    await this.guard.assertMayFollowAudit(subject, tenantId);
  }

  private async assertInTenant(tenantId: string | null | undefined, request: ActForRequest | AccountReachRequest): Promise<void> {
    if (tenantId === undefined || request.subjectInTenant === false) return;
    if (!(await this.members.hasAccess(tenantId, request.subjectId))) throw ProblemException.notFound(`User ${request.subjectId} has no access to this tenant`);
  }
}
