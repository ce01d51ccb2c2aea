import { TestSystem } from '@gatehouse/testing';

/**
 * Starts Gatehouse once for the whole e2e run: a fresh database, a private NATS server, every service
 * as its own process (two authorization instances, to exercise the queue group), and the gateway.
 */
export default async function globalSetup(): Promise<void> {
  const system = await TestSystem.start({
    name: 'main',
    env: { MULTI_TENANCY_ENABLED: 'true', DEFAULT_TENANT_ENABLED: 'true' },
    replicas: { authorization: 2 },
  });
  (globalThis as { __GATEHOUSE__?: TestSystem }).__GATEHOUSE__ = system;
  process.env.GATEHOUSE_URL = system.gatewayUrl;
  process.env.E2E_DATABASE_URL = system.database.url;
  process.env.E2E_NATS_MONITOR_URL = system.nats.monitorUrl ?? '';
}
