import { ActForRequest, AuthorizationRpc, Caller } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { GrantGuard } from './grant-guard';

const CREDENTIAL_NAMES = { API_TOKEN: 'an API token', PASSWORD: 'a password' } as const;

@Controller()
export class GrantsHandlers {
  constructor(private readonly guard: GrantGuard) {}

  @RpcHandler(AuthorizationRpc.assertMayActFor)
  async actFor(@RpcData() request: ActForRequest, @RpcCaller() caller: Caller | null): Promise<void> {
    await this.guard.assertMayActFor(caller, request.subjectId, CREDENTIAL_NAMES[request.credential]);
  }
}
