import {
  Caller, IdentityRpc, LoginRequest, LogoutRequest, RefreshRequest, ResolvedCredential, TokenPair, VerifyBasicRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { RpcIp } from '../common/envelope';
import { SessionsService } from './sessions.service';

@Controller()
export class SessionsHandlers {
  constructor(private readonly sessions: SessionsService) {}

  @RpcHandler(IdentityRpc.login)
  login(@RpcData() request: LoginRequest, @RpcIp() ip: string | null): Promise<TokenPair> {
    return this.sessions.login(request, ip);
  }

  @RpcHandler(IdentityRpc.refresh)
  refresh(@RpcData() request: RefreshRequest): Promise<TokenPair> {
    return this.sessions.refresh(request.refreshToken);
  }

  @RpcHandler(IdentityRpc.logout)
  async logout(@RpcData() request: LogoutRequest, @RpcCaller() caller: Caller | null, @RpcIp() ip: string | null): Promise<void> {
    await this.sessions.logout(caller, request.refreshToken, ip);
  }

  @RpcHandler(IdentityRpc.verifyBasic)
  verifyBasic(@RpcData() request: VerifyBasicRequest, @RpcCaller() caller: Caller | null): Promise<ResolvedCredential> {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Only the gateway verifies credentials');
    return this.sessions.verifyBasic(request);
  }
}
