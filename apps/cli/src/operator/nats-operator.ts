import { Caller, RpcDefinition } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { NatsClient, natsConnectionOptions, RpcClient } from '@gatehouse/messaging';
import { Logger } from '@nestjs/common';
import { ApiError } from '../http-client';
import { displayNatsUrl, NatsTarget, NatsUnreachableError, OperatorRpc } from './operator-rpc';

const CALLER: Caller = { type: 'SERVICE', id: 'cli', via: 'internal' };
const CONNECT_TIMEOUT_MS = 5000;
/** Operator commands may provision (tenant creation is a saga): more patience than a service's default. */
const REQUEST_TIMEOUT_MS = 30_000;

function reasonOf(error: unknown): { reason: string; authentication: boolean } {
  const code = (error as { code?: string })?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const authentication = /AUTHORIZATION_VIOLATION|AUTHENTICATION/i.test(code) || /authorization violation|authentication/i.test(message);
  return { reason: code && code !== message ? `${code}: ${message}` : message, authentication };
}

/** The real connector: one NATS connection for the command, RpcClient over it, closed afterwards. */
export async function connectOperator(target: NatsTarget): Promise<OperatorRpc> {
  // The CLI is no Nest application: the library classes' own logging would only add noise.
  Logger.overrideLogger(false);
  const natsClient = new NatsClient();
  const options = natsConnectionOptions(
    { NATS_URL: target.url, NATS_USER: target.user, NATS_PASSWORD: target.password },
    'cli',
    'gatehouse-cli',
  );
  try {
    await natsClient.connect({ ...options, reconnect: false, maxReconnectAttempts: 0, timeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    const { reason, authentication } = reasonOf(error);
    throw new NatsUnreachableError(displayNatsUrl(target.url), reason, authentication);
  }
  const rpc = new RpcClient(natsClient);
  rpc.defaultTimeoutMs = REQUEST_TIMEOUT_MS;
  return {
    async call<Req, Res>(definition: RpcDefinition<Req, Res>, data: Req, tenantId?: string | null): Promise<Res> {
      try {
        return await rpc.request(definition, { caller: CALLER, tenantId, data });
      } catch (error) {
        if (error instanceof ProblemException) throw new ApiError(error.problem);
        throw error;
      }
    },
    async close(): Promise<void> {
      await natsClient.nc.drain().catch(() => undefined);
    },
  };
}
