import { AuthorizationRpc, IdentityRpc, SyncAccessResult } from '@gatehouse/contracts';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger } from '@nestjs/common';
import { SERVICE } from '../service-name';

const PAGE = 500;

/**
 * `gatehouse auths users sync-access`: after multi-tenancy is switched on, every user who had access to
 * the instance (and so to its only tenant) becomes an explicit member of the default tenant, with its
 * default role. Idempotent: users who already have access there are left alone.
 */
@Injectable()
export class SyncAccessService {
  private readonly logger = new Logger('SyncAccess');

  constructor(private readonly rpc: RpcClient) {}

  async run(): Promise<SyncAccessResult> {
    const result: SyncAccessResult = { defaultRole: null, usersExamined: 0, usersGranted: 0, grantedUserIds: [] };
    // Through the cursor: each page read through the (created_at, id) index, however many users came before.
    for (let cursor: string | undefined; ; ) {
      const users = await this.rpc.internal(SERVICE, IdentityRpc.listUsers, { size: PAGE, sort: 'createdAt', ...(cursor ? { cursor } : {}) }, undefined, RETRY_SAFE);
      if (users.results.length === 0) break;
      result.usersExamined += users.results.length;
      const joined = await this.rpc.internal(SERVICE, AuthorizationRpc.joinDefaultTenant, { userIds: users.results.map((u) => u.id) }, undefined, RETRY_SAFE);
      result.defaultRole = joined.defaultRole;
      if (joined.defaultRole === null) break;
      result.usersGranted += joined.granted.length;
      result.grantedUserIds.push(...joined.granted.slice(0, 1000 - result.grantedUserIds.length));
      if (!users.next) break;
      cursor = users.next;
    }
    this.logger.log(`sync-access: ${result.usersGranted} of ${result.usersExamined} users joined the default tenant (role ${result.defaultRole ?? 'none'})`);
    return result;
  }
}
