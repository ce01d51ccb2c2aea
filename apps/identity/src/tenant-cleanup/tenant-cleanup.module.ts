import { Module } from '@nestjs/common';
import { RevocationModule } from '../revocation/revocation.module';
import { TenantCleanupHandlers } from './tenant-cleanup.handlers';
import { TenantCleanupService } from './tenant-cleanup.service';

@Module({ imports: [RevocationModule], controllers: [TenantCleanupHandlers], providers: [TenantCleanupService] })
export class TenantCleanupModule {}
