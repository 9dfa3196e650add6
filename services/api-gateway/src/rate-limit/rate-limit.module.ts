import { Module } from '@nestjs/common';
import { RateLimits } from './rate-limits.js';

/** Per-IP and per-user buckets in Redis; the guard that applies them is global (AppModule). */
@Module({
  providers: [RateLimits],
  exports: [RateLimits],
})
export class RateLimitModule {}
