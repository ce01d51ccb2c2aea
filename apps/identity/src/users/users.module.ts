import { Module } from '@nestjs/common';
import { EmailVerificationModule } from '../email-verification/email-verification.module';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { RevocationModule } from '../revocation/revocation.module';
import { SubjectFactsPublisher } from './subject-facts.publisher';
import { SuperAdminGuard } from './super-admin.guard';
import { UsersHandlers } from './users.handlers';
import { UsersService } from './users.service';

@Module({
  imports: [PasswordsModule, LoginProtectionModule, RevocationModule, EmailVerificationModule],
  controllers: [UsersHandlers],
  providers: [UsersService, SuperAdminGuard, SubjectFactsPublisher],
  exports: [UsersService, SuperAdminGuard],
})
export class UsersModule {}
