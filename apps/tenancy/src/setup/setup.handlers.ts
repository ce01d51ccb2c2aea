import { SetupRequest, SetupResult, SetupStatus, TenancyRpc } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SetupService } from './setup.service';

@Controller()
export class SetupHandlers {
  constructor(private readonly setup: SetupService) {}

  @RpcHandler(TenancyRpc.setupStatus)
  status(): Promise<SetupStatus> {
    return this.setup.status();
  }

  @RpcHandler(TenancyRpc.setup)
  run(@RpcData() request: SetupRequest): Promise<SetupResult> {
    return this.setup.run(request);
  }
}
