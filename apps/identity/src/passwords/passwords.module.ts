import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicyService } from './password-policy';
import { PasswordsHandlers } from './passwords.handlers';

@Module({
  controllers: [PasswordsHandlers],
  providers: [PasswordHasher, PasswordPolicyService],
  exports: [PasswordHasher, PasswordPolicyService],
})
export class PasswordsModule {}
