import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { LoginProtectionModule } from '../login-protection/login-protection.module';
import { RevocationModule } from '../revocation/revocation.module';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsService } from './sessions.service';

@Module({
  imports: [KeysModule, LoginProtectionModule, RevocationModule],
  controllers: [SessionsHandlers],
  providers: [SessionsService],
})
export class SessionsModule {}
