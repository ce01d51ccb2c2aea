import { randomUUID } from 'node:crypto';
import { AuthorizationRpc, IdentityRpc, UserView } from '@gatehouse/contracts';
import { openServiceWorld, ServiceWorld } from '@gatehouse/service-testing';
import { TENANCY_CONTEXTS, TENANCY_SCHEMA } from '../app.module';
import { SERVICE } from '../service-name';
import { TenancyEnv } from '../tenancy.env';

export interface TenancyWorld extends ServiceWorld<TenancyEnv> {
  /**
   * Forgets the RPC calls recorded so far and answers as healthy identity and authorization services do
   * what tenancy asks them: the first user, provisioning (each tenant gets 5 roles), retirement and the
   * tenant searches' counts. A test changes single answers with `rpc.on` and `rpc.off`.
   */
  answerAsHealthyServices(): void;
}

/** Tenancy's contexts as the service wires them, on a migrated database of their own, over fakes of NATS. */
export async function openTenancy(env: Partial<TenancyEnv> = {}): Promise<TenancyWorld> {
  const world = await openServiceWorld({ name: SERVICE, envClass: TenancyEnv, schema: TENANCY_SCHEMA, contexts: TENANCY_CONTEXTS, env });
  return {
    ...world,
    answerAsHealthyServices: () => {
      world.rpc.calls.length = 0;
      world.rpc
        .on(IdentityRpc.createFirstUser, (req) => ({ id: randomUUID(), username: req.username, superAdmin: true }) as UserView)
        .on(AuthorizationRpc.provisionDefaultTenant, () => ({ tenantId: null, roles: 5, adminBindingId: randomUUID() }))
        .on(AuthorizationRpc.provisionTenant, (req) => ({ tenantId: req.tenantId, roles: 5, adminBindingId: randomUUID() }))
        .on(AuthorizationRpc.retireTenant, () => undefined)
        .on(IdentityRpc.retireTenant, () => undefined)
        .on(AuthorizationRpc.countTenantMembers, (req) => Object.fromEntries(req.tenantIds.map((id) => [id, { users: 2, groups: 1 }])))
        .on(IdentityRpc.countServiceAccounts, (req) => Object.fromEntries(req.tenantIds.map((id) => [id, 3])));
    },
  };
}
