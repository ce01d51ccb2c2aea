import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase, TestDatabase, withDatabase } from './test-database';
import { startTestNats, startTestNatsCluster, TestNats, TestNatsCluster } from './nats-server';
import { E2E_LINK_TOKEN_KEYS } from './link-tokens';
import { freePort } from './ports';

export const BACKEND_SERVICES = ['identity', 'tenancy', 'authorization', 'notification'] as const;
export type BackendService = (typeof BACKEND_SERVICES)[number];
export type ServiceName = BackendService | 'gateway';

export interface SystemOptions {
  /** Extra environment for every process (e.g. MULTI_TENANCY_ENABLED). */
  env?: Record<string, string>;
  /** Instances per backend service (default 1). */
  replicas?: Partial<Record<BackendService, number>>;
  /** Gateway instances (default 1); all URLs are in `gatewayUrls`. */
  gateways?: number;
  /**
   * The first gateway's port (default: a free one), for a suite that must know its public URL before the
   * services start (e.g. JWT_ISSUER=http://localhost:<port>, from which WebAuthn takes its origin).
   */
  gatewayPort?: number;
  /** Postgres server (any database name); each run creates and drops its own database there. */
  postgresUrl?: string;
  /**
   * Run on this existing database of that server instead, kept when the system stops (the benchmark at
   * scale runs on a database seeded beforehand, docs/scale.md).
   */
  existingDatabase?: string;
  /** Used only when no nats-server binary is available to start a private one. */
  natsUrl?: string;
  /**
   * A NATS cluster of this many servers (routes between them, JetStream on each) instead of one server;
   * the services get every URL and JETSTREAM_REPLICAS of that size. See `natsCluster`.
   */
  natsClusterSize?: number;
  logDir?: string;
  name?: string;
}

export interface ServiceInstance {
  service: ServiceName;
  index: number;
  process: ChildProcess;
  healthUrl: string;
  logFile: string;
}

const READY_TIMEOUT_MS = 60_000;

