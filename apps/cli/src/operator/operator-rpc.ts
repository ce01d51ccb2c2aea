import type { RpcDefinition } from '@gatehouse/contracts';

export const DEFAULT_NATS_URL = 'nats://localhost:4222';

/** Where and as whom the operator commands connect: NATS_URL, NATS_USER, NATS_PASSWORD (the `operator` user). */
export interface NatsTarget {
  url: string;
  user?: string;
  password?: string;
}

/**
 * Typed request-reply to the services, as the trusted internal caller `cli` (the services skip
 * escalation checks for it: only holders of the NATS operator credentials can send these).
 * Refusals come back as an ApiError carrying the service's problem.
 */
export interface OperatorRpc {
  call<Req, Res>(definition: RpcDefinition<Req, Res>, data: Req, tenantId?: string | null): Promise<Res>;
  close(): Promise<void>;
}

export type OperatorConnector = (target: NatsTarget) => Promise<OperatorRpc>;

/** NATS could not be reached, or refused the credentials. */
export class NatsUnreachableError extends Error {
  constructor(readonly url: string, readonly reason: string, readonly authentication = false) {
    super(authentication ? `NATS at ${url} refused the credentials (${reason})` : `cannot reach NATS at ${url}${reason ? ` (${reason})` : ''}`);
    this.name = 'NatsUnreachableError';
  }

  get hint(): string {
    return this.authentication
      ? 'set NATS_USER and NATS_PASSWORD to the operator user of the NATS configuration (deploy/nats/nats-server.conf)'
      : 'is NATS running? Set NATS_URL (default nats://localhost:4222); operator commands run on a server host, without the gateway';
  }
}

/** A NATS URL list without credentials, for messages. */
export function displayNatsUrl(url: string): string {
  return url
    .split(',')
    .map((one) => one.trim().replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1'))
    .join(',');
}

export function natsTargetFromEnv(env: Record<string, string | undefined>): NatsTarget {
  return { url: env.NATS_URL || DEFAULT_NATS_URL, user: env.NATS_USER || undefined, password: env.NATS_PASSWORD || undefined };
}
