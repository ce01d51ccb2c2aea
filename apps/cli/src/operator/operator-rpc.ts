import { resolve } from 'node:path';
import { DEFAULT_LOCAL_DATA_DIR, OPERATOR_SOCKET_FILE, type RpcDefinition } from '@gatehouse/contracts';

export const DEFAULT_NATS_URL = 'nats://localhost:4222';

/**
 * Where the operator commands go: NATS as the `operator` user (NATS_URL, NATS_USER, NATS_PASSWORD), or
 * local mode's operator socket on this host (GATEHOUSE_OPERATOR_SOCKET, or found in its data folder).
 */
export type OperatorTarget = NatsTarget | SocketTarget;

export interface NatsTarget {
  kind: 'nats';
  url: string;
  user?: string;
  password?: string;
  /** Where local mode's socket was looked for, and not found (NATS_URL unset). */
  localSocket?: string;
}

export interface SocketTarget {
  kind: 'socket';
  /** Absolute. */
  path: string;
}

/**
 * Typed request-reply to the services, as the trusted internal caller `cli` (the services skip
 * escalation checks for it: only holders of the NATS operator credentials, or the owner of local
 * mode's operator socket, can send these). Refusals come back as an ApiError carrying the service's problem.
 */
export interface OperatorRpc {
  call<Req, Res>(definition: RpcDefinition<Req, Res>, data: Req, tenantId?: string | null): Promise<Res>;
  close(): Promise<void>;
}

export type OperatorConnector = (target: OperatorTarget) => Promise<OperatorRpc>;

const USE_LOCAL_MODE_USER = 'the socket is its owner\'s only: run the command on that host as the user that runs local mode';
const NOT_LISTENING = 'local mode is not running (a crashed one leaves its socket behind; the next start replaces it)';

/** A socket that could not be reached, by the error's code: what happened, and what the operator can do about it. */
export const SOCKET_ERRORS: Record<string, { said?: string; hint: string }> = {
  ENOENT: {
    said: 'no such file',
    hint: 'is local mode (npm start) running? Its socket is <data folder>/operator.sock: set GATEHOUSE_DATA_DIR to its data folder ' +
      '(default .data, from where it was started) or GATEHOUSE_OPERATOR_SOCKET to the socket; for NATS, unset GATEHOUSE_OPERATOR_SOCKET and set NATS_URL',
  },
  ECONNREFUSED: { said: 'nobody listens on it', hint: NOT_LISTENING },
  ENOTSOCK: { said: 'not a socket', hint: NOT_LISTENING },
  EACCES: { said: 'permission denied', hint: USE_LOCAL_MODE_USER },
  EPERM: { said: 'permission denied', hint: USE_LOCAL_MODE_USER },
  ENAMETOOLONG: { hint: 'give a shorter path (GATEHOUSE_DATA_DIR or GATEHOUSE_OPERATOR_SOCKET)' },
};

/** The services could not be reached: NATS down or refusing the credentials, or local mode's socket missing or forbidden. */
export class OperatorUnreachableError extends Error {
  constructor(readonly target: OperatorTarget, readonly reason: string, readonly code = '', readonly authentication = false) {
    super(OperatorUnreachableError.describe(target, reason, authentication));
    this.name = 'OperatorUnreachableError';
  }

  private static describe(target: OperatorTarget, reason: string, authentication: boolean): string {
    const why = reason ? ` (${reason})` : '';
    if (target.kind === 'socket') return `cannot reach local mode's operator socket at ${target.path}${why}`;
    const url = displayNatsUrl(target.url);
    return authentication ? `NATS at ${url} refused the credentials${why}` : `cannot reach NATS at ${url}${why}`;
  }

  get hint(): string {
    const { target } = this;
    if (target.kind === 'socket') return SOCKET_ERRORS[this.code]?.hint ?? 'is local mode (npm start) running on this host, as this user?';
    if (this.authentication) return 'set NATS_USER and NATS_PASSWORD to the operator user of the NATS configuration (deploy/nats/authorization.conf)';
    const local = target.localSocket
      ? `; for local mode (npm start), which has no NATS: no operator socket at ${target.localSocket}, set GATEHOUSE_DATA_DIR to its data folder`
      : '';
    return `is NATS running? Set NATS_URL (default ${DEFAULT_NATS_URL}); operator commands run on a server host, without the gateway${local}`;
  }
}

/** A NATS URL list without credentials, for messages. */
export function displayNatsUrl(url: string): string {
  return url
    .split(',')
    .map((one) => one.trim().replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1'))
    .join(',');
}

/**
 * GATEHOUSE_OPERATOR_SOCKET when set; else, with NATS_URL unset, local mode's socket in its data folder
 * (GATEHOUSE_DATA_DIR, default .data) when `socketAt` finds something there; else NATS.
 */
export function operatorTargetFromEnv(env: Record<string, string | undefined>, socketAt: (path: string) => boolean): OperatorTarget {
  if (env.GATEHOUSE_OPERATOR_SOCKET) return { kind: 'socket', path: resolve(env.GATEHOUSE_OPERATOR_SOCKET) };
  const nats: NatsTarget = { kind: 'nats', url: env.NATS_URL || DEFAULT_NATS_URL, user: env.NATS_USER || undefined, password: env.NATS_PASSWORD || undefined };
  if (env.NATS_URL) return nats;
  const localSocket = resolve(env.GATEHOUSE_DATA_DIR || DEFAULT_LOCAL_DATA_DIR, OPERATOR_SOCKET_FILE);
  return socketAt(localSocket) ? { kind: 'socket', path: localSocket } : { ...nats, localSocket };
}
