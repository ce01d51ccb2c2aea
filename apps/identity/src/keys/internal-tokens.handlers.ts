import { Caller, IdentityRpc, InternalToken, IssueInternalTokenRequest } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { InternalTokenIssuer } from './internal-tokens';

@Controller()
export class InternalTokensHandlers {
  constructor(private readonly issuer: InternalTokenIssuer) {}

  /** The gateway vouches for a caller it has verified; nobody else may ask. */
  @RpcHandler(IdentityRpc.issueInternalToken)
  issue(@RpcCaller() caller: Caller | null, @RpcData() request: IssueInternalTokenRequest): Promise<InternalToken> {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Only the gateway issues internal tokens');
    return this.issuer.issue(request);
  }
}
