import { Module } from '@nestjs/common';
import { RevocationModule } from '../revocation/revocation.module';
import { ServiceAccountsHandlers } from './service-accounts.handlers';
import { ServiceAccountsService } from './service-accounts.service';

@Module({
  imports: [RevocationModule],
  controllers: [ServiceAccountsHandlers],
  providers: [ServiceAccountsService],
  exports: [ServiceAccountsService],
})
export class ServiceAccountsModule {}
