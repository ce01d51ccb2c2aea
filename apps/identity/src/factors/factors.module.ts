import { Module } from '@nestjs/common';
import { GrantGuardClient } from '../common/grant-guard.client';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { SuperAdminGuard } from '../users/super-admin.guard';
import { FactorResetService } from './factor-reset.service';
import { MfaPolicyService } from './mfa-policy.service';
import { FactorsHandlers } from './factors.handlers';
import { FactorsService } from './factors.service';
import { PasskeysService } from './passkeys.service';
import { SecondFactorService } from './second-factor.service';
import { SecretBox } from './secret-box';

/**
 * Second factors: TOTP, passkeys, recovery codes, the second step of a sign-in, and an administrator's reset. SecondFactorService is what
 * every sign-in path calls after the password (sessions/, and the OIDC provider's interaction).
 */
@Module({
  imports: [LoginProtectionModule],
  controllers: [FactorsHandlers],
  providers: [SecretBox, FactorsService, PasskeysService, SecondFactorService, FactorResetService, MfaPolicyService, GrantGuardClient, SuperAdminGuard],
  exports: [FactorsService, PasskeysService, SecondFactorService, MfaPolicyService],
})
export class FactorsModule {}
