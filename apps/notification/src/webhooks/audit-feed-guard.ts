import { AuthorizationRpc, Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { SERVICE } from '../service-name';

/** How long an owner's right to the feed is trusted between deliveries. */
const OWNER_VERDICT_TTL_MS = 30_000;

export interface FeedOwner {
  type: string;
  id: string;
}

/**
 * Authorization's audit-feed rule (docs/webhooks.md): a webhook is a standing read of an audit trail, so
 * whoever creates, retargets or enables one must hold AUDITLOG:READ in the tenant (a Super Admin for the
 * instance-level trail), and deliveries go out only while the subscription's owner still does.
 */
@Injectable()
export class AuditFeedGuard {
  private readonly verdicts = new Map<string, { allowed: boolean; until: number }>();

  constructor(private readonly rpc: RpcClient) {}

  /** The caller's own right; a refusal is authorization's 403 problem (`rule`). `tenantId` undefined: instance level. */
  async assertCaller(caller: Caller | null, tenantId: string | null | undefined): Promise<void> {
    if (!caller) throw ProblemException.unauthorized();
    await this.rpc.request(AuthorizationRpc.assertMayFollowAudit, { caller, tenantId, data: {} });
  }

  /** Whether the owner may still follow the trail; throws (503/504) when authorization cannot tell. */
  async ownerMayFollow(owner: FeedOwner, tenantId: string | null | undefined): Promise<boolean> {
    if (owner.type === 'SERVICE') return true;
    const key = `${owner.id}|${tenantId === undefined ? '*' : tenantId ?? ''}`;
    const cached = this.verdicts.get(key);
    if (cached && cached.until > Date.now()) return cached.allowed;
    let allowed = true;
    try {
      await this.rpc.internal(SERVICE, AuthorizationRpc.assertMayFollowAudit, { subject: owner as never }, tenantId, RETRY_SAFE);
    } catch (error) {
      if (!(error instanceof ProblemException) || error.problem.status !== 403) throw error;
      allowed = false;
    }
    this.verdicts.set(key, { allowed, until: Date.now() + OWNER_VERDICT_TTL_MS });
    return allowed;
  }

  /** Forget what is known of an owner (a new owner was just checked, or access changed). */
  forget(owner: FeedOwner): void {
    for (const key of [...this.verdicts.keys()]) if (key.startsWith(`${owner.id}|`)) this.verdicts.delete(key);
  }
}
