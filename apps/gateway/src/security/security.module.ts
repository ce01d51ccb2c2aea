import { Module } from '@nestjs/common';
import { RateLimits } from './rate-limits';

/** Rate limits per client address and per subject (the security headers are a Fastify hook set up in main.ts). */
@Module({
  providers: [RateLimits],
  exports: [RateLimits],
})
export class SecurityModule {}
