import { Module } from '@nestjs/common';
import { PasswordsModule } from '../passwords/passwords.module';
import { UsersHandlers } from './users.handlers';
import { UsersService } from './users.service';

@Module({
  imports: [PasswordsModule],
  controllers: [UsersHandlers],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
