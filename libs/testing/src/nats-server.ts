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
