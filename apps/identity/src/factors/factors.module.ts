import { Module } from '@nestjs/common';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { FactorsHandlers } from './factors.handlers';
import { FactorsService } from './factors.service';
import { PasskeysService } from './passkeys.service';
import { SecondFactorService } from './second-factor.service';
import { SecretBox } from './secret-box';

/**
 * Second factors: TOTP, passkeys, recovery codes, and the second step of a sign-in. SecondFactorService is what
 * every sign-in path calls after the password (sessions/, and the OIDC provider's interaction).
 */
@Module({
  imports: [LoginProtectionModule],
  controllers: [FactorsHandlers],
  providers: [SecretBox, FactorsService, PasskeysService, SecondFactorService],
  exports: [FactorsService, PasskeysService, SecondFactorService],
})
export class FactorsModule {}
