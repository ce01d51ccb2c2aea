import { Caller, RpcDefinition } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { connectOperatorSocket } from '@gatehouse/local-transport';
import { NatsClient, natsConnectionOptions, RpcClient } from '@gatehouse/messaging';
import { Logger } from '@nestjs/common';
import { ConnectionOptions } from 'nats';
import { ApiError } from '../http-client';
import { OperatorRpc, OperatorTarget, OperatorUnreachableError, SOCKET_ERRORS } from './operator-rpc';

const CALLER: Caller = { type: 'SERVICE', id: 'cli', via: 'internal' };
const CONNECT_TIMEOUT_MS = 5000;
/** Operator commands may provision (tenant creation is a saga): more patience than a service's default. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Why the connection failed, in a word or two; NATS refusing the credentials is told apart. */
function unreachable(target: OperatorTarget, error: unknown): OperatorUnreachableError {
  const code = (error as { code?: string })?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (target.kind === 'socket') {
    // Node's message repeats the code and the path: "connect ENOENT /path/operator.sock".
    return new OperatorUnreachableError(target, code ? `${code}: ${SOCKET_ERRORS[code]?.said ?? message}` : message, code);
  }
  const authentication = /AUTHORIZATION_VIOLATION|AUTHENTICATION/i.test(code) || /authorization violation|authentication/i.test(message);
  return new OperatorUnreachableError(target, code && code !== message ? `${code}: ${message}` : message, code, authentication);
}

/**
 * The real connector: one NatsClient for the command, on NATS or on local mode's operator socket (a
 * NatsConnection too, see @gatehouse/local-transport), RpcClient over it, closed afterwards.
 */
export async function connectOperator(target: OperatorTarget): Promise<OperatorRpc> {
  // The CLI is no Nest application: the library classes' own logging would only add noise.
  Logger.overrideLogger(false);
  let natsClient: NatsClient;
  let options: ConnectionOptions;
  if (target.kind === 'socket') {
    natsClient = new NatsClient(() => connectOperatorSocket(target.path, { timeoutMs: CONNECT_TIMEOUT_MS }));
    options = {};
  } else {
    natsClient = new NatsClient();
    const settings = { NATS_URL: target.url, NATS_USER: target.user, NATS_PASSWORD: target.password };
    options = { ...natsConnectionOptions(settings, 'cli', 'gatehouse-cli'), reconnect: false, maxReconnectAttempts: 0, timeout: CONNECT_TIMEOUT_MS };
  }
  try {
    await natsClient.connect(options);
  } catch (error) {
    throw unreachable(target, error);
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
