import { Caller, SetupRequest, SetupResult, SetupStatus, SyncAccessResult, TenancyRpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SetupService } from './setup.service';
import { SyncAccessService } from './sync-access.service';

@Controller()
export class SetupHandlers {
  constructor(private readonly setup: SetupService, private readonly syncAccessService: SyncAccessService) {}

  @RpcHandler(TenancyRpc.setupStatus)
  status(): Promise<SetupStatus> {
    return this.setup.status();
  }

  @RpcHandler(TenancyRpc.syncAccess)
  syncAccess(@RpcCaller() caller: Caller | null): Promise<SyncAccessResult> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('sync-access is an operator command');
    return this.syncAccessService.run();
  }

  @RpcHandler(TenancyRpc.setup)
  run(@RpcData() request: SetupRequest): Promise<SetupResult> {
    return this.setup.run(request);
  }
}
