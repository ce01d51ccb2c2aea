import { linkTokenSealerProvider } from '@gatehouse/database';
import { Module } from '@nestjs/common';
import { IdentityEnv } from '../identity.env';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { EmailLinks } from './email-links';
import { EmailVerificationHandlers } from './email-verification.handlers';
import { EmailVerificationService } from './email-verification.service';

/** Email verification and change: confirmation links, the pending email, resend (docs/accounts.md). */
@Module({
  imports: [PasswordsModule, LoginProtectionModule],
  controllers: [EmailVerificationHandlers],
  providers: [EmailVerificationService, EmailLinks, linkTokenSealerProvider(IdentityEnv)],
  exports: [EmailLinks],
})
export class EmailVerificationModule {}
