import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { SUPER_ADMIN } from '@gatehouse/testing';

const ROOT = resolve(__dirname, '..');

/** `--user` value of the e2e Super Admin. */
export const ROOT_USER = `${SUPER_ADMIN.username}:${SUPER_ADMIN.password}`;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of the test process without anything that would point the CLI somewhere by itself. */
function baseEnv(): Record<string, string | undefined> {
  const {
    GATEHOUSE_TOKEN: _t, GATEHOUSE_SERVER: _s, GATEHOUSE_TENANT: _n, NATS_URL: _u, NATS_USER: _nu, NATS_PASSWORD: _np,
    GATEHOUSE_OPERATOR_SOCKET: _os, GATEHOUSE_DATA_DIR: _dd, ...inherited
  } = process.env;
  return inherited;
}

function spawn(args: string[], env: Record<string, string | undefined>, input: string, as?: { uid: number; gid: number }): CliResult {
  const result = spawnSync(process.execPath, ['bin/gatehouse.js', ...args], { cwd: ROOT, env, input, encoding: 'utf8', timeout: 60_000, ...as });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the built CLI (`npm run build`) as a subprocess against the e2e gateway (GATEHOUSE_SERVER). */
export function gatehouse(args: string[], options: { input?: string; env?: Record<string, string> } = {}): CliResult {
  return spawn(args, { ...baseEnv(), GATEHOUSE_SERVER: process.env.GATEHOUSE_URL, ...options.env }, options.input ?? '');
}

/**
 * Runs the built CLI as an operator on the server host: no gateway settings at all, NATS_URL = the e2e
 * system's private NATS (which has no auth, so no NATS_USER / NATS_PASSWORD).
 */
export function operator(args: string[], options: { input?: string; env?: Record<string, string> } = {}): CliResult {
  return spawn(args, { ...baseEnv(), NATS_URL: process.env.E2E_NATS_URL, ...options.env }, options.input ?? '');
}

/**
 * Runs the built CLI as an operator on the host of a local-mode instance (`npm start`): no NATS and no
 * gateway settings, GATEHOUSE_DATA_DIR = its data folder (whose operator.sock the CLI then uses); `as`
 * runs it as another user.
 */
export function localOperator(dataDir: string, args: string[], options: { input?: string; env?: Record<string, string>; as?: { uid: number; gid: number } } = {}): CliResult {
  return spawn(args, { ...baseEnv(), GATEHOUSE_DATA_DIR: dataDir, ...options.env }, options.input ?? '', options.as);
}

/** JSON stdout of a successful run, or a failure that shows what the CLI said. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  if (result.status !== 0) throw new Error(`CLI exited ${result.status}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
