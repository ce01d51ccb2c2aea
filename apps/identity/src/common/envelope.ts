import { RpcEnvelope } from '@gatehouse/contracts';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The client's IP address as seen by the gateway (also for anonymous requests); null for internal calls. */
export const RpcIp = createParamDecorator((_: unknown, ctx: ExecutionContext): string | null => {
  const envelope = ctx.switchToRpc().getData() as RpcEnvelope;
  return envelope.ip ?? envelope.caller?.ip ?? null;
});

/** The client's User-Agent as the gateway forwarded it (sessions record it); null when none. */
export const RpcUserAgent = createParamDecorator((_: unknown, ctx: ExecutionContext): string | null => {
  const envelope = ctx.switchToRpc().getData() as RpcEnvelope;
  return typeof envelope.userAgent === 'string' ? envelope.userAgent.slice(0, 512) : null;
});
