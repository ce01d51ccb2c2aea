import { openServiceWorld, ServiceWorld } from '@gatehouse/service-testing';
import { TENANCY_CONTEXTS, TENANCY_SCHEMA } from '../app.module';
import { SERVICE } from '../service-name';
import { TenancyEnv } from '../tenancy.env';

export type TenancyWorld = ServiceWorld<TenancyEnv>;

/** Tenancy's contexts as the service wires them, on a migrated database of their own, over fakes of NATS. */
export function openTenancy(env: Partial<TenancyEnv> = {}): Promise<TenancyWorld> {
  return openServiceWorld({ name: SERVICE, envClass: TenancyEnv, schema: TENANCY_SCHEMA, contexts: TENANCY_CONTEXTS, env });
}