/** The Node flags an app asks for in its `node-flags` file (one per line, '#' comments), as every launcher passes them. */
export function nodeFlagsOf(appDir: string): string[] {
  const file = join(appDir, 'node-flags');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/**
 * Gatehouse as deployed: a private database and NATS server, then every service and the gateway as
 * separate OS processes started from the build in `dist/`. Used by e2e suites through supertest.
 */
export class TestSystem {
  readonly instances: ServiceInstance[] = [];
  gatewayUrl = '';
  readonly gatewayUrls: string[] = [];
  /**
   * The public URL: the first gateway's, its port reserved before any process starts (and kept across
   * restart()), so it is JWT_ISSUER (the provider's issuer: a browser follows its redirects to the gateway)
   * and the base of the links in emails, as in a deployment. `env` may set them otherwise.
   */
  readonly publicUrl: string;
  /** The NATS cluster, when started with `natsClusterSize` (`nats` then stands for the whole cluster). */
  natsCluster?: TestNatsCluster;
  /** GATEHOUSE_URL as it was before useForFixtures(), put back by stop(). */
  private fixturesWere?: { url: string | undefined };

  private constructor(
    readonly options: SystemOptions,
    readonly database: TestDatabase,
    readonly nats: TestNats,
    private readonly root: string,
    private readonly logDir: string,
    private readonly publicPort: number,
  ) {
    this.publicUrl = `http://127.0.0.1:${publicPort}`;
  }

  static async start(options: SystemOptions = {}): Promise<TestSystem> {
    const root = resolve(process.env.GATEHOUSE_ROOT ?? process.cwd());
    if (!existsSync(join(root, 'dist/apps/gateway/src/main.js'))) {
      throw new Error(`No build in ${root}/dist: run "npm run build" before the e2e suites`);
    }
    const logDir = resolve(options.logDir ?? join(root, 'tmp/e2e-logs', options.name ?? 'system'));
    mkdirSync(logDir, { recursive: true });
    const server = options.postgresUrl ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const database: TestDatabase = options.existingDatabase
      ? { name: options.existingDatabase, url: withDatabase(server, options.existingDatabase), drop: async () => undefined }
      : await createTestDatabase(server);
    const cluster = options.natsClusterSize ? await startTestNatsCluster(options.natsClusterSize) : undefined;
    const nats = cluster ? clusterAsOne(cluster) : await startTestNats(options.natsUrl ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
    const system = new TestSystem(options, database, nats, root, logDir, options.gatewayPort ?? (await freePort()));
    system.natsCluster = cluster;
    try {
      const starting: Array<Promise<ServiceInstance>> = [];
      for (const service of BACKEND_SERVICES) {
        for (let i = 0; i < (options.replicas?.[service] ?? 1); i++) starting.push(system.startInstance(service));
      }
      for (let i = 0; i < (options.gateways ?? 1); i++) starting.push(system.startInstance('gateway'));
      await Promise.all(starting.map((p) => p.then((instance) => system.waitReady(instance))));
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  /** Starts one more instance of a service (replicas, restarts) and waits until it is ready. */
  async addInstance(service: ServiceName): Promise<ServiceInstance> {
    return this.waitReady(await this.startInstance(service));
  }

  instancesOf(service: ServiceName): ServiceInstance[] {
    return this.instances.filter((i) => i.service === service && i.process.exitCode === null);
  }

  /**
   * Stops every process and starts the system again on the same database and NATS server, with `env`
   * merged over the original environment (e.g. switching multi-tenancy on for an instance with data).
   */
  async restart(env: Record<string, string> = {}): Promise<void> {
    await Promise.all(this.instances.map((instance) => stopProcess(instance.process)));
    this.instances.length = 0;
    this.gatewayUrls.length = 0;
    this.gatewayUrl = '';
    Object.assign(this.options, { env: { ...this.options.env, ...env } });
    const starting: Array<Promise<ServiceInstance>> = [];
    for (const service of BACKEND_SERVICES) {
      for (let i = 0; i < (this.options.replicas?.[service] ?? 1); i++) starting.push(this.startInstance(service));
    }
    for (let i = 0; i < (this.options.gateways ?? 1); i++) starting.push(this.startInstance('gateway'));
    await Promise.all(starting.map((p) => p.then((instance) => this.waitReady(instance))));
  }

  /** Kills one instance (SIGKILL by default: no goodbye, in-flight work lost) and waits for it to exit. */
  async kill(instance: ServiceInstance, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
    const exited = new Promise((r) => instance.process.once('exit', r));
    instance.process.kill(signal);
    await exited;
    if (instance.service === 'gateway') {
      const url = instance.healthUrl.replace('/health/ready', '');
      this.gatewayUrls.splice(this.gatewayUrls.indexOf(url), 1);
    }
  }

  /** Whether every instance's /health/ready answers 200 right now. */
  async allReady(): Promise<boolean> {
    const states = await Promise.all(
      this.instances.map((i) => fetch(i.healthUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)),
    );
    return states.every(Boolean);
  }

  /** Points the fixtures (api(), createUser(), ...) at this system's gateway until stop(). */
  useForFixtures(): this {
    this.fixturesWere ??= { url: process.env.GATEHOUSE_URL };
    process.env.GATEHOUSE_URL = this.gatewayUrl;
    return this;
  }

  async stop(): Promise<void> {
    if (this.fixturesWere) process.env.GATEHOUSE_URL = this.fixturesWere.url;
    await Promise.all(this.instances.map((instance) => stopProcess(instance.process)));
    await this.nats.stop().catch(() => undefined);
    await this.database.drop().catch(() => undefined);
  }

  private async startInstance(service: ServiceName): Promise<ServiceInstance> {
    // The first gateway listens at the public URL (gatewayPort when given); the others (and the services' health ports) anywhere.
    const port = service === 'gateway' && this.gatewayUrls.length === 0 ? this.publicPort : await freePort();
    const index = this.instances.filter((i) => i.service === service).length;
    const logFile = join(this.logDir, `${service}-${index}.log`);
    const out = openSync(logFile, 'w');
    const child = spawn(process.execPath, [...nodeFlagsOf(join(this.root, `dist/apps/${service}`)), join(this.root, `dist/apps/${service}/src/main.js`)], {
      cwd: this.root,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: this.database.url,
        NATS_URL: this.nats.url,
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
        HTTP_HOST: '127.0.0.1',
        ...(service === 'gateway' ? { PORT: String(port) } : { HEALTH_PORT: String(port) }),
        JWT_ISSUER: this.publicUrl,
        PUBLIC_BASE_URL: this.publicUrl,
        INVITATION_LINK_BASE: `${this.publicUrl}/ui/invitations/accept`,
        LINK_TOKEN_ENCRYPTION_KEYS: E2E_LINK_TOKEN_KEYS,
        ...(this.natsCluster ? { JETSTREAM_REPLICAS: String(this.natsCluster.nodes.length) } : {}),
        ...this.options.env,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const instance: ServiceInstance = { service, index, process: child, healthUrl: `http://127.0.0.1:${port}/health/ready`, logFile };
    this.instances.push(instance);
    if (service === 'gateway') {
      this.gatewayUrl ||= `http://127.0.0.1:${port}`;
      this.gatewayUrls.push(`http://127.0.0.1:${port}`);
    }
    return instance;
  }

  private async waitReady(instance: ServiceInstance): Promise<ServiceInstance> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (instance.process.exitCode !== null) break;
      try {
        const response = await fetch(instance.healthUrl, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return instance;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const log = existsSync(instance.logFile) ? readFileSync(instance.logFile, 'utf8').slice(-4000) : '';
    throw new Error(`${instance.service}#${instance.index} did not become ready (exit code ${instance.process.exitCode}). Log tail:\n${log}`);
  }
}

function clusterAsOne(cluster: TestNatsCluster): TestNats {
  return {
    url: cluster.url,
    monitorUrl: cluster.nodes[0].monitorUrl,
    stop: () => cluster.stop(),
    restart: async () => {
      throw new Error('a NATS cluster is restarted node by node: system.natsCluster.nodes[i].kill() / start()');
    },
  };
}

/** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
