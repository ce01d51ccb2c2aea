import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, TestSystem, UpstreamEcho } from '@gatehouse/testing';

/**
 * Starts Gatehouse once for the whole e2e run: a fresh database, a private NATS server, every service
 * as its own process (two authorization instances, to exercise the queue group), and the gateway.
 * An echo upstream stands behind the gateway's route table like a product service.
 */
export default async function globalSetup(): Promise<void> {
  const upstream = await UpstreamEcho.start();
  (globalThis as { __GATEHOUSE_UPSTREAM__?: UpstreamEcho }).__GATEHOUSE_UPSTREAM__ = upstream;
  const routesFile = await writeUpstreamRoutes(upstream.url);
  const system = await TestSystem.start({
    name: 'main',
    env: {
      MULTI_TENANCY_ENABLED: 'true',
      DEFAULT_TENANT_ENABLED: 'true',
      GATEWAY_ROUTES_FILE: routesFile,
      BODY_LIMIT_BYTES: String(1024 * 1024),
    },
    replicas: { authorization: 2 },
  }).catch(async (error: unknown) => {
    await upstream.stop();
    throw error;
  });
  (globalThis as { __GATEHOUSE__?: TestSystem }).__GATEHOUSE__ = system;
  process.env.GATEHOUSE_URL = system.gatewayUrl;
  process.env.E2E_DATABASE_URL = system.database.url;
  process.env.E2E_NATS_MONITOR_URL = system.nats.monitorUrl ?? '';
}

/** Routes that put the echo upstream (and an unreachable one) behind the gateway, as a user would. */
async function writeUpstreamRoutes(echoUrl: string): Promise<string> {
  const closedPort = await freePort();
  const file = resolve('tmp/e2e-routes.yaml');
  mkdirSync(resolve('tmp'), { recursive: true });
  writeFileSync(
    file,
    `upstreams:
  echo: { url: ${echoUrl}, timeoutMs: 5000 }
  echo-impatient: { url: ${echoUrl}, timeoutMs: 300 }
  nowhere: { url: http://127.0.0.1:${closedPort}, timeoutMs: 2000 }
routes:
  - path: /api/v1/{tenant}/flows/{namespace}/**
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: echo
    stripPrefix: /api/v1/{tenant}/flows
  - path: /api/v1/{tenant}/kv/**
    methods: [GET, PUT]
    permission: KVSTORE
    namespace: { from: query, name: namespace }
    upstream: echo
  - path: /api/v1/{tenant}/files/**
    permission: NAMESPACE
    namespace: { from: header, name: x-namespace }
    upstream: echo
  - path: /api/v1/{tenant}/broken/**
    permission: FLOW
    upstream: nowhere
  - path: /api/v1/{tenant}/slow/**
    permission: FLOW
    upstream: echo-impatient
  - path: /public/echo/**
    public: true
    upstream: echo
`,
  );
  return file;
}
