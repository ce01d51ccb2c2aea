import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_STREAM } from '@gatehouse/contracts';
import { ensureEventsStream } from '@gatehouse/messaging';
import { freePort } from '@gatehouse/testing';
import { connect, NatsConnection } from 'nats';

/**
 * deploy/nats/cluster.conf (docs/deploy.md, installs without Kubernetes): three real nats-server processes run
 * the file as shipped, with authorization.conf beside it and each server's variables, on free loopback ports.
 * They form one cluster; the services' own ensureEventsStream, as the identity user with JETSTREAM_REPLICAS=3,
 * makes the events stream with a copy on every server; losing the stream's leader leaves it writable.
 */
jest.setTimeout(60_000);

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server', process.env.NATS_SERVER_BIN].find((b): b is string => !!b && existsSync(b));
const CONF = join(__dirname, '..', '..', 'deploy/nats/cluster.conf');
const PASSWORDS = Object.fromEntries(['GATEWAY', 'IDENTITY', 'TENANCY', 'AUTHORIZATION', 'NOTIFICATION', 'OPERATOR'].map((u) => [`${u}_NATS_PASSWORD`, `${u.toLowerCase()}-test-secret`]));
const CLUSTER_PASSWORD = 'route-test-secret';

interface Node {
  name: string;
  port: number;
  child: ChildProcess;
}

function start(name: string, port: number, clusterPort: number, monitorPort: number, store: string, routes: string[]): Promise<Node> {
  const child = spawn(BINARY as string, ['-c', CONF], {
    env: {
      PATH: process.env.PATH, ...PASSWORDS, NATS_CLUSTER_PASSWORD: CLUSTER_PASSWORD, NATS_SERVER_NAME: name, NATS_CLIENT_PORT: String(port),
      NATS_CLUSTER_PORT: String(clusterPort), NATS_MONITOR_PORT: String(monitorPort), NATS_STORE_DIR: store,
      NATS_ROUTE_1: routes[0], NATS_ROUTE_2: routes[1], NATS_ROUTE_3: routes[2],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        ready({ name, port, child });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code}): ${output}`));
    });
  });
}

describe('deploy/nats/cluster.conf: a 3-node NATS cluster', () => {
  let nodes: Node[] = [];
  let store: string;
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    if (!BINARY) throw new Error('nats-server is not installed (.ci/run installs it)');
    store = mkdtempSync(join(tmpdir(), 'gatehouse-nats-conf-'));
    const specs = [];
    for (const name of ['nats-1', 'nats-2', 'nats-3']) specs.push({ name, port: await freePort(), clusterPort: await freePort(), monitorPort: await freePort() });
    const routes = specs.map((s) => `nats-route://route:${CLUSTER_PASSWORD}@127.0.0.1:${s.clusterPort}`);
    nodes = await Promise.all(specs.map((s) => start(s.name, s.port, s.clusterPort, s.monitorPort, join(store, s.name), routes)));
  });

  afterAll(async () => {
    await nc?.close();
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) {
        const exited = new Promise((done) => node.child.once('exit', done));
        node.child.kill('SIGKILL');
        await exited;
      }
    }
    if (store) rmSync(store, { recursive: true, force: true });
  });

  it('forms one cluster whose events stream, made by a service with JETSTREAM_REPLICAS=3, keeps a copy on each server and outlives its leader', async () => {
    nc = await connect({ servers: nodes.map((n) => `nats://127.0.0.1:${n.port}`), user: 'identity', pass: PASSWORDS['IDENTITY_NATS_PASSWORD'], inboxPrefix: '_INBOX_identity', maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const deadline = Date.now() + 30_000;
    // A clustered JetStream answers once its meta group has elected a leader.
    for (;;) {
      try {
        await ensureEventsStream(await nc.jetstreamManager({ timeout: 2000 }), 3);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((done) => setTimeout(done, 300));
      }
    }
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(EVENTS_STREAM);
    expect(info.config.num_replicas).toBe(3);
    const servers = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort();
    expect(servers).toEqual(['nats-1', 'nats-2', 'nats-3']);
    const js = nc.jetstream();
    expect((await js.publish('events.identity.deploy-test.v1', 'one')).seq).toBe(1);
    // The authorization is the one shipped: the identity user may not publish another service's events.
    await expect(js.publish('events.tenancy.deploy-test.v1', 'x', { timeout: 2000 })).rejects.toThrow();
    // SIGKILL the stream's leader: the two others elect another, and the stream takes writes again.
    const leader = nodes.find((n) => n.name === info.cluster?.leader) as Node;
    const exited = new Promise((done) => leader.child.once('exit', done));
    leader.child.kill('SIGKILL');
    await exited;
    for (;;) {
      try {
        const ack = await js.publish('events.identity.deploy-test.v1', 'two', { timeout: 2000 });
        expect(ack.seq).toBe(2);
        break;
      } catch (error) {
        if (Date.now() > deadline + 20_000) throw error;
        await new Promise((done) => setTimeout(done, 300));
      }
    }
    expect((await jsm.streams.info(EVENTS_STREAM)).cluster?.leader).not.toBe(leader.name);
  });
});
