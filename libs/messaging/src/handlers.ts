import { Caller, RpcDefinition, RpcEnvelope } from '@gatehouse/contracts';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

/** Serves one request-reply contract (the subject comes from libs/contracts, never a string here). */
export function RpcHandler<Req, Res>(definition: RpcDefinition<Req, Res>): MethodDecorator {
  return MessagePattern(definition.subject);
}

const envelopeOf = (ctx: ExecutionContext): RpcEnvelope => ctx.switchToRpc().getData() as RpcEnvelope;

/** The request's `data`, validated against the parameter's DTO class by DtoValidationPipe. */
export const RpcData = createParamDecorator((_: unknown, ctx: ExecutionContext) => envelopeOf(ctx).data ?? {});

/** The verified caller the gateway (or a peer service) put on the message; null for anonymous requests. */
export const RpcCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller | null => envelopeOf(ctx).caller ?? null);

/** The tenant the request addresses: a tenant id, null for the default tenant. */
export const RpcTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): string | null | undefined => envelopeOf(ctx).tenantId);
