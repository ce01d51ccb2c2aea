import { Caller, CreateUserRequest, UserView } from '@gatehouse/contracts';
import { openServiceWorld, ServiceWorld } from '@gatehouse/service-testing';
import { IDENTITY_CONTEXTS, IDENTITY_SCHEMA } from '../app.module';
import { IdentityEnv } from '../identity.env';
import { SERVICE } from '../service-name';
import { UsersService } from '../users/users.service';

export interface IdentityWorld extends ServiceWorld<IdentityEnv> {
  /** A user created through UsersService (by an internal caller), with a unique username. */
  createUser(overrides?: Partial<CreateUserRequest>): Promise<UserView & { email: string; password: string; caller: Caller }>;
}

export const GOOD_PASSWORD = 'Correct-Horse-42';
let users = 0;

/** Identity's contexts as the service wires them, on a migrated database of their own, over fakes of NATS. */
export async function openIdentity(env: Partial<IdentityEnv> = {}): Promise<IdentityWorld> {
  const world = await openServiceWorld({
    name: SERVICE, envClass: IdentityEnv, schema: IDENTITY_SCHEMA, contexts: IDENTITY_CONTEXTS, env: { FORGOTTEN_PASSWORD_MIN_RESPONSE_MS: 0, ...env },
  });
  const internal: Caller = { type: 'SERVICE', id: 'tenancy', via: 'internal' };
  return {
    ...world,
    createUser: async (overrides = {}) => {
      const username = `user${++users}-${Date.now().toString(36)}@example.com`;
      const password = overrides.password ?? GOOD_PASSWORD;
      const view = await world.get(UsersService).create(internal, { username, password, ...overrides });
      return { ...view, email: view.email ?? '', password, caller: { type: 'USER', id: view.id, via: 'jwt' } as Caller };
    },
  };
}
