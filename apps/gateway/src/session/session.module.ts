import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { BrowserSessions } from './browser-sessions';

/** Browser sessions: identity's login, refresh and logout (through DispatchModule) with the refresh token in a cookie. */
@Module({
  imports: [DispatchModule],
  providers: [BrowserSessions],
  exports: [BrowserSessions],
})
export class SessionModule {}
