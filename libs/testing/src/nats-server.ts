import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort } from './ports';

export interface TestNats {
  url: string;
  /** HTTP monitoring endpoint (connz, varz) when the harness runs its own server. */
  monitorUrl: string | null;
  stop(): Promise<void>;
  /** Stops the server, runs `whileDown`, then starts it again on the same port with the same JetStream store. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

const CANDIDATES = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/**
 * A private NATS server with JetStream for one test run, so tests never share subjects, queue groups or
 * durable consumers with a system already running on this machine. Falls back to `fallbackUrl` when no
 * nats-server binary is installed.
 */
export async function startTestNats(fallbackUrl: string): Promise<TestNats> {
  const binary = CANDIDATES.find((c): c is string => !!c && existsSync(c));
  if (!binary) {
    const unavailable = async () => {
      throw new Error('restarting NATS needs the private nats-server the harness starts (no nats-server binary found)');
    };
    return { url: fallbackUrl, monitorUrl: null, stop: async () => undefined, restart: unavailable };
  }
  const [port, monitorPort] = [await freePort(), await freePort()];
  const storeDir = mkdtempSync(join(tmpdir(), 'gatehouse-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  const launch = () => launchNats(binary, url, ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', storeDir]);
  let child = await launch();
  const stopChild = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  };
  return {
    url,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    stop: async () => {
      await stopChild();
      rmSync(storeDir, { recursive: true, force: true });
    },
    restart: async (whileDown) => {
      await stopChild();
      await whileDown?.();
      child = await launch();
    },
  };
}

/** One server of a TestNatsCluster. */
export interface TestNatsNode {
  /** Its server name (what JetStream reports as a stream's leader). */
  name: string;
  url: string;
  monitorUrl: string;
  running(): boolean;
  /** SIGKILL: no goodbye to clients or the cluster. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and JetStream store. */
  start(): Promise<void>;
}

export interface TestNatsCluster {
  nodes: TestNatsNode[];
  /** Every node's URL, comma-separated (NATS_URL for the services). */
  url: string;
  stop(): Promise<void>;
}

/**
 * `size` nats-server processes with routes to each other (one cluster, JetStream on each, free ports, a
 * store each under a temporary directory): a stream created with `size` replicas survives a node's loss.
 */
export async function startTestNatsCluster(size = 3): Promise<TestNatsCluster> {
  const binary = CANDIDATES.find((c): c is string => !!c && existsSync(c));
  if (!binary) throw new Error('a NATS cluster needs the nats-server binary (NATS_SERVER_BIN)');
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-nats-cluster-'));
  const specs = [];
  for (let i = 0; i < size; i++) specs.push({ name: `n${i + 1}`, port: await freePort(), monitorPort: await freePort(), clusterPort: await freePort() });
  const routes = specs.map((s) => `nats://127.0.0.1:${s.clusterPort}`).join(',');
  const nodes = specs.map((spec): TestNatsNode & { child?: ChildProcess } => {
    const url = `nats://127.0.0.1:${spec.port}`;
    const args = [
      '-a', '127.0.0.1', '-p', String(spec.port), '-m', String(spec.monitorPort), '-js', '-sd', join(root, spec.name), '-n', spec.name,
      '--cluster_name', 'gatehouse-test', '--cluster', `nats://127.0.0.1:${spec.clusterPort}`, '--routes', routes,
    ];
    const node: TestNatsNode & { child?: ChildProcess } = {
      name: spec.name,
      url,
      monitorUrl: `http://127.0.0.1:${spec.monitorPort}`,
      running: () => !!node.child && node.child.exitCode === null && node.child.signalCode === null,
      kill: async () => {
        const child = node.child;
        if (!child || !node.running()) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      },
      start: async () => {
        node.child = await launchNats(binary, url, args);
      },
    };
    return node;
  });
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await waitForJetStreamQuorum(nodes[0].url);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A clustered JetStream answers its API only once its meta group has elected a leader. */
async function waitForJetStreamQuorum(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const nc = await connect({ servers: url });
  try {
    for (;;) {
      try {
        await (await nc.jetstreamManager({ timeout: 1000 })).getAccountInfo();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the NATS cluster's JetStream did not become available: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}

/** Starts nats-server and resolves once it accepts connections. */
async function launchNats(binary: string, url: string, args: string[]): Promise<ChildProcess> {
  const child: ChildProcess = spawn(binary, args, { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connect({ servers: url, timeout: 500 });
      await nc.close();
      return child;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${url}: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
