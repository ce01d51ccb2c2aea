import { Module } from '@nestjs/common';
import { PasswordsModule } from '../passwords/passwords.module';
import { UsersModule } from '../users/users.module';
import { SetupHandlers } from './setup.handlers';

@Module({ imports: [UsersModule, PasswordsModule], controllers: [SetupHandlers] })
export class SetupModule {}
