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
    return { url: fallbackUrl, monitorUrl: null, stop: async () => undefined };
  }
  const [port, monitorPort] = [await freePort(), await freePort()];
  const storeDir = mkdtempSync(join(tmpdir(), 'gatehouse-nats-'));
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connect({ servers: url, timeout: 500 });
      await nc.close();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${url}: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
