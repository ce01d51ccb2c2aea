import { IdentityRpc, LoginRequest, LogoutRequest, RefreshRequest, TokenPair } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SessionsService } from './sessions.service';

@Controller()
export class SessionsHandlers {
  constructor(private readonly sessions: SessionsService) {}

  @RpcHandler(IdentityRpc.login)
  login(@RpcData() request: LoginRequest): Promise<TokenPair> {
    return this.sessions.login(request);
  }

  @RpcHandler(IdentityRpc.refresh)
  refresh(@RpcData() request: RefreshRequest): Promise<TokenPair> {
    return this.sessions.refresh(request.refreshToken);
  }

  @RpcHandler(IdentityRpc.logout)
  async logout(@RpcData() request: LogoutRequest): Promise<void> {
    await this.sessions.logout(request.refreshToken);
  }
}
