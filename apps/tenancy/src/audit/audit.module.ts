import { Module } from '@nestjs/common';
import { AuditHandlers } from './audit.handlers';
import { AuditTrailService } from './audit-trail.service';

@Module({ controllers: [AuditHandlers], providers: [AuditTrailService] })
export class AuditModule {}
