import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsService } from './sessions.service';

@Module({
  imports: [KeysModule, PasswordsModule],
  controllers: [SessionsHandlers],
  providers: [SessionsService],
})
export class SessionsModule {}
