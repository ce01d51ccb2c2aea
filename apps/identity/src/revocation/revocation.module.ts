import { IdentityRpc, RecentRevocations } from '@gatehouse/contracts';
import { RpcHandler } from '@gatehouse/messaging';
import { Controller, Module } from '@nestjs/common';
import { Revocations } from './revocations';

@Controller()
export class RevocationHandlers {
  constructor(private readonly revocations: Revocations) {}

  @RpcHandler(IdentityRpc.recentRevocations)
  recent(): Promise<RecentRevocations> {
    return this.revocations.recent();
  }
}

@Module({ controllers: [RevocationHandlers], providers: [Revocations], exports: [Revocations] })
export class RevocationModule {}
