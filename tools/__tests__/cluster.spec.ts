import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface Instance {
  name: string;
  service: string;
  healthUrl: string;
  child: { pid: number; exitCode: number | null; signalCode: string | null; kill(signal: string): boolean };
}
interface Cluster {
  instances: Instance[];
  restarts: number;
  stop(graceMs?: number): Promise<void>;
}
// tools/cluster.js is plain Node (it runs before anything is built)
const { startCluster } = require('../cluster') as { startCluster(options: Record<string, unknown>): Promise<Cluster> };

const STAND_IN = join(__dirname, 'fixtures', 'stand-in-service.js');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const options = (env: Record<string, string> = {}) => ({
  basePort: null, env: { PATH: process.env.PATH ?? '', ...env }, databaseUrl: 'postgres://unused', natsUrl: 'nats://unused',
  output: 'ignore', restart: true, entry: () => STAND_IN,
});
async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const ready = (url: string) => fetch(url).then((r) => r.ok, () => false);

describe('tools/cluster.js (npm run start:services)', () => {
  it('starts an instance that dies again on its port, and none once stopped', async () => {
    const cluster = await startCluster(options());
    try {
      const identity = cluster.instances.find((i) => i.service === 'identity') as Instance;
      const first = identity.child.pid;
      identity.child.kill('SIGKILL');
      await eventually(async () => identity.child.pid !== first && (await ready(identity.healthUrl)));
      expect(cluster.restarts).toBe(1);
      expect(alive(first)).toBe(false);
    } finally {
      await cluster.stop(2000);
    }
    const pids = cluster.instances.map((i) => i.child.pid);
    await new Promise((r) => setTimeout(r, 1500)); // past the first back-off: nothing comes back
    expect(pids.filter(alive)).toEqual([]);
    expect(cluster.restarts).toBe(1);
  }, 30_000);

  it('leaves nothing running when stopped (Ctrl-C) before every instance is ready', async () => {
    const controller = new AbortController();
    const starting = startCluster({ ...options({ STAND_IN_READY_AFTER_MS: '60000' }), signal: controller.signal });
    await new Promise((r) => setTimeout(r, 700));
    const seen = execFileSync('pgrep', ['-f', STAND_IN]).toString().trim().split('\n').map(Number);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    controller.abort();
    await expect(starting).rejects.toThrow('stopped before it started');
    await eventually(() => seen.every((pid) => !alive(pid)));
  }, 30_000);
});
