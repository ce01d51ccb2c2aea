import { Module } from '@nestjs/common';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { EmailLinks } from './email-links';
import { EmailVerificationHandlers } from './email-verification.handlers';
import { EmailVerificationService } from './email-verification.service';

/** Email verification and change: confirmation links, the pending email, resend (docs/accounts.md). */
@Module({
  imports: [PasswordsModule, LoginProtectionModule],
  controllers: [EmailVerificationHandlers],
  providers: [EmailVerificationService, EmailLinks],
  exports: [EmailLinks],
})
export class EmailVerificationModule {}
