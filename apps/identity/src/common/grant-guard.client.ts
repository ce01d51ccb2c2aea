import { AccountAction, AuthorizationRpc, Caller, CredentialKind } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';

/**
 * `subjectInTenant: false`: the tenant only says where the request was made (whose audit trail records a
 * refusal), the subject need not have access there: a tenant's service account, an OAuth client's owner, a
 * user its SCIM integration provisions or its identity provider links.
 */
export interface InTenant {
  subjectInTenant: false;
}

/**
 * Authorization's grant guard, asked before identity mints or resets a credential for another subject:
 * the caller must hold everything that subject holds (docs/access-model.md). A refusal is its 403 problem,
 * which authorization also records in the tenant's audit trail (ACCESS_REFUSED): `tenantId` (null = the
 * default tenant, undefined = instance level) is the request's.
 */
@Injectable()
export class GrantGuardClient {
  constructor(private readonly rpc: RpcClient) {}

  /** `tenantId` (null = default tenant): the subject must also have access in that tenant (404 otherwise), unless `options` say not. */
  async assertMayActFor(caller: Caller | null, subjectId: string, credential: CredentialKind, tenantId?: string | null, options?: InTenant): Promise<void> {
    // While impersonating, even one's "own" credential is the guard's to refuse.
    if (caller?.type === 'SERVICE' || (caller?.id === subjectId && !caller.impersonator)) return;
    await this.rpc.request(AuthorizationRpc.assertMayActFor, { caller, tenantId, data: { subjectId, credential, ...options } });
  }

  /**
   * The tenant boundary of an account action on another user (sessions): in a tenant, the user must have
   * access there (404, unless `options` say not); every tenant the user is in must be within the caller's reach (403 `tenant-boundary`).
   */
  async assertAccountWithinReach(caller: Caller | null, subjectId: string, action: AccountAction, tenantId?: string | null, options?: InTenant): Promise<void> {
    if (caller?.type === 'SERVICE') return;
    await this.rpc.request(AuthorizationRpc.assertAccountWithinReach, { caller, tenantId, data: { subjectId, action, ...options } });
  }

  /** Impersonation of a user of the tenant (docs/access-model.md); 404 when the user has no access there. */
  async assertMayImpersonate(caller: Caller, tenantId: string | null, userId: string): Promise<void> {
    await this.rpc.request(AuthorizationRpc.assertMayImpersonate, { caller, tenantId, data: { userId } });
  }
}

/** For GrantGuardClient's `options`: the subject need not have access to the request's tenant. */
export const ANYWHERE: InTenant = { subjectInTenant: false };
