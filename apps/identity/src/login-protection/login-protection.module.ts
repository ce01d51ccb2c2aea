import { Module } from '@nestjs/common';
import { PasswordsModule } from '../passwords/passwords.module';
import { LoginProtectionService } from './login-protection.service';
import { PasswordAuthenticator } from './password-authenticator';

@Module({
  imports: [PasswordsModule],
  providers: [LoginProtectionService, PasswordAuthenticator],
  exports: [LoginProtectionService, PasswordAuthenticator],
})
export class LoginProtectionModule {}
