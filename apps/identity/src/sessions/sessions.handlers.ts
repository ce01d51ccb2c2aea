import {
  Caller, CompleteMfaLoginRequest, EndedSessions, FactorsRpc, IdentityRpc, ListSessionsRequest, ListUserSessionsRequest, LoginRequest, LogoutRequest, Page, PasskeyLoginRequest, PasskeyOptions, RefreshRequest,
  ResolvedCredential, SessionIdRequest, SessionView, TokenPair, UserIdRequest, UserSessionIdRequest, VerifyBasicRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { RpcIp, RpcUserAgent } from '../common/envelope';
import { assertNoInput } from '../common/no-input';
import { PasskeysService } from '../factors/passkeys.service';
import { SessionsService } from './sessions.service';
import { UserSessionsService } from './user-sessions.service';

@Controller()
export class SessionsHandlers {
  constructor(
    private readonly sessions: SessionsService,
    private readonly userSessions: UserSessionsService,
    private readonly passkeys: PasskeysService,
  ) {}

  @RpcHandler(IdentityRpc.login)
  login(@RpcData() request: LoginRequest, @RpcIp() ip: string | null, @RpcUserAgent() userAgent: string | null): Promise<TokenPair> {
    return this.sessions.login(request, ip, userAgent);
  }

  @RpcHandler(FactorsRpc.completeLogin)
  completeLogin(@RpcData() request: CompleteMfaLoginRequest, @RpcIp() ip: string | null, @RpcUserAgent() userAgent: string | null): Promise<TokenPair> {
    return this.sessions.completeMfaLogin(request, ip, userAgent);
  }

  @RpcHandler(FactorsRpc.startStepUp)
  startStepUp(@RpcCaller() caller: Caller | null, @RpcData() request: Record<string, unknown>) {
    assertNoInput(request);
    return this.sessions.startStepUp(caller);
  }

  @RpcHandler(FactorsRpc.stepUp)
  stepUp(@RpcCaller() caller: Caller | null, @RpcData() request: CompleteMfaLoginRequest, @RpcIp() ip: string | null) {
    return this.sessions.stepUp(caller, request, ip);
  }

  @RpcHandler(FactorsRpc.passkeyLoginOptions)
  passkeyLoginOptions(@RpcData() request: Record<string, unknown>): Promise<PasskeyOptions> {
    assertNoInput(request);
    return this.passkeys.loginOptions();
  }

  @RpcHandler(FactorsRpc.passkeyLogin)
  passkeyLogin(@RpcData() request: PasskeyLoginRequest, @RpcIp() ip: string | null, @RpcUserAgent() userAgent: string | null): Promise<TokenPair> {
    return this.sessions.passkeyLogin(request, ip, userAgent);
  }

  @RpcHandler(IdentityRpc.refresh)
  refresh(@RpcData() request: RefreshRequest, @RpcIp() ip: string | null, @RpcUserAgent() userAgent: string | null): Promise<TokenPair> {
    return this.sessions.refresh(request.refreshToken, ip, userAgent);
  }

  @RpcHandler(IdentityRpc.listMySessions)
  listMySessions(@RpcCaller() caller: Caller | null, @RpcData() request: ListSessionsRequest): Promise<Page<SessionView>> {
    return this.userSessions.listOwn(caller, request);
  }

  @RpcHandler(IdentityRpc.endMySession)
  endMySession(@RpcCaller() caller: Caller | null, @RpcData() request: SessionIdRequest): Promise<void> {
    return this.userSessions.endOwn(caller, request.sessionId);
  }

  @RpcHandler(IdentityRpc.endMyOtherSessions)
  endMyOtherSessions(@RpcCaller() caller: Caller | null): Promise<EndedSessions> {
    return this.userSessions.endOthers(caller);
  }

  @RpcHandler(IdentityRpc.listUserSessions)
  listUserSessions(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListUserSessionsRequest) {
    const { id, ...query } = request;
    return this.userSessions.listForUser(caller, tenantId, id, query);
  }

  @RpcHandler(IdentityRpc.endUserSession)
  endUserSession(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserSessionIdRequest) {
    return this.userSessions.endForUser(caller, tenantId, request.id, request.sessionId);
  }

  @RpcHandler(IdentityRpc.endUserSessions)
  endUserSessions(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserIdRequest) {
    return this.userSessions.endAllForUser(caller, tenantId, request.id);
  }

  @RpcHandler(IdentityRpc.logout)
  async logout(@RpcCaller() caller: Caller | null, @RpcData() request: LogoutRequest, @RpcIp() ip: string | null): Promise<void> {
    await this.sessions.logout(caller, request.refreshToken, ip);
  }

  @RpcHandler(IdentityRpc.verifyBasic)
  verifyBasic(@RpcCaller() caller: Caller | null, @RpcData() request: VerifyBasicRequest): Promise<ResolvedCredential> {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Only the gateway verifies credentials');
    return this.sessions.verifyBasic(request);
  }
}
