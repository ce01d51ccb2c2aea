import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';
import { stopProcess } from './system';

const PG_BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((d) => existsSync(join(d, 'pg_ctl')));
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));

/** The standby's name, which the primary's synchronous_standby_names waits for. */
const STANDBY_NAME = 'gatehouse_standby';

/** One Postgres server of the pair. */
export interface PostgresNode {
  name: string;
  port: number;
  /** Straight to this node (not through HAProxy). */
  url: string;
  /** The postmaster's pid, while it runs. */
  pid(): number | undefined;
}

/**
 * A Postgres primary with a synchronous streaming standby (pg_basebackup -R), each a private cluster on
 * a free port, and Debian's HAProxy in front running deploy/postgres-ha/haproxy.cfg: `url` reaches
 * whichever node is not in recovery. Postgres refuses to run as root, so as root it runs as `postgres`.
 * fsync is off: the tests kill processes, not machines (the page cache survives).
 */
export interface PostgresHa {
  primary: PostgresNode;
  standby: PostgresNode;
  /** Through HAProxy: the one address the services are given. */
  url: string;
  /** SIGKILL of the primary's postmaster and every backend at once, as the loss of its host. */
  killPrimary(): void;
  /** `pg_ctl promote`, as the operator (or CloudNativePG) does; resolves once the standby accepts writes. */
  promoteStandby(): void;
  /**
   * Stops HAProxy (SIGTERM: every session closed at once) and starts it again with the same configuration,
   * as an operator restarting it does; resolves once it listens, before its first checks have run.
   */
  restartHaproxy(): Promise<void>;
  /** A node's server log so far. */
  logOf(node: PostgresNode): string;
  /** How HAProxy sees each node now (`UP`, `DOWN`), from its stats socket. */
  haproxyStates(): Promise<Record<string, string>>;
  /** HAProxy's statistics of each node (`status`, `check_status`, `last_chk`, `check_duration`, ...). */
  haproxyStats(): Promise<Record<string, Record<string, string>>>;
  stop(): Promise<void>;
}

/** A temporary directory for private Postgres clusters, and how to run Postgres's programs on it. */
export interface PostgresWorkspace {
  dir: string;
  /** Runs one of Postgres's programs (`initdb`, `pg_ctl`, ...) to completion; throws with its output if it fails. */
  run(command: string, args: string[]): string;
}

/**
 * A directory under the system's temporary one for private Postgres clusters (the benchmarks' and the
 * failover suite's). Postgres refuses to run as root, so as root the directory is given to the `postgres`
 * user and the programs run as that user.
 */
export function postgresWorkspace(prefix: string): PostgresWorkspace {
  const bin = PG_BIN;
  if (!bin) throw new Error('no Postgres server binaries under /usr/lib/postgresql/*/bin');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0) throw new Error('running as root and there is no postgres user to run Postgres as');
    chownSync(dir, Number(uid.stdout), Number(gid.stdout));
  }
  return {
    dir,
    run: (command, args) => {
      const line = [join(bin, command), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const result = asRoot ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', line], { encoding: 'utf8' }) : spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
      return result.stdout;
    },
  };
}

