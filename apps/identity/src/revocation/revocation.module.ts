import { IdentityRpc, RecentRevocations, RecentRevocationsQuery } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller, Module } from '@nestjs/common';
import { Revocations } from './revocations';

@Controller()
export class RevocationHandlers {
  constructor(private readonly revocations: Revocations) {}

  @RpcHandler(IdentityRpc.recentRevocations)
  recent(@RpcData() request: RecentRevocationsQuery): Promise<RecentRevocations> {
    return this.revocations.recent(request.after);
  }
}

@Module({ controllers: [RevocationHandlers], providers: [Revocations], exports: [Revocations] })
export class RevocationModule {}
