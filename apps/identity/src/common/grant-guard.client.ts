import { AccountAction, AuthorizationRpc, Caller, CredentialKind } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';

/**
 * Authorization's grant guard, asked before identity mints or resets a credential for another subject:
 * the caller must hold everything that subject holds (docs/access-model.md). A refusal is its 403 problem.
 */
@Injectable()
export class GrantGuardClient {
  constructor(private readonly rpc: RpcClient) {}

  /** `tenantId` (null = default tenant): the subject must also have access in that tenant (404 otherwise). */
  async assertMayActFor(caller: Caller | null, subjectId: string, credential: CredentialKind, tenantId?: string | null): Promise<void> {
    // While impersonating, even one's "own" credential is the guard's to refuse.
    if (caller?.type === 'SERVICE' || (caller?.id === subjectId && !caller.impersonator)) return;
    await this.rpc.request(AuthorizationRpc.assertMayActFor, { caller, tenantId, data: { subjectId, credential } });
  }

  /**
   * The tenant boundary of an account action on another user (sessions): in a tenant, the user must have
   * access there (404); every tenant the user is in must be within the caller's reach (403 `tenant-boundary`).
   */
  async assertAccountWithinReach(caller: Caller | null, subjectId: string, action: AccountAction, tenantId?: string | null): Promise<void> {
    if (caller?.type === 'SERVICE') return;
    await this.rpc.request(AuthorizationRpc.assertAccountWithinReach, { caller, tenantId, data: { subjectId, action } });
  }

  /** Impersonation of a user of the tenant (docs/access-model.md); 404 when the user has no access there. */
  async assertMayImpersonate(caller: Caller, tenantId: string | null, userId: string): Promise<void> {
    await this.rpc.request(AuthorizationRpc.assertMayImpersonate, { caller, tenantId, data: { userId } });
  }
}
