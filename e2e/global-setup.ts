import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, SmtpCatcher, TestSystem, UpstreamEcho } from '@gatehouse/testing';

/**
 * Starts Gatehouse once for the whole e2e run: a fresh database, a private NATS server, every service
 * as its own process (two authorization instances, to exercise the queue group), and the gateway.
 * An SMTP catcher receives every email (notification sends to it over real SMTP).
 */
export default async function globalSetup(): Promise<void> {
  const mailDir = resolve('tmp/e2e-mail/main');
  rmSync(mailDir, { recursive: true, force: true });
  const smtp = await SmtpCatcher.start({ dir: mailDir });
  (globalThis as { __GATEHOUSE_SMTP__?: SmtpCatcher }).__GATEHOUSE_SMTP__ = smtp;
  const upstream = await UpstreamEcho.start();
  (globalThis as { __GATEHOUSE_UPSTREAM__?: UpstreamEcho }).__GATEHOUSE_UPSTREAM__ = upstream;
  const routesFile = await writeUpstreamRoutes(upstream.url);
  const system = await TestSystem.start({
    name: 'main',
    env: {
      MULTI_TENANCY_ENABLED: 'true',
      DEFAULT_TENANT_ENABLED: 'true',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      GATEWAY_ROUTES_FILE: routesFile,
      BODY_LIMIT_BYTES: String(1024 * 1024),
      // The suites' directories (slapd) run on this machine: identity providers on loopback are allowed here only.
      FEDERATION_ALLOW_LOOPBACK: 'true',
    },
    replicas: { authorization: 2 },
  }).catch(async (error: unknown) => {
    await smtp.stop();
    await upstream.stop();
    throw error;
  });
  (globalThis as { __GATEHOUSE__?: TestSystem }).__GATEHOUSE__ = system;
  process.env.GATEHOUSE_URL = system.gatewayUrl;
  process.env.E2E_DATABASE_URL = system.database.url;
  process.env.E2E_NATS_MONITOR_URL = system.nats.monitorUrl ?? '';
  process.env.E2E_NATS_URL = system.nats.url;
  process.env.E2E_MAIL_DIR = smtp.dir;
  // The gateway's URL is the issuer (JWT_ISSUER) and the base of the links in emails (TestSystem.publicUrl).
  process.env.E2E_ISSUER = system.publicUrl;
  process.env.E2E_PUBLIC_BASE_URL = system.publicUrl;
}

/**
 * Routes that put the echo upstream (and an unreachable one) behind the gateway, as a user would, and a
 * route without an upstream that an ingress proxies and only asks the forward-auth endpoints about.
 */
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
  echo-signed: { url: ${echoUrl}, timeoutMs: 5000, internalToken: true }
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
  - path: /api/v1/{tenant}/flow-search
    methods: [GET]
    permission: FLOW
    upstream: echo
  - path: /api/v1/{tenant}/signed/{namespace}/**
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: echo-signed
  - path: /public/echo/**
    public: true
    upstream: echo
  - path: /ingress/{tenant}/apps/{namespace}/**
    methods: [GET, DELETE]
    permission: APP
    namespace: { from: path, name: namespace }
    signInUrl: /sign-in
`,
  );
  return file;
}