export async function startPostgresHa(root = process.env.GATEHOUSE_ROOT ?? process.cwd()): Promise<PostgresHa> {
  if (!HAPROXY) throw new Error('no haproxy binary (Debian package haproxy; .ci/run installs it)');
  const { dir, run } = postgresWorkspace('gatehouse-pg-ha-');
  const [primaryPort, standbyPort, haproxyPort] = [await freePort(), await freePort(), await freePort()];
  const node = (name: string, port: number): PostgresNode & { data: string } => {
    const data = join(dir, name);
    return {
      name,
      port,
      data,
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      pid: () => {
        const file = join(data, 'postmaster.pid');
        return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
      },
    };
  };
  const primary = node('primary', primaryPort);
  const standby = node('standby', standbyPort);
  const common = `-k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = (n: typeof primary, options: string) => run('pg_ctl', ['-D', n.data, '-o', `-p ${n.port} ${common} ${options}`, '-l', join(dir, `${n.name}.log`), '-w', 'start']);
  let haproxy: ChildProcess | undefined;
  const primaryProcesses = new Set<number>();

  const stop = async () => {
    if (haproxy) await stopProcess(haproxy);
    for (const n of [standby, primary]) {
      if (n.pid() !== undefined) {
        try {
          run('pg_ctl', ['-D', n.data, '-m', 'immediate', '-w', 'stop']);
        } catch {
          // already gone (a killed primary leaves its pid file behind)
        }
      }
    }
    for (const pid of primaryProcesses) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    run('initdb', ['-D', primary.data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    // Synchronous replication: a commit is acknowledged (and visible to other sessions) only once the
    // standby has its WAL, so a write a client saw succeed survives the primary's loss.
    start(primary, `-c wal_level=replica -c max_wal_senders=5 -c synchronous_commit=on -c synchronous_standby_names=${STANDBY_NAME}`);
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', standby.data, '-R', '-X', 'stream', '--no-sync']);
    // The standby carries no synchronous_standby_names: once promoted with no standby of its own, it must
    // not wait for one (a new standby would be added and named by the operator).
    start(standby, `-c cluster_name=${STANDBY_NAME} -c hot_standby=on`);
    await waitFor(async () => {
      const rows = await queryOnce(primary.url, `SELECT sync_state FROM pg_stat_replication WHERE application_name = $1`, [STANDBY_NAME]);
      return rows[0]?.sync_state === 'sync';
    }, 30_000, 'the standby to stream synchronously from the primary');

    const socket = join(dir, 'haproxy.sock');
    const config = readFileSync(resolve(root, 'deploy/postgres-ha/haproxy.cfg'), 'utf8')
      .replace(/^global\n/m, `global\n    stats socket ${socket} mode 600 level admin\n`)
      .replace(/bind :5432/, `bind 127.0.0.1:${haproxyPort}`)
      .replace(/external-check command \S+/, `external-check command ${resolve(root, 'deploy/postgres-ha/pg-primary-check')}`)
      .replace(/server pg-a \S+/, `server pg-a 127.0.0.1:${primary.port}`)
      .replace(/server pg-b \S+/, `server pg-b 127.0.0.1:${standby.port}`);
    const configFile = join(dir, 'haproxy.cfg');
    writeFileSync(configFile, config);
    const startHaproxy = async () => {
      const out = openSync(join(dir, 'haproxy.log'), 'a');
      const child = spawn(HAPROXY, ['-db', '-f', configFile], { stdio: ['ignore', out, out] });
      closeSync(out);
      haproxy = child;
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited: ${readFileSync(join(dir, 'haproxy.log'), 'utf8').slice(-2000)}`);
        return portOpen(haproxyPort);
      }, 10_000, 'HAProxy to listen');
    };
    await startHaproxy();
    const url = `postgres://postgres@127.0.0.1:${haproxyPort}/postgres`;

    const haproxyStats = async (): Promise<Record<string, Record<string, string>>> => {
      const csv = await new Promise<string>((done, fail) => {
        let text = '';
        const c = createConnection(socket, () => c.end('show stat\n'));
        c.on('data', (d) => (text += d.toString()));
        c.on('end', () => done(text));
        c.on('error', fail);
      });
      const [header, ...lines] = csv.split('\n');
      const names = header.replace(/^# /, '').split(',');
      const rows = lines.filter((l) => l.startsWith('postgres-rw,pg-')).map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
      return Object.fromEntries(rows.map((row) => [row.svname, row]));
    };
    const haproxyStates = async () => Object.fromEntries(Object.entries(await haproxyStats()).map(([name, row]) => [name, row.status]));

    // HAProxy starts with every server up and marks the standby down after its first failed checks
    await waitFor(async () => {
      const states = await haproxyStates().catch(() => ({}) as Record<string, string>);
      return states['pg-a'] === 'UP' && states['pg-b']?.startsWith('DOWN') === true;
    }, 30_000, 'HAProxy to route to the primary only');

    return {
      primary,
      standby,
      url,
      killPrimary: () => {
        const pid = primary.pid();
        if (!pid) throw new Error('the primary is not running');
        const children = childrenOf(pid);
        for (const p of [pid, ...children]) {
          primaryProcesses.add(p);
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // exited meanwhile
          }
        }
      },
      promoteStandby: () => void run('pg_ctl', ['-D', standby.data, '-w', 'promote']),
      restartHaproxy: async () => {
        if (haproxy) await stopProcess(haproxy);
        await startHaproxy();
      },
      logOf: (n) => readFileSync(join(dir, `${n.name}.log`), 'utf8'),
      haproxyStates,
      haproxyStats,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The pids whose parent is `pid` (the postmaster's backends and auxiliary processes), from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // the parent pid is the 2nd field after the command, which is in parentheses and may hold spaces
        return Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection(port, '127.0.0.1', () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });
}

async function queryOnce(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return (await client.query(sql, params)).rows;
  } catch {
    return [];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
