import { linkTokenSealerProvider } from '@gatehouse/database';
import { Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { IdentityEnv } from '../identity.env';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { RevocationModule } from '../revocation/revocation.module';
import { UsersModule } from '../users/users.module';
import { PasswordFlowsHandlers } from './password-flows.handlers';
import { PasswordFlowsService } from './password-flows.service';

@Module({
  imports: [PasswordsModule, LoginProtectionModule, RevocationModule, UsersModule],
  controllers: [PasswordFlowsHandlers],
  providers: [PasswordFlowsService, GrantGuardClient, linkTokenSealerProvider(IdentityEnv)],
})
export class PasswordFlowsModule {}
