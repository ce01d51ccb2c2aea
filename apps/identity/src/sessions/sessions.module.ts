import { Module } from '@nestjs/common';
import { FactorsModule } from '../factors/factors.module';
import { GrantGuardClient } from '../common/grant-guard.client';
import { KeysModule } from '../keys/keys.module';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { RevocationModule } from '../revocation/revocation.module';
import { SuperAdminGuard } from '../users/super-admin.guard';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsService } from './sessions.service';
import { UserSessionsService } from './user-sessions.service';

@Module({
  imports: [FactorsModule, KeysModule, LoginProtectionModule, RevocationModule],
  controllers: [SessionsHandlers],
  providers: [SessionsService, UserSessionsService, GrantGuardClient, SuperAdminGuard],
  exports: [SessionsService],
})
export class SessionsModule {}
