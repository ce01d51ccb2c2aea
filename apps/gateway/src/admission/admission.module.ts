import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DecisionsModule } from '../decisions/decisions.module';
import { SecurityModule } from '../security/security.module';
import { RequestAdmission } from './request-admission';
import { TenantResolver } from './tenant-resolver';

/** Authentication, tenant resolution, rate limits and the authorization check of every matched request. */
@Module({
  imports: [AuthModule, DecisionsModule, SecurityModule],
  providers: [TenantResolver, RequestAdmission],
  exports: [RequestAdmission],
})
export class AdmissionModule {}
